//! deployment-api: what teams, pipelines and generated clients talk to. Owns applications,
//! revisions and their bundles (content-addressed, stored in the database so every replica
//! serves them), deployment groups, configurations, and deployments: the intent and the final
//! outcome. The scheduler carries each deployment out. Stages order an application's groups
//! (dev → staging → prod) and promotion deploys what succeeded in one stage to the next.
//! It also owns teams and the records of their tokens, and the revocation feed every service
//! follows.

use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web;
use futures_util::future::BoxFuture;
use liftoff_kit::db::Migrations;
use liftoff_kit::{Authority, Db, Peers, ServiceApp};
use utoipa::OpenApi;

mod api;
pub mod app;
pub mod bundle_fetch;
mod console;
mod schema;
mod store;

pub const NAME: &str = "deployment-api";

const PG_MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/sqlite");

pub fn migrations() -> Migrations {
    Migrations {
        postgres: PG_MIGRATIONS,
        sqlite: SQLITE_MIGRATIONS,
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Largest bundle accepted on upload.
    pub max_bundle_bytes: u64,
    /// Where uploads are spooled while they are hashed and checked.
    pub spool_dir: PathBuf,
    /// How revisions registered by URL are fetched (SSRF rules, allow-list, deadline).
    pub bundle_fetch: bundle_fetch::FetchSettings,
    /// How often running deployments are compared with the scheduler, as a safety net under
    /// the progress it pushes (`LIFTOFF_DEPLOYMENT_RECONCILE_SECS`, default 300).
    pub reconcile_every: std::time::Duration,
    /// The time deployment windows are judged by (the system clock unless a test sets it).
    pub clock: app::clock::Clock,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_bundle_bytes: 512 * 1024 * 1024,
            spool_dir: std::env::temp_dir(),
            bundle_fetch: bundle_fetch::FetchSettings::default(),
            reconcile_every: std::env::var("LIFTOFF_DEPLOYMENT_RECONCILE_SECS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map_or(
                    app::progress::RECONCILE_EVERY,
                    std::time::Duration::from_secs,
                ),
            clock: app::clock::Clock::default(),
        }
    }
}

pub struct State {
    pub db: Db,
    pub authority: Authority,
    pub peers: Peers,
    pub config: Config,
    /// The deployment gauges' refresh clock.
    pub gauges: liftoff_kit::telemetry::GaugeRefresh,
    /// When running deployments were last reconciled with the scheduler.
    pub sweep: app::progress::Sweep,
    /// Bumped whenever a deployment's copy or status changed here: watchers look again at
    /// once instead of at their next interval.
    pub changes: tokio::sync::watch::Sender<u64>,
    /// Whether this process has pushed the freezes and group selectors the scheduler was
    /// never told of (`app::freezes::push_unpushed`, `app::groups::push_unpushed`, from the
    /// tick until both succeed once).
    pub backfilled: std::sync::atomic::AtomicBool,
}

#[derive(Clone)]
pub struct Service {
    state: web::Data<State>,
}

impl Service {
    pub fn new(db: Db, authority: Authority, peers: Peers, config: Config) -> Self {
        Self {
            state: web::Data::from(Arc::new(State {
                db,
                authority,
                peers,
                config,
                gauges: liftoff_kit::telemetry::GaugeRefresh::default(),
                sweep: app::progress::Sweep::default(),
                changes: tokio::sync::watch::Sender::new(0),
                backfilled: std::sync::atomic::AtomicBool::new(false),
            })),
        }
    }

    pub fn openapi() -> utoipa::openapi::OpenApi {
        api::ApiDoc::openapi()
    }
}

/// The revocation feed read from deployment-api's own database: what its processes (and
/// `liftoff up`) follow instead of calling themselves over HTTP.
pub fn revocation_feed(db: Db) -> Arc<dyn liftoff_kit::auth::RevocationFeed> {
    app::tokens::feed(db)
}

impl ServiceApp for Service {
    fn name(&self) -> &'static str {
        NAME
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        api::configure(cfg, self.state.clone());
        console::configure(cfg);
    }

    fn relay_forever(&self) -> BoxFuture<'_, ()> {
        Box::pin(liftoff_kit::outbox::relay_forever(
            &self.state.db,
            &self.state.peers,
        ))
    }

    fn tick(&self) -> BoxFuture<'_, ()> {
        use liftoff_kit::telemetry::tick_step;
        Box::pin(async move {
            use std::sync::atomic::Ordering;
            if !self.state.backfilled.load(Ordering::Relaxed) {
                // What the scheduler was never told of (made before the pushes existed).
                let freezes = app::freezes::push_unpushed(&self.state).await;
                let groups = app::groups::push_unpushed(&self.state).await;
                match (freezes, groups) {
                    (Ok(freezes), Ok(groups)) => {
                        if freezes + groups > 0 {
                            tracing::info!(
                                freezes,
                                groups,
                                "pushed freezes and group selectors the scheduler was never told of"
                            );
                        }
                        self.state.backfilled.store(true, Ordering::Relaxed);
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        tracing::warn!(error = %e, "freezes or group selectors not yet pushed to the scheduler")
                    }
                }
            }
            if let Err(e) =
                tick_step(NAME, "deployments", app::deployments::tick(&self.state)).await
            {
                tracing::warn!(error = %e, "deployment sync failed");
            }
            if let Err(e) = tick_step(NAME, "promotions", app::promotions::tick(&self.state)).await
            {
                tracing::warn!(error = %e, "approved promotions not started");
            }
            if let Err(e) =
                tick_step(NAME, "reconcile", app::progress::reconcile(&self.state)).await
            {
                tracing::debug!(error = %e, "reconciliation with the scheduler deferred");
            }
            if let Err(e) = tick_step(
                NAME,
                "outbox_relay",
                liftoff_kit::outbox::relay(&self.state.db, &self.state.peers),
            )
            .await
            {
                tracing::debug!(error = %e, "outbox relay deferred");
            }
            if let Err(e) = tick_step(NAME, "gauges", app::metrics::refresh(&self.state)).await {
                tracing::debug!(error = %e, "deployment gauges not refreshed");
            }
        })
    }

    fn db(&self) -> &Db {
        &self.state.db
    }
}
