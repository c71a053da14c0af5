//! `up`, `serve`, `agent` and `openapi`.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::ExitCode;

use liftoff_kit::{Authority, DbUrl, PeerUrls};
use liftoff_platform::{ServiceSettings, UpConfig};

use crate::access::AuthArgs;
use crate::cli::{Global, ServeArgs};

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
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

/// Service settings from the flags `up` and `serve` take; defaults for the rest.
pub async fn up(
    g: &Global,
    listen: SocketAddr,
    database_url: Option<String>,
    mut settings: ServiceSettings,
    auth: AuthArgs,
) -> anyhow::Result<ExitCode> {
    auth.apply(&mut settings);
    settings.registry = liftoff_host_registry::Config::from_env()?;
    settings.scheduler = liftoff_scheduler::Config {
        // `--url-allow` reaches the health analysis' Prometheus queries too.
        analysis_allow: std::mem::take(&mut settings.scheduler.analysis_allow),
        ..liftoff_scheduler::Config::from_env()
    };
    let running = liftoff_platform::up(UpConfig {
        listen,
        data_dir: g.data_dir.clone(),
        database_url,
        settings,
    })
    .await?;
    let token = liftoff_platform::admin_token_path(&g.data_dir);
    if g.json {
        println!(
            "{}",
            serde_json::json!({"url": running.url, "admin_token_path": token, "console_url": format!("{}/", running.url)})
        );
    } else {
        println!("liftoff is up at {}", running.url);
        println!("admin token: {}", token.display());
        println!(
            "console: {}/ (sign in with the admin token's contents)",
            running.url
        );
    }
    shutdown_signal().await;
    running.stop().await;
    Ok(ExitCode::SUCCESS)
}

/// Service settings: defaults, with what the environment overrides (host registry:
/// heartbeat timing and the autoscaling secrets).
pub async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let listener = TcpListener::bind(args.listen)?;
    let own = format!("http://{}", listener.local_addr()?);
    let mut settings = args.options.settings();
    args.auth.apply(&mut settings);
    settings.registry = liftoff_host_registry::Config::from_env()?;
    settings.scheduler = liftoff_scheduler::Config {
        // `--url-allow` reaches the health analysis' Prometheus queries too.
        analysis_allow: std::mem::take(&mut settings.scheduler.analysis_allow),
        ..liftoff_scheduler::Config::from_env()
    };
    // A service running apart follows deployment-api's revocation feed.
    if args.service != "deployment-api" {
        settings.auth.revocations_from = args.deployment_api_url.clone();
        if args.deployment_api_url.is_none() {
            tracing::warn!("no --deployment-api-url: this service cannot follow token revocations");
        }
    }
    let peers = PeerUrls {
        deployment_api: args.deployment_api_url.unwrap_or_else(|| own.clone()),
        scheduler: args.scheduler_url.unwrap_or_else(|| own.clone()),
        registry: args.registry_url.unwrap_or_else(|| own.clone()),
        history: args.history_url.unwrap_or_else(|| own.clone()),
    };
    let secret = args.secret_file.clone().unwrap_or_default();
    let authority = Authority::load(args.auth.keyset.as_deref(), &secret)?;
    let db_url = DbUrl::parse(&args.database_url, &args.service).map_err(anyhow::Error::msg)?;
    let (name, auth2, for_build) = (args.service.clone(), authority.clone(), settings.clone());
    let svc = tokio::task::spawn_blocking(move || {
        liftoff_platform::build_service(&name, db_url, auth2, &peers, &for_build)
    })
    .await??;
    let running = liftoff_platform::serve(listener, vec![svc], authority, &settings)?;
    tracing::info!(service = %args.service, url = %running.url, "serving");
    shutdown_signal().await;
    running.stop().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn agent(args: liftoff_agent::cli::AgentArgs) -> anyhow::Result<ExitCode> {
    liftoff_agent::cli::run(args, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// The generated document, as committed (pretty JSON, trailing newline).
pub fn openapi_text(name: &str) -> anyhow::Result<String> {
    let doc = liftoff_platform::document(name)?;
    Ok(format!("{}\n", serde_json::to_string_pretty(&doc)?))
}

pub fn openapi(out: &Path, check: bool) -> anyhow::Result<ExitCode> {
    let mut drift = Vec::new();
    for name in liftoff_platform::DOCUMENTS {
        let path = out.join(format!("{name}.json"));
        let text = openapi_text(name)?;
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                drift.push(path.display().to_string());
            }
        } else {
            std::fs::create_dir_all(out)?;
            std::fs::write(&path, text)?;
        }
    }
    if drift.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "OpenAPI drift in {}; run: cargo run -p liftoff -- openapi --out openapi",
            drift.join(", ")
        );
        Ok(ExitCode::FAILURE)
    }
}
