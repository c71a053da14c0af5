//! The relay: delivering a service's outbox to each destination, with backoff, from one task
//! per service ([`relay_forever`]) and the tick's nudge ([`relay`]).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{
    BACKOFF_BASE, BACKOFF_MAX, BATCH_EVENTS, Destination, MAX_BATCHES_PER_RUN,
    backlog_by_destination, deliver_batch,
};
use crate::db::Db;
use crate::error::ApiError;
use crate::service::Peers;

/// A service's relay: remembers consecutive failures to back off between attempts. One per
/// service instance and destination (they live in its [`Peers`]); replicas back off
/// independently.
#[derive(Debug, Default)]
pub struct Relay {
    backoff: Mutex<Backoff>,
    /// One run at a time: two would only send duplicates.
    running: tokio::sync::Mutex<()>,
}

/// One [`Relay`] per destination, so an unreachable peer does not hold up the others.
#[derive(Debug, Default)]
pub struct Relays {
    history: Relay,
    deployment_api: Relay,
    host_registry: Relay,
    scheduler: Relay,
}

impl Relays {
    pub fn to(&self, to: Destination) -> &Relay {
        match to {
            Destination::History => &self.history,
            Destination::DeploymentApi => &self.deployment_api,
            Destination::HostRegistry => &self.host_registry,
            Destination::Scheduler => &self.scheduler,
        }
    }
}

#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
    next_try: Option<Instant>,
}

/// The wait after `failures` consecutive failures: doubling from the base, capped, with
/// jitter (half to all of it) so replicas and services do not retry in lockstep.
pub fn backoff_delay(failures: u32) -> Duration {
    jittered_backoff(BACKOFF_BASE, BACKOFF_MAX, failures)
}

/// The wait after `failures` consecutive failures, doubling from `base` up to `max`, with
/// jitter (half to all of it). Other queues (history's webhook deliveries) use their own
/// base and cap.
pub fn jittered_backoff(base: Duration, max: Duration, failures: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let full = exp.min(max);
    let half = full / 2;
    half + Duration::from_millis(rand::random_range(0..=half.as_millis() as u64))
}

impl Relay {
    /// No recent failure says to wait.
    pub fn due(&self) -> bool {
        self.backoff
            .lock()
            .map(|b| b.next_try.is_none_or(|t| Instant::now() >= t))
            .unwrap_or(true)
    }

    /// Records a delivery's outcome: a success resets the backoff, a failure lengthens it.
    pub fn record(&self, ok: bool) {
        if let Ok(mut b) = self.backoff.lock() {
            if ok {
                *b = Backoff::default();
            } else {
                b.failures = b.failures.saturating_add(1);
                b.next_try = Some(Instant::now() + backoff_delay(b.failures));
            }
        }
    }

    /// Delivers pending events, oldest first, until the outbox is empty (or a bounded number
    /// of batches went), unless a recent failure says to wait. Returns how many went.
    pub async fn run(&self, db: &Db, peers: &Peers, to: Destination) -> Result<usize, ApiError> {
        if !self.due() {
            return Ok(0);
        }
        let _running = self.running.lock().await;
        let mut delivered = 0;
        for _ in 0..MAX_BATCHES_PER_RUN {
            match deliver_batch(db, peers, to, BATCH_EVENTS).await {
                Ok(0) => break,
                Ok(n) => {
                    self.record(true);
                    delivered += n;
                }
                Err(e) => {
                    self.record(false);
                    return Err(e);
                }
            }
        }
        Ok(delivered)
    }
}

/// The tick's part in delivering the outbox of the service that owns `peers`: it wakes the
/// service's relay task ([`relay_forever`]: a run that stopped at its batch limit, or
/// after a failure's backoff, goes on from here) and publishes, per destination, the backlog
/// as `liftoff_outbox_backlog{service,destination}` and the age of its oldest event as
/// `liftoff_outbox_oldest_age_seconds{service,destination}` (0 when empty).
///
/// It never delivers itself: a delivery waits for the peer, and while a relay run streamed
/// thousands of events (10,000 hosts enrolling) the tick waited for it, and every step after
/// it, a host-registry's liveness sweep among them, waited too.
pub async fn relay(db: &Db, peers: &Peers) -> Result<(), ApiError> {
    db.wake_relay();
    let rows = backlog_by_destination(db).await?;
    let service = peers.service_name().to_string();
    for to in Destination::ALL {
        let (n, oldest) = rows
            .iter()
            .find(|(d, _, _)| d == to.as_str())
            .map_or((0, None), |(_, n, t)| (*n, *t));
        let labels = [
            ("service", service.clone()),
            ("destination", to.as_str().to_string()),
        ];
        metrics::gauge!("liftoff_outbox_backlog", &labels).set(n as f64);
        let age = oldest.map_or(0.0, |t| {
            (crate::db::now() - t).num_milliseconds().max(0) as f64 / 1000.0
        });
        metrics::gauge!("liftoff_outbox_oldest_age_seconds", &labels).set(age);
    }
    Ok(())
}

/// How long the relay lets history's events gather after a run that delivered some.
const HISTORY_LINGER: Duration = Duration::from_millis(200);

/// A service's relay task, for as long as the service runs: each time a call queued events
/// ([`Db::outbox_written`], also the tick's [`relay`]), every destination is delivered what
/// waits for it.
///
/// Each destination has its own loop: one that is slow or hung (history's ingest behind a
/// backlog, or not answering until the request times out) holds up only its own events.
/// Delivered one after another, the scheduler's rollout progress waited behind up to fifty
/// batches to history, and on PostgreSQL a deployment's end reached deployment-api more than a
/// second late under load. A wake-up during a destination's run makes it run once more after.
pub async fn relay_forever(db: &Db, peers: &Peers) {
    let wanted: [tokio::sync::Notify; 4] = Default::default();
    let fan_out = async {
        loop {
            db.outbox_written().await;
            for w in &wanted {
                w.notify_one();
            }
        }
    };
    let runners = Destination::ALL
        .iter()
        .zip(&wanted)
        .map(|(&to, w)| async move {
            loop {
                w.notified().await;
                // An empty destination costs one indexed query; a failing one backs off alone.
                match peers.relays().to(to).run(db, peers, to).await {
                    Err(e) => {
                        tracing::debug!(error = %e, destination = to.as_str(), "outbox relay deferred");
                    }
                    // History's events are on no one's path: letting them gather makes fewer,
                    // fuller batches (an ingest is a transaction in history).
                    Ok(n) if n > 0 && to == Destination::History => {
                        tokio::time::sleep(HISTORY_LINGER).await;
                    }
                    Ok(_) => {}
                }
            }
        });
    tokio::join!(fan_out, futures_util::future::join_all(runners));
}
