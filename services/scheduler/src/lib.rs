//! scheduler: turns a deployment into a rollout (the per-host plan, in zone-striped order),
//! dispatches it through a sliding window bounded by minimum healthy hosts, tracks every host
//! and lifecycle event, halts on the failure threshold, and is the agents' command channel.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web;
use futures_util::future::BoxFuture;
use liftoff_kit::db::Migrations;
use liftoff_kit::{Authority, Db, Peers, ServiceApp};
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
    /// A host's polls look at the database for its commands at least this often: at a poll's
    /// start, unless its last look found nothing within this time and no dispatch woke it
    /// since, and during a long wait. A dispatch wakes a waiting poll at once.
    pub poll_recheck: Duration,
    /// How often a replica looks for commands other replicas dispatched, to wake its polls.
    pub watch_interval: Duration,
    /// How long a replica's claim on a rollout's background work lasts without renewal.
    pub lease_ttl: Duration,
    /// How often the upkeep matches a running rollout against the copy of the hosts (a net:
    /// hosts that join or leave its group are applied as the registry's push arrives).
    pub membership_refresh: Duration,
    /// Blocks health-analysis queries may reach despite the outgoing-URL rules
    /// (`liftoff up --url-allow`, shared with revision URLs and webhooks).
    pub analysis_allow: Vec<liftoff_kit::egress::Cidr>,
    /// Deadline of one Prometheus query; one that takes longer is inconclusive.
    pub analysis_timeout: Duration,
    /// The time the gates of running rollouts (deployment windows, freezes) are judged by:
    /// the system clock unless a test sets it.
    pub clock: liftoff_kit::clock::Clock,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_secs(300),
            command_timeout: Duration::from_secs(3 * 3600),
            max_poll_wait: Duration::from_secs(30),
            // Waiting polls are woken when their command is dispatched (here, or by another
            // replica through the mailbox's watcher); this is only the net under both. At
            // 10,000 idle hosts a 5 s re-check alone was 2,000 queries a second, and a look at
            // every poll's start a quarter of the control plane's CPU.
            poll_recheck: Duration::from_secs(60),
            watch_interval: Duration::from_millis(250),
            lease_ttl: Duration::from_secs(15),
            membership_refresh: Duration::from_secs(30),
            analysis_allow: Vec::new(),
            analysis_timeout: Duration::from_secs(10),
            clock: liftoff_kit::clock::Clock::default(),
        }
    }
}

impl Config {
    /// The defaults, with `LIFTOFF_SCHEDULER_<SETTING>_SECS` (or `_MS`) from the environment:
    /// `ACK_TIMEOUT`, `COMMAND_TIMEOUT`, `LEASE_TTL`, `MEMBERSHIP_REFRESH`, `POLL_RECHECK`.
    pub fn from_env() -> Self {
        let mut c = Self::default();
        let read = |name: &str| -> Option<Duration> {
            let secs = std::env::var(format!("LIFTOFF_SCHEDULER_{name}_SECS")).ok();
            let ms = std::env::var(format!("LIFTOFF_SCHEDULER_{name}_MS")).ok();
            secs.and_then(|v| v.parse().ok())
                .map(Duration::from_secs)
                .or_else(|| ms.and_then(|v| v.parse().ok()).map(Duration::from_millis))
        };
        if let Some(d) = read("ACK_TIMEOUT") {
            c.ack_timeout = d;
        }
        if let Some(d) = read("COMMAND_TIMEOUT") {
            c.command_timeout = d;
        }
        if let Some(d) = read("LEASE_TTL") {
            c.lease_ttl = d;
        }
        if let Some(d) = read("MEMBERSHIP_REFRESH") {
            c.membership_refresh = d;
        }
        if let Some(d) = read("POLL_RECHECK") {
            c.poll_recheck = d;
        }
        c
    }
}

pub struct State {
    pub db: Db,
    pub authority: Authority,
    pub peers: Peers,
    pub config: Config,
    /// Wakes long polls when a command is ready for their host.
    pub mailbox: Arc<app::mailbox::Mailbox>,
    /// Passes the polls heard on to the registry as heartbeats.
    pub feed: Arc<app::feed::Feed>,
    /// Set when the server stops, so long polls answer at once instead of holding it up.
    pub stopping: Arc<AtomicBool>,
    /// This replica's identity in rollout leases.
    pub replica: String,
    pub meta: app::Meta,
    /// Agents' completions waiting for their rollout's next transaction.
    pub completions: app::completions::Completions,
    /// When each leased rollout last refreshed its membership (not state: losing it only
    /// means an earlier refresh).
    pub refreshed: Mutex<HashMap<String, Instant>>,
    /// Whether this process seeded the copy of the hosts from the registry (see `app::members`).
    pub hosts_seeded: std::sync::atomic::AtomicBool,
    /// The per-group gauge's refresh clock.
    pub gauges: liftoff_kit::telemetry::GaugeRefresh,
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
                mailbox: Arc::default(),
                feed: Arc::default(),
                stopping: Arc::default(),
                replica: app::background::replica_id(),
                meta: app::Meta::default(),
                completions: app::completions::Completions::default(),
                refreshed: Mutex::default(),
                hosts_seeded: std::sync::atomic::AtomicBool::new(false),
                gauges: liftoff_kit::telemetry::GaugeRefresh::default(),
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

    fn relay_forever(&self) -> BoxFuture<'_, ()> {
        Box::pin(liftoff_kit::outbox::relay_forever(
            &self.state.db,
            &self.state.peers,
        ))
    }

    fn tick(&self) -> BoxFuture<'_, ()> {
        use liftoff_kit::telemetry::tick_step;
        Box::pin(async move {
            if let Err(e) = tick_step(NAME, "rollouts", app::background::tick(&self.state)).await {
                tracing::warn!(error = %e, "scheduler tick failed");
            }
            if let Err(e) = tick_step(
                NAME,
                "legacy_inventory",
                app::inventory::move_legacy_reports(&self.state.db),
            )
            .await
            {
                tracing::warn!(error = %e, "moving the old inventory outbox failed; retried next tick");
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
                tracing::debug!(error = %e, "group gauges not refreshed");
            }
        })
    }

    fn shutdown(&self) {
        self.state
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.state.mailbox.wake_all();
    }

    fn db(&self) -> &Db {
        &self.state.db
    }
}
