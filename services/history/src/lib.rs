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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            retention: Duration::from_secs(90 * 86400),
            retention_interval: Duration::from_secs(600),
        }
    }
}

pub struct State {
    pub db: Db,
    pub authority: Authority,
    pub peers: Peers,
    pub config: Config,
    /// When this replica last ran retention (a hint; the work itself is idempotent).
    last_retention: Mutex<Option<Instant>>,
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
        Box::pin(app::retention::maybe_run(&self.state))
    }

    fn db(&self) -> &Db {
        &self.state.db
    }
}
