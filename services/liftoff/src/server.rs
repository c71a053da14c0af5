//! `up`, `serve`, `agent` and `openapi`.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use liftoff_kit::{Authority, DbUrl, PeerUrls};
use liftoff_platform::{ServiceSettings, UpConfig};
use tokio::sync::watch;

use crate::cli::{AgentArgs, Global, ServeArgs};

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

pub async fn up(
    g: &Global,
    listen: SocketAddr,
    database_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    let running = liftoff_platform::up(UpConfig {
        listen,
        data_dir: g.data_dir.clone(),
        database_url,
        settings: ServiceSettings {
            scheduler: liftoff_scheduler::Config::from_env(),
            ..ServiceSettings::default()
        },
    })
    .await?;
    let token = liftoff_platform::admin_token_path(&g.data_dir);
    if g.json {
        println!(
            "{}",
            serde_json::json!({"url": running.url, "admin_token_path": token})
        );
    } else {
        println!("liftoff is up at {}", running.url);
        println!("admin token: {}", token.display());
    }
    shutdown_signal().await;
    running.stop().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let listener = TcpListener::bind(args.listen)?;
    let own = format!("http://{}", listener.local_addr()?);
    let peers = PeerUrls {
        deployment_api: args.deployment_api_url.unwrap_or_else(|| own.clone()),
        scheduler: args.scheduler_url.unwrap_or_else(|| own.clone()),
        registry: args.registry_url.unwrap_or_else(|| own.clone()),
        history: args.history_url.unwrap_or_else(|| own.clone()),
    };
    let authority = Authority::load_or_create(&args.secret_file)?;
    let db_url = DbUrl::parse(&args.database_url, &args.service).map_err(anyhow::Error::msg)?;
    let settings = ServiceSettings {
        scheduler: liftoff_scheduler::Config::from_env(),
        ..ServiceSettings::default()
    };
    let (name, auth2) = (args.service.clone(), authority.clone());
    let svc = tokio::task::spawn_blocking(move || {
        liftoff_platform::build_service(&name, db_url, auth2, &peers, &settings)
    })
    .await??;
    let running =
        liftoff_platform::serve(listener, vec![svc], authority, &ServiceSettings::default())?;
    tracing::info!(service = %args.service, url = %running.url, "serving");
    shutdown_signal().await;
    running.stop().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn agent(args: AgentArgs) -> anyhow::Result<ExitCode> {
    let mut config = liftoff_agent::AgentConfig::new(&args.server, &args.zone, args.root);
    config.enroll_token = args.enroll_token;
    config.scheduler_url = args.scheduler_url;
    config.deployment_api_url = args.deployment_api_url;
    config.tags = args.tags.into_iter().collect();
    if let Some(h) = args.hostname {
        config.hostname = h;
    }
    config.poll_wait = Duration::from_secs(args.poll_wait.clamp(1, 30));
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping: the command in progress finishes first");
        let _ = tx.send(true);
    });
    liftoff_agent::run(config, args.simulate, rx).await?;
    Ok(ExitCode::SUCCESS)
}

/// The generated document, as committed (pretty JSON, trailing newline).
pub fn openapi_text(name: &str) -> anyhow::Result<String> {
    let doc =
        liftoff_platform::openapi(name).ok_or_else(|| anyhow::anyhow!("unknown service {name}"))?;
    Ok(format!("{}\n", doc.to_pretty_json()?))
}

pub fn openapi(out: &Path, check: bool) -> anyhow::Result<ExitCode> {
    let mut drift = Vec::new();
    for name in liftoff_platform::SERVICES {
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
