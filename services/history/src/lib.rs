//! history: the append-only log of everything that happened across Liftoff, fed by every
//! service's outbox (deduplicated by event id), and the questions operators ask of it: which
//! hosts run a revision now, what a group ran at a time, what a host or deployment went through
//! (with the full hook output the agents upload), and who did what. Retention keeps 90 days by
//! default, pinned revisions forever, and every host's current revision always.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web;
use futures_util::future::BoxFuture;
use liftoff_kit::db::Migrations;
use liftoff_kit::egress::{Cidr, Resolve, SystemResolver};
use liftoff_kit::{Authority, Db, Peers, ServiceApp};
use utoipa::OpenApi;

mod api;

/// Body cap of event ingest (`POST /v1/events`), enforced as the body streams in.
pub const INGEST_BODY_LIMIT: usize = liftoff_kit::outbox::RECEIVE_BODY_LIMIT;
/// Body cap of a hook-log upload: the capped output, JSON-escaped at worst six bytes a byte.
pub const LOG_UPLOAD_BODY_LIMIT: usize = 6 * liftoff_types::history::HOOK_LOG_CAP_BYTES + 4096;
mod app;
mod schema;
mod store;

pub const NAME: &str = "history";

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
    /// How long events, closed spans and hook logs are kept (pinned revisions: forever).
    pub retention: Duration,
    /// How often a replica runs retention.
    pub retention_interval: Duration,
    /// How webhooks are delivered.
    pub webhooks: WebhookSettings,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            retention: Duration::from_secs(90 * 86400),
            retention_interval: Duration::from_secs(600),
            webhooks: WebhookSettings::default(),
        }
    }
}

/// Webhook delivery: where URLs may point, how long an attempt may take, how retries back off
/// and when a delivery is given up (dead-lettered).
#[derive(Clone)]
pub struct WebhookSettings {
    /// Blocks webhook URLs may reach despite the SSRF rules (`liftoff up --url-allow`).
    pub allow: Vec<Cidr>,
    pub resolver: Arc<dyn Resolve>,
    /// Deadline of one attempt: connect, send, and the start of the answer.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// The first retry's wait; it doubles (with jitter) up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// A delivery still failing this long after it was queued is dead-lettered.
    pub max_age: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            resolver: Arc::new(SystemResolver),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(3600),
            max_age: Duration::from_secs(86400),
        }
    }
}

impl std::fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("allow", &self.allow)
            .field("timeout", &self.timeout)
            .field("retry_base", &self.retry_base)
            .field("retry_max", &self.retry_max)
            .field("max_age", &self.max_age)
            .finish_non_exhaustive()
    }
}

pub struct State {
    pub db: Db,
    pub authority: Authority,
    pub peers: Peers,
    pub config: Config,
    /// When this replica last ran retention (a hint; the work itself is idempotent).
    last_retention: Mutex<Option<Instant>>,
    /// When this replica last published the webhook backlog.
    webhook_gauges: liftoff_kit::telemetry::GaugeRefresh,
    /// Webhook attempts this replica may have in flight.
    webhook_slots: Arc<tokio::sync::Semaphore>,
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
                last_retention: Mutex::new(None),
                webhook_gauges: Default::default(),
                webhook_slots: Arc::new(tokio::sync::Semaphore::new(
                    app::webhooks::deliver::MAX_IN_FLIGHT,
                )),
            })),
        }
    }

    pub fn openapi() -> utoipa::openapi::OpenApi {
        api::ApiDoc::openapi()
    }
}

impl ServiceApp for Service {
    fn name(&self) -> &'static str {
        NAME
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        api::configure(cfg, self.state.clone());
    }

    fn tick(&self) -> BoxFuture<'_, ()> {
        use liftoff_kit::telemetry::tick_step;
        Box::pin(async {
            tick_step(NAME, "webhooks", app::webhooks::deliver::tick(&self.state)).await;
            tick_step(NAME, "retention", app::retention::maybe_run(&self.state)).await;
        })
    }

    /// Webhook deliveries queued by an ingest go out at once, not at the next tick.
    fn relay(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            if let Err(e) = app::webhooks::deliver::run(&self.state).await {
                tracing::warn!(error = %e, "webhook delivery run failed");
            }
        })
    }

    fn db(&self) -> &Db {
        &self.state.db
    }
}
