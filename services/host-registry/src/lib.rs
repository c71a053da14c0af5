//! host-registry: the fleet's hosts, their zones and tags, enrollment with tokens, heartbeats
//! and liveness, the host lifecycle (a host entering a group is held out of service until the
//! group's revision is installed on it), and the autoscaling intake (lifecycle hooks).
//! Agents enroll here and get their own credential; the scheduler asks here which hosts a
//! deployment group selects.

use std::path::PathBuf;
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
    /// A host silent for longer than this is `Lost` (stretched with the interval, see
    /// `max_heartbeats_per_second`).
    pub heartbeat_grace: Duration,
    /// About how many heartbeats a second a large fleet sends: it is given a longer interval,
    /// at most half the grace, which does not move (see `app/cadence.rs`). 0: off.
    pub fleet_heartbeats_per_second: u32,
    /// The most heartbeats a second the whole fleet sends: a larger fleet is given a longer
    /// interval (and its grace grows by as much), as Nomad's `max_heartbeats_per_second`.
    /// 0 (the default): never stretched past half the grace, so a silent host is `Lost`
    /// within the configured grace whatever the fleet's size; set it to trade that for an
    /// idle large fleet's cost.
    pub max_heartbeats_per_second: u32,
    /// An install deployment the scheduler never heard of after this fails the host.
    pub install_timeout: Duration,
    pub autoscaling: AutoscalingConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(5),
            heartbeat_grace: Duration::from_secs(20),
            // 5,000 hosts keep the 5 s interval; 10,000 heartbeat every 10 s.
            fleet_heartbeats_per_second: 1000,
            // Off: the configured grace is a promise. With 100, 500 hosts keep the 5 s
            // interval and 10,000 hosts heartbeat every 100 s.
            max_heartbeats_per_second: 0,
            install_timeout: Duration::from_secs(3600),
            autoscaling: AutoscalingConfig::default(),
        }
    }
}

/// The autoscaling intake: who may sign events, and how long things may take.
#[derive(Debug, Clone)]
pub struct AutoscalingConfig {
    /// Signing secrets, current first. During a rotation both the new and the old one verify.
    pub secrets: Vec<String>,
    /// A file with one secret per line (current first), read on every event, so a rotation
    /// needs no restart. Used together with `secrets`.
    pub secret_file: Option<PathBuf>,
    /// How far an event's timestamp may be from now.
    pub tolerance: Duration,
    /// How long the autoscaler waits for an answer when the event does not say (EC2's default).
    pub heartbeat_timeout: Duration,
    /// How long an agent may take to answer ApplicationStop before the host is deregistered
    /// without it.
    pub stop_timeout: Duration,
}

impl Default for AutoscalingConfig {
    fn default() -> Self {
        Self {
            secrets: Vec::new(),
            secret_file: None,
            tolerance: Duration::from_secs(300),
            heartbeat_timeout: Duration::from_secs(3600),
            stop_timeout: Duration::from_secs(600),
        }
    }
}

impl Config {
    /// Defaults, overridden by `LIFTOFF_HEARTBEAT_INTERVAL_SECS`, `LIFTOFF_HEARTBEAT_GRACE_SECS`,
    /// `LIFTOFF_FLEET_HEARTBEATS_PER_SECOND`, `LIFTOFF_MAX_HEARTBEATS_PER_SECOND`,
    /// `LIFTOFF_AUTOSCALING_SECRET`, `LIFTOFF_AUTOSCALING_PREVIOUS_SECRET` and
    /// `LIFTOFF_AUTOSCALING_SECRET_FILE`.
    pub fn from_env() -> anyhow::Result<Self> {
        let mut c = Self::default();
        let secs = |name: &str| -> anyhow::Result<Option<Duration>> {
            match std::env::var(name) {
                Ok(v) => {
                    let n: u64 = v
                        .trim()
                        .parse()
                        .map_err(|_| anyhow::anyhow!("{name}={v:?} is not a number of seconds"))?;
                    anyhow::ensure!(n > 0, "{name} must be at least 1");
                    Ok(Some(Duration::from_secs(n)))
                }
                Err(_) => Ok(None),
            }
        };
        if let Some(d) = secs("LIFTOFF_HEARTBEAT_INTERVAL_SECS")? {
            c.heartbeat_interval = d;
        }
        if let Some(d) = secs("LIFTOFF_HEARTBEAT_GRACE_SECS")? {
            c.heartbeat_grace = d;
        }
        if let Ok(v) = std::env::var("LIFTOFF_FLEET_HEARTBEATS_PER_SECOND") {
            c.fleet_heartbeats_per_second = v.trim().parse().ok().ok_or_else(|| {
                anyhow::anyhow!(
                    "LIFTOFF_FLEET_HEARTBEATS_PER_SECOND={v:?} is not a whole number (0: off)"
                )
            })?;
        }
        if let Ok(v) = std::env::var("LIFTOFF_MAX_HEARTBEATS_PER_SECOND") {
            c.max_heartbeats_per_second = v.trim().parse().ok().ok_or_else(|| {
                anyhow::anyhow!(
                    "LIFTOFF_MAX_HEARTBEATS_PER_SECOND={v:?} is not a whole number (0: off)"
                )
            })?;
        }
        for name in [
            "LIFTOFF_AUTOSCALING_SECRET",
            "LIFTOFF_AUTOSCALING_PREVIOUS_SECRET",
        ] {
            if let Ok(v) = std::env::var(name)
                && !v.trim().is_empty()
            {
                c.autoscaling.secrets.push(v.trim().to_string());
            }
        }
        if let Ok(p) = std::env::var("LIFTOFF_AUTOSCALING_SECRET_FILE") {
            c.autoscaling.secret_file = Some(PathBuf::from(p));
        }
        Ok(c)
    }
}

pub struct State {
    pub db: Db,
    pub authority: Authority,
    pub peers: Peers,
    pub config: Config,
    /// The fleet gauges' refresh clock.
    pub gauges: liftoff_kit::telemetry::GaugeRefresh,
    /// Since when the registry could hear every host: nobody is Lost before a grace of it.
    pub hearing: app::liveness::Hearing,
    /// Hosts heard since the last write of heartbeats.
    pub heard: std::sync::Arc<app::heard::Heard>,
    /// The heartbeat interval and grace for the fleet's size.
    pub cadence: app::cadence::Cadence,
    /// When each scheduler replica last passed on the polls it heard (`app::feed`).
    pub feeds: app::feed::Feeds,
    /// Whether this process queued its start-up scale-out requests (`app::lifecycle::tick`).
    pub requests_backfilled: std::sync::atomic::AtomicBool,
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
                gauges: liftoff_kit::telemetry::GaugeRefresh::default(),
                hearing: app::liveness::Hearing::default(),
                heard: std::sync::Arc::default(),
                cadence: app::cadence::Cadence::new(&config),
                feeds: app::feed::Feeds::default(),
                requests_backfilled: Default::default(),
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

    fn relay_forever(&self) -> BoxFuture<'_, ()> {
        Box::pin(liftoff_kit::outbox::relay_forever(
            &self.state.db,
            &self.state.peers,
        ))
    }

    fn tick(&self) -> BoxFuture<'_, ()> {
        use liftoff_kit::telemetry::tick_step;
        Box::pin(async move {
            // First, so the first tick after a start refuses the deregistered hosts'
            // credentials deployment-api has not acknowledged yet.
            if let Err(e) = tick_step(
                NAME,
                "revocations",
                app::revocations::refuse_queued(&self.state),
            )
            .await
            {
                tracing::warn!(error = %e, "queued credential revocations not read");
            }
            if let Err(e) = tick_step(NAME, "liveness", app::hosts::sweep_lost(&self.state)).await {
                tracing::warn!(error = %e, "host liveness sweep failed");
            }
            if let Err(e) = tick_step(NAME, "lifecycle", app::lifecycle::tick(&self.state)).await {
                tracing::warn!(error = %e, "host lifecycle step failed");
            }
            if let Err(e) =
                tick_step(NAME, "outcomes_prune", app::outcomes::prune(&self.state)).await
            {
                tracing::warn!(error = %e, "pruning install outcomes failed");
            }
            if let Err(e) = tick_step(NAME, "scale_in", app::scale_in::tick(&self.state)).await {
                tracing::warn!(error = %e, "scale-in step failed");
            }
            if let Err(e) =
                tick_step(NAME, "autoscaling", app::autoscaling::tick(&self.state)).await
            {
                tracing::warn!(error = %e, "lifecycle action timeouts failed");
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
            if let Err(e) = tick_step(NAME, "fleet_gauges", app::fleet::refresh(&self.state)).await
            {
                tracing::debug!(error = %e, "fleet gauges not refreshed");
            }
            self.state.hearing.ran(std::time::Instant::now());
        })
    }

    fn db(&self) -> &Db {
        &self.state.db
    }
}

/// The `X-Liftoff-Signature` value an autoscaler sends with `body` signed at `timestamp`
/// (Unix seconds): `v1=` and the hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub fn sign_autoscaling_event(
    secret: &[u8],
    timestamp: i64,
    body: &[u8],
) -> Result<String, liftoff_kit::ApiError> {
    app::autoscaling::signature::sign(secret, timestamp, body)
}
