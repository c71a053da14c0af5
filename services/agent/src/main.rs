//! `liftoff-agent`: the host agent alone, the same code and flags as `liftoff agent`, without
//! the control plane's code and libraries, for a small footprint on every host.

use std::process::ExitCode;

use clap::Parser;
use liftoff_agent::cli::AgentArgs;
use opentelemetry::trace::TracerProvider as _;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

#[derive(Debug, Parser)]
#[command(name = "liftoff-agent", version, about = "The Liftoff host agent.")]
struct Cli {
    #[command(flatten)]
    agent: AgentArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    liftoff_agent::cli::hide_enroll_token_from_argv();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // With OTEL_EXPORTER_OTLP_ENDPOINT, the host's spans (commands, lifecycle events, scripts,
    // log uploads) join each deployment's trace, as `liftoff agent`'s do.
    let provider = liftoff_client::trace::otlp_provider("liftoff-agent");
    let otel = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("liftoff")));
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false),
        )
        .with(otel)
        .init();
    // Two workers are plenty for one host, and for thousands of simulated ones (all I/O).
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("liftoff-agent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(liftoff_agent::cli::run(cli.agent, shutdown_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            ExitCode::FAILURE
        }
    };
    // Flushes the spans still batched.
    if let Some(p) = provider {
        let _ = p.shutdown();
    }
    code
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
