//! host-registry: the fleet's hosts, their zones and tags, enrollment with tokens, heartbeats
//! and liveness. Agents enroll here and get their own credential; the scheduler asks here
//! which hosts a deployment group selects.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use futures_util::future::BoxFuture;
use liftoff_kit::db::Migrations;
use liftoff_kit::{Authority, Db, Peers, ServiceApp};
use utoipa::OpenApi;

mod api;
mod app;
mod schema;
mod store;

pub const NAME: &str = "host-registry";

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
    /// How often agents heartbeat.
    pub heartbeat_interval: Duration,
    /// A host silent for longer than this is `Lost`.
    pub heartbeat_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(5),
            heartbeat_grace: Duration::from_secs(20),
        }
    }
}

pub struct State {
    pub db: Db,
    pub authority: Authority,
    pub peers: Peers,
    pub config: Config,
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
            if let Err(e) = app::hosts::sweep_lost(&self.state).await {
                tracing::warn!(error = %e, "host liveness sweep failed");
            }
            if let Err(e) = liftoff_kit::outbox::relay(&self.state.db, &self.state.peers).await {
                tracing::debug!(error = %e, "outbox relay deferred");
            }
        })
    }

    fn db(&self) -> &Db {
        &self.state.db
    }
}
