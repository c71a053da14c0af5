//! scheduler: turns a deployment into a rollout (the per-host plan, in zone-striped order),
//! dispatches it through a sliding window bounded by minimum healthy hosts, tracks every host
//! and lifecycle event, halts on the failure threshold, and is the agents' command channel.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use futures_util::future::BoxFuture;
use liftoff_kit::db::Migrations;
use liftoff_kit::{Authority, Db, Peers, ServiceApp};
use tokio::sync::Notify;
use utoipa::OpenApi;

mod api;
pub mod app;
mod schema;
mod store;

pub const NAME: &str = "scheduler";

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
    /// A dispatched command no agent acknowledged within this fails its host (`never-started`).
    pub ack_timeout: Duration,
    /// A running command that has not completed within this fails its host (`timed-out`).
    pub command_timeout: Duration,
    /// Longest long-poll an agent may ask for.
    pub max_poll_wait: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_secs(300),
            command_timeout: Duration::from_secs(3 * 3600),
            max_poll_wait: Duration::from_secs(30),
        }
    }
}

pub struct State {
    pub db: Db,
    pub authority: Authority,
    pub peers: Peers,
    pub config: Config,
    /// Wakes this replica's long polls when it dispatches (others find work by polling).
    pub dispatched: Notify,
    /// Set when the server stops, so long polls answer at once instead of holding it up.
    pub stopping: std::sync::atomic::AtomicBool,
    /// Backoff of the relay that tells host-registry what hosts run.
    pub inventory_relay: liftoff_kit::outbox::Relay,
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
                dispatched: Notify::new(),
                stopping: std::sync::atomic::AtomicBool::new(false),
                inventory_relay: liftoff_kit::outbox::Relay::default(),
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
        Box::pin(async move {
            if let Err(e) = app::rollouts::tick(&self.state).await {
                tracing::warn!(error = %e, "scheduler tick failed");
            }
            if let Err(e) = app::inventory::relay(&self.state).await {
                tracing::debug!(error = %e, "inventory relay deferred");
            }
            if let Err(e) = liftoff_kit::outbox::relay(&self.state.db, &self.state.peers).await {
                tracing::debug!(error = %e, "outbox relay deferred");
            }
        })
    }

    fn shutdown(&self) {
        self.state
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.state.dispatched.notify_waiters();
    }

    fn db(&self) -> &Db {
        &self.state.db
    }
}
