//! The control plane under its own faults, as an operator meets them: it restarts (down longer
//! than the heartbeat grace) while hosts run hooks, an acknowledgement's answer is lost while
//! the scheduler stays unreachable, the process answering a keyed create dies, the database
//! goes away, the disk fills, and (services run apart) any one service is killed mid-rollout.
//! Each test says what must hold (no host failed for the control plane's downtime, nothing
//! stranded, nothing run twice, every copy of a fact converged, 503/507 with a stable code) and
//! prints the recovery figures reported in docs/benchmarks.md (`CHAOS` lines).
//!
//! The full disk is simulated with SQLite's `PRAGMA max_page_count` on every connection of one
//! service (the real `SQLITE_FULL` error, without root or a tmpfs mount); the database outage
//! with a TCP gate between the services and PostgreSQL (the shared server is never stopped).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../rollout_common/mod.rs"]
mod common;
#[path = "../split_support/mod.rs"]
mod split_support;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use liftoff_client::{Client, DeploymentApiClient};
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_platform::{ServiceSettings, UpConfig};
use liftoff_testkit::proxy::FaultProxy;
use liftoff_testkit::{PgDatabase, TestPlatform, wait_for};
use liftoff_types::deployments::*;
use liftoff_types::scheduler::{EventStatus, HostTargetStatus};
use nix::sys::signal::Signal;

mod idempotency;
mod kill_any_service;
mod kill_storm;
mod restarts;
mod storage;

/// Settings with a short heartbeat grace (3 s, heartbeats every second), as TestPlatform
/// completes them, so a restarted control plane gets the same.
fn short_grace(dir: &std::path::Path) -> ServiceSettings {
    grace_of(dir, 1, 3)
}

/// Heartbeats every `interval` s, lost after `grace` s. Outage tests use heartbeats that are
/// not much more frequent than the grace (as in production: 5 s and 20 s), so the first sweep
/// after the control plane's return comes before every host could have been heard again: only
/// the registry knowing it was deaf keeps them from being declared lost.
fn grace_of(dir: &std::path::Path, interval: u64, grace: u64) -> ServiceSettings {
    let mut s = ServiceSettings::default();
    s.registry.heartbeat_interval = Duration::from_secs(interval);
    s.registry.heartbeat_grace = Duration::from_secs(grace);
    // A restarted scheduler takes its rollouts back at once (the lease of the process that
    // died ends soon), so it would act on hosts declared lost right after the restart.
    s.scheduler.lease_ttl = Duration::from_secs(2);
    s.tick_interval = Some(Duration::from_millis(200));
    s.workers = Some(2);
    let lots = liftoff_kit::admission::Budget::new(10_000.0, 100_000.0);
    s.auth.rate_limits = Some(liftoff_kit::admission::RateLimits {
        team: lots,
        host: lots,
        anonymous: lots,
        ..Default::default()
    });
    s.deployment_api.spool_dir = dir.to_path_buf();
    s
}

/// Stops `liftoff up` of `p`, keeps it down for `down`, and starts it again on the same port
/// and database. Returns when it serves again.
async fn restart(p: &mut TestPlatform, settings: &ServiceSettings, down: Duration) -> Instant {
    p.running.take().unwrap().stop().await;
    tokio::time::sleep(down).await;
    let running = liftoff_platform::up(UpConfig {
        listen: p.addr,
        data_dir: p.data_dir(),
        database_url: p.database_url.clone(),
        settings: settings.clone(),
    })
    .await
    .unwrap();
    p.running = Some(running);
    Instant::now()
}

/// No event of any host is still in progress.
fn all_events_concluded(d: &Deployment) -> bool {
    d.hosts
        .iter()
        .all(|h| h.events.iter().all(|e| e.status != EventStatus::InProgress))
}
