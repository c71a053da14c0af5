//! When the agent heartbeats. A long poll the scheduler passes on to the registry counts as a
//! heartbeat: the answer's headers, which come as soon as the poll arrives, say so
//! (`Liftoff-Heard`). While its polls are passed on the agent does not heartbeat; it polls at
//! least every `poll_wait` the registry gives (short enough that a poll and a heartbeat fit in
//! the grace) and heartbeats itself:
//! - at start (its version, and anything the registry has for it);
//! - when a poll fails or is not passed on (the scheduler down, or cut off from the registry),
//!   and then every interval until polls are passed on again;
//! - when its last poll known to be passed on was sent more than a poll and 1 s ago (the next
//!   one's headers did not come: the scheduler frozen, or this host cut off from it alone);
//! - when the scheduler says the registry has something for it (a scale-in request);
//! - when a command starts, and every interval while it runs (no polls go meanwhile).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

#[derive(Debug)]
pub struct Pace {
    interval_secs: AtomicU64,
    /// The longest poll that counts as a heartbeat; 0 until the registry says (an older
    /// registry never does, and its agents heartbeat as before).
    poll_wait_secs: AtomicU64,
    /// When the latest poll answered as passed on was sent.
    vouched: Mutex<Option<Instant>>,
    /// A command runs: no poll goes until it ends.
    busy: AtomicBool,
    /// Something asked for a heartbeat now.
    forced: AtomicBool,
    /// Wakes the heartbeat loop to look again.
    wake: Notify,
}

impl Pace {
    pub fn new(interval_secs: u64) -> Self {
        Self {
            interval_secs: AtomicU64::new(interval_secs.max(1)),
            poll_wait_secs: AtomicU64::new(0),
            vouched: Mutex::new(None),
            busy: AtomicBool::new(false),
            forced: AtomicBool::new(false),
            wake: Notify::new(),
        }
    }

    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval_secs.load(Ordering::Relaxed).max(1))
    }

    /// What the registry said (in a heartbeat answer, or through the scheduler).
    pub fn set(&self, interval_secs: Option<u64>, poll_wait_secs: Option<u64>) {
        if let Some(i) = interval_secs {
            self.interval_secs.store(i.max(1), Ordering::Relaxed);
        }
        if let Some(w) = poll_wait_secs {
            self.poll_wait_secs.store(w, Ordering::Relaxed);
        }
    }

    /// The wait to ask of the next poll: `configured`, shortened to the longest poll that
    /// counts as a heartbeat once the registry said it.
    pub fn poll_wait(&self, configured: Duration) -> Duration {
        match self.poll_wait_secs.load(Ordering::Relaxed) {
            0 => configured,
            w => configured.min(Duration::from_secs(w)),
        }
    }

    /// How long after its sending a poll that was passed on stops vouching for the host: a poll
    /// and 1 s (the registry leaves 4 s more before the grace ends); while a command runs, one
    /// heartbeat interval, as if that poll had been a heartbeat.
    fn vouch_span(&self) -> Option<Duration> {
        match self.poll_wait_secs.load(Ordering::Relaxed) {
            0 => None,
            _ if self.busy.load(Ordering::Relaxed) => Some(self.interval()),
            w => Some(Duration::from_secs(w + 1)),
        }
    }

    fn force(&self) {
        self.forced.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// The headers of a poll sent at `sent` came: passed on to the registry or not.
    pub fn arrived(&self, sent: Instant, heard: bool) {
        self.busy.store(false, Ordering::Relaxed);
        if heard {
            if let Ok(mut v) = self.vouched.lock() {
                *v = Some(v.map_or(sent, |was| was.max(sent)));
            }
        } else {
            self.unvouch();
        }
    }

    /// A poll's answer came; `heard`: the scheduler's feed to the registry still worked.
    pub fn answered(&self, heard: bool) {
        if !heard {
            self.unvouch();
        }
    }

    fn unvouch(&self) {
        let was = self.vouched.lock().map(|mut v| v.take()).ok().flatten();
        if was.is_some() {
            tracing::info!("the scheduler no longer passes polls on to the registry; heartbeating");
            self.force();
        }
    }

    /// A command starts: the agent does not poll until it ends, so it heartbeats an interval
    /// after its last poll and at every interval meanwhile, as it did before polls counted.
    pub fn busy(&self) {
        self.busy.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }

    /// A poll failed: heartbeat now.
    pub fn poll_failed(&self) {
        if let Ok(mut v) = self.vouched.lock() {
            *v = None;
        }
        self.force();
    }

    /// The registry has something for this host.
    pub fn call(&self) {
        self.force();
    }

    /// Until when the polls vouch for this host, if they do at `at`.
    pub fn vouched_until(&self, at: Instant) -> Option<Instant> {
        let span = self.vouch_span()?;
        let sent = self.vouched.lock().ok().and_then(|v| *v)?;
        let until = sent + span;
        (until > at).then_some(until)
    }

    /// Resolves when the heartbeat loop should look again.
    pub async fn woken(&self) {
        self.wake.notified().await
    }

    /// Whether something asked for a heartbeat now.
    pub fn forced(&self) -> bool {
        self.forced.load(Ordering::SeqCst)
    }

    /// Whether something asked for a heartbeat now (answers it once).
    pub fn take_forced(&self) -> bool {
        self.forced.swap(false, Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_vouch_for_a_poll_and_a_second_once_the_registry_says_so() {
        let pace = Pace::new(10);
        let t0 = Instant::now();
        pace.arrived(t0, true);
        assert_eq!(
            pace.vouched_until(t0),
            None,
            "an older registry: always heartbeat"
        );
        assert_eq!(
            pace.poll_wait(Duration::from_secs(20)),
            Duration::from_secs(20)
        );
        pace.set(Some(10), Some(8));
        assert_eq!(
            pace.poll_wait(Duration::from_secs(20)),
            Duration::from_secs(8)
        );
        assert_eq!(
            pace.poll_wait(Duration::from_secs(5)),
            Duration::from_secs(5)
        );
        assert_eq!(pace.vouched_until(t0), Some(t0 + Duration::from_secs(9)));
        assert_eq!(pace.vouched_until(t0 + Duration::from_secs(9)), None);
        // An older poll's headers do not move it back.
        pace.arrived(t0 + Duration::from_secs(7), true);
        pace.arrived(t0 + Duration::from_secs(1), true);
        assert_eq!(pace.vouched_until(t0), Some(t0 + Duration::from_secs(16)));
        // A poll not passed on, an answer saying the feed broke, or a failure ends it.
        pace.arrived(t0 + Duration::from_secs(8), false);
        assert_eq!(pace.vouched_until(t0), None);
        pace.arrived(t0 + Duration::from_secs(8), true);
        pace.answered(false);
        assert_eq!(pace.vouched_until(t0), None);
        pace.arrived(t0 + Duration::from_secs(9), true);
        pace.answered(true);
        pace.poll_failed();
        assert_eq!(pace.vouched_until(t0), None);
        pace.arrived(t0 + Duration::from_secs(10), true);
        pace.busy();
        assert_eq!(
            pace.vouched_until(t0),
            Some(t0 + Duration::from_secs(20)),
            "a command runs: an interval after the last poll"
        );
        pace.arrived(t0 + Duration::from_secs(12), true);
        assert_eq!(pace.vouched_until(t0), Some(t0 + Duration::from_secs(21)));
    }

    #[tokio::test]
    async fn a_poll_that_stops_being_passed_on_asks_for_a_heartbeat() {
        let pace = Pace::new(10);
        pace.set(None, Some(8));
        pace.arrived(Instant::now(), true);
        pace.answered(false);
        tokio::time::timeout(Duration::from_secs(1), pace.woken())
            .await
            .expect("woken");
        assert!(pace.take_forced() && !pace.take_forced());
    }
}
