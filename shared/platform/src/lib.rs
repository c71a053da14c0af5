//! Runs Liftoff's services: all four in one process on one port (`liftoff up`), or one alone
//! (`liftoff serve <service>`), with their background ticks. The same code starts them in tests.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use liftoff_kit::auth::{Role, TokenKind, write_token_file};
use liftoff_kit::web::Readiness;
use liftoff_kit::{Authority, Db, DbUrl, PeerUrls, Peers, ServiceApp};
use tokio::task::JoinHandle;

pub mod access;
mod contract;

pub use access::AuthSettings;
pub use contract::merged_openapi;

pub const SERVICES: [&str; 4] = ["deployment-api", "scheduler", "host-registry", "history"];

/// The committed contracts (`openapi/<name>.json`): each service's, and `liftoff`, the merged
/// document of `liftoff up`.
pub const DOCUMENTS: [&str; 5] = [
    "deployment-api",
    "scheduler",
    "host-registry",
    "history",
    "liftoff",
];

/// A committed contract by name (see [`DOCUMENTS`]).
pub fn document(name: &str) -> anyhow::Result<serde_json::Value> {
    if name == "liftoff" {
        return merged_openapi(&SERVICES);
    }
    let doc = openapi(name).ok_or_else(|| anyhow::anyhow!("unknown document {name}"))?;
    Ok(liftoff_kit::contract::finished(&doc))
}

/// Settings of every service, with defaults a production operator would pick.
#[derive(Debug, Clone, Default)]
pub struct ServiceSettings {
    pub deployment_api: liftoff_deployment_api::Config,
    pub scheduler: liftoff_scheduler::Config,
    pub registry: liftoff_host_registry::Config,
    pub history: liftoff_history::Config,
    /// How often background ticks run (default 1 s).
    pub tick_interval: Option<Duration>,
    /// HTTP worker threads (default: 2).
    pub workers: Option<usize>,
    /// Keys, rate limits, where revocations come from.
    pub auth: AuthSettings,
}

/// `liftoff up`: the whole control plane.
#[derive(Debug, Clone)]
pub struct UpConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: one SQLite file per service under the data dir.
    pub database_url: Option<String>,
    pub settings: ServiceSettings,
}

/// A running control plane or service.
pub struct Running {
    pub addr: SocketAddr,
    pub url: String,
    handle: ServerHandle,
    server: JoinHandle<std::io::Result<()>>,
    ticks: Vec<JoinHandle<()>>,
    pub services: Vec<Arc<dyn ServiceApp>>,
    /// Signs and verifies this server's credentials (shares its revocations).
    pub authority: Authority,
}

impl Running {
    /// Stops accepting, finishes in-flight requests (up to 10 s), stops the ticks.
    pub async fn stop(self) {
        for t in &self.ticks {
            t.abort();
        }
        for s in &self.services {
            s.shutdown();
        }
        self.handle.stop(true).await;
        let _ = self.server.await;
    }

    /// Waits until the server exits (e.g. on SIGINT/SIGTERM, which actix handles).
    pub async fn wait(self) -> std::io::Result<()> {
        let res = match self.server.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        };
        for t in &self.ticks {
            t.abort();
        }
        res
    }
}

/// Where `liftoff up` keeps its files.
pub fn admin_token_path(data_dir: &Path) -> PathBuf {
    data_dir.join("admin.token")
}

pub fn secret_path(data_dir: &Path) -> PathBuf {
    data_dir.join("jwt.secret")
}

/// Opens one service's database and builds the service.
pub fn build_service(
    name: &str,
    url: DbUrl,
    authority: Authority,
    peers: &PeerUrls,
    settings: &ServiceSettings,
) -> anyhow::Result<Arc<dyn ServiceApp>> {
    let peers = Peers::new(peers, authority.clone(), name)?;
    let pool_size = if url.is_postgres() { 10 } else { 8 };
    Ok(match name {
        "deployment-api" => {
            let db = Db::open(url, liftoff_deployment_api::migrations(), pool_size)?;
            Arc::new(liftoff_deployment_api::Service::new(
                db,
                authority,
                peers,
                settings.deployment_api.clone(),
            ))
        }
        "scheduler" => {
            let db = Db::open(url, liftoff_scheduler::migrations(), pool_size)?;
            Arc::new(liftoff_scheduler::Service::new(
                db,
                authority,
                peers,
                settings.scheduler.clone(),
            ))
        }
        "host-registry" => {
            let db = Db::open(url, liftoff_host_registry::migrations(), pool_size)?;
            Arc::new(liftoff_host_registry::Service::new(
                db,
                authority,
                peers,
                settings.registry.clone(),
            ))
        }
        "history" => {
            let db = Db::open(url, liftoff_history::migrations(), pool_size)?;
            Arc::new(liftoff_history::Service::new(
                db,
                authority,
                peers,
                settings.history.clone(),
            ))
        }
        other => anyhow::bail!("unknown service {other:?}; one of {}", SERVICES.join(", ")),
    })
}

/// The OpenAPI document of one service, as generated from the code.
pub fn openapi(name: &str) -> Option<utoipa::openapi::OpenApi> {
    Some(match name {
        "deployment-api" => liftoff_deployment_api::Service::openapi(),
        "scheduler" => liftoff_scheduler::Service::openapi(),
        "host-registry" => liftoff_host_registry::Service::openapi(),
        "history" => liftoff_history::Service::openapi(),
        _ => return None,
    })
}

/// `/openapi.json`: one document for everything this process serves.
async fn served_document(doc: web::Data<serde_json::Value>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(doc.get_ref())
}

/// Every route `services` serve with its methods, for the 405 answer to a wrong method.
pub fn route_methods(services: &[Arc<dyn ServiceApp>]) -> liftoff_kit::web::RouteMethods {
    use actix_web::http::Method;
    let mut routes = liftoff_kit::web::RouteMethods::default();
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        routes.add(path, Method::GET);
    }
    for s in services {
        routes.add(&format!("/openapi/{}.json", s.name()), Method::GET);
        if let Some(doc) = openapi(s.name()) {
            routes.add_openapi(&doc);
        }
    }
    routes
}

/// Serves `services` on `listener` with the operational endpoints, and starts their ticks.
pub fn serve(
    listener: TcpListener,
    services: Vec<Arc<dyn ServiceApp>>,
    authority: Authority,
    settings: &ServiceSettings,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    // Install the recorder before the first request, so nothing counted is lost.
    let _ = liftoff_kit::telemetry::metrics_handle();
    let readiness = Readiness(
        services
            .iter()
            .map(|s| (s.name().to_string(), s.db().clone()))
            .collect(),
    );
    let every = settings.tick_interval.unwrap_or(Duration::from_secs(1));
    let follower = access::revocation_feed(&services, &authority, settings)?
        .map(|feed| access::follow_revocations(authority.clone(), feed, every));
    let for_running = authority.clone();
    let routes = web::Data::new(route_methods(&services));
    let names: Vec<&str> = services.iter().map(|s| s.name()).collect();
    let document = web::Data::new(merged_openapi(&names)?);
    let authority = web::Data::new(authority);
    let admission = web::Data::new(access::admission(settings));
    let for_server = services.clone();
    let server = HttpServer::new(move || {
        let services = for_server.clone();
        let readiness = readiness.clone();
        App::new()
            .wrap(from_fn(liftoff_kit::admission::admit))
            .wrap(from_fn(liftoff_kit::web::request_metrics))
            .wrap(tracing_actix_web::TracingLogger::<
                liftoff_kit::request_span::RequestSpan,
            >::new())
            .app_data(authority.clone())
            .app_data(admission.clone())
            .app_data(routes.clone())
            .app_data(document.clone())
            .route("/openapi.json", web::get().to(served_document))
            .configure(liftoff_kit::web::configure_extractors)
            .configure(move |cfg| liftoff_kit::web::configure_operations(cfg, readiness))
            .configure(move |cfg| {
                for s in by_traffic(&services) {
                    s.configure(cfg);
                }
            })
            .default_service(web::to(liftoff_kit::web::not_found))
    })
    .workers(settings.workers.unwrap_or(2))
    // Named, not actix's default: clients stop reusing a connection before this (POOL_IDLE).
    .keep_alive(liftoff_client::SERVER_KEEP_ALIVE)
    .shutdown_timeout(10)
    .disable_signals()
    .listen(listener)?
    .run();
    let handle = server.handle();
    let server = tokio::spawn(server);
    let interval_override = settings.tick_interval;
    let mut ticks: Vec<JoinHandle<()>> = services
        .iter()
        .map(|s| {
            let s = s.clone();
            let every = interval_override.unwrap_or_else(|| s.tick_interval());
            tokio::spawn(async move {
                let mut timer = tokio::time::interval(every);
                timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let health = liftoff_kit::telemetry::GaugeRefresh::default();
                loop {
                    timer.tick().await;
                    s.tick().await;
                    if health.due() {
                        s.db().publish_health().await;
                    }
                }
            })
        })
        .collect();
    // Each service's relay also runs as soon as a call queued outbox events, so a change
    // reaches its peers in milliseconds rather than at the next tick.
    ticks.extend(services.iter().map(|s| {
        let s = s.clone();
        tokio::spawn(async move { s.relay_forever().await })
    }));
    ticks.extend(follower);
    Ok(Running {
        addr,
        url: format!("http://{addr}"),
        handle,
        server,
        ticks,
        services,
        authority: for_running,
    })
}

/// The data directory holds bundles, hook output, the audit log and the signing secret: it is
/// made 0700 and every file in it 0600, whatever the umask. Wider modes found on an existing
/// directory are reported, then narrowed.
pub fn secure_data_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let mode = |p: &Path| -> std::io::Result<u32> {
        Ok(std::fs::symlink_metadata(p)?.permissions().mode() & 0o7777)
    };
    let narrow = |p: &Path, from: u32, to: u32| -> anyhow::Result<()> {
        tracing::warn!(
            path = %p.display(),
            mode = format!("{from:o}"),
            "readable by other users; narrowing it to {to:o}"
        );
        eprintln!(
            "warning: {} had mode {from:o}, readable by other users; it is now {to:o}",
            p.display()
        );
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(to))?;
        Ok(())
    };
    let m = mode(dir)?;
    if m & 0o077 != 0 {
        narrow(dir, m, 0o700)?;
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if !kind.is_file() {
            continue;
        }
        let path = entry.path();
        let m = mode(&path)?;
        if m & 0o077 != 0 {
            narrow(&path, m, m & 0o700)?;
        }
    }
    Ok(())
}

/// Creates an empty file readable by its owner only, if there is none: SQLite then gives its
/// `-wal` and `-shm` files the same mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map(|_| ()),
    }
}

/// `liftoff up`: opens the databases (running migrations), writes the admin token on first
/// start, and serves all four services on one port.
pub async fn up(mut cfg: UpConfig) -> anyhow::Result<Running> {
    secure_data_dir(&cfg.data_dir)?;
    cfg.data_dir = std::path::absolute(&cfg.data_dir)?;
    let authority = Authority::load(
        cfg.settings.auth.keyset.as_deref(),
        &secret_path(&cfg.data_dir),
    )?;
    let listener = TcpListener::bind(cfg.listen)?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let peers = PeerUrls::all(&url);
    let mut services = Vec::new();
    for name in SERVICES {
        let db_url = match &cfg.database_url {
            Some(u) => DbUrl::for_service(u, name).map_err(anyhow::Error::msg)?,
            None => {
                let path = cfg.data_dir.join(format!("{name}.db"));
                create_private(&path)?;
                DbUrl::Sqlite(path)
            }
        };
        let (authority, peers, settings, name) = (
            authority.clone(),
            peers.clone(),
            cfg.settings.clone(),
            name.to_string(),
        );
        // Migrations and the first connections block: keep them off the async threads.
        let svc = tokio::task::spawn_blocking(move || {
            build_service(&name, db_url, authority, &peers, &settings)
        })
        .await??;
        services.push(svc);
    }
    // Know every revocation before the first request (the feed is local here).
    if let Some(feed) = access::revocation_feed(&services, &authority, &cfg.settings)? {
        authority
            .revocations()
            .sync(feed.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("reading token revocations: {e}"))?;
    }
    ensure_admin_token(&cfg.data_dir, &authority)?;
    serve(listener, services, authority, &cfg.settings)
}

/// Writes `<data-dir>/admin.token` (a platform admin of team `default`) unless it exists.
pub fn ensure_admin_token(data_dir: &Path, authority: &Authority) -> anyhow::Result<PathBuf> {
    let path = admin_token_path(data_dir);
    if !path.exists() {
        let (token, _) = authority.mint(
            TokenKind::Team,
            "admin",
            Some("default"),
            Some(Role::Admin),
            true,
            chrono::Duration::days(365),
        )?;
        write_token_file(&path, &token)?;
    }
    Ok(path)
}

/// The services in the order their routes are registered: a request is matched against the
/// routes in that order (most by a regular expression, and again by the middlewares that
/// name the route), so the services every host calls all the time come first: the scheduler
/// (long polls, reports), the registry (heartbeats), history (hook logs), deployment-api.
fn by_traffic(services: &[Arc<dyn ServiceApp>]) -> Vec<&Arc<dyn ServiceApp>> {
    let rank = |name: &str| {
        ["scheduler", "host-registry", "history", "deployment-api"]
            .iter()
            .position(|n| *n == name)
            .unwrap_or(usize::MAX)
    };
    let mut out: Vec<_> = services.iter().collect();
    out.sort_by_key(|s| rank(s.name()));
    out
}
