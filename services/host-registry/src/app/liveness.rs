//! Who was deaf: a host is only `Lost` when the registry was up and able to hear it for the
//! whole heartbeat grace (the idea of Nomad's `failover_heartbeat_ttl`).
//!
//! Silence is evidence against a host only while the registry was listening. So the registry
//! keeps the instant it last started listening: its first sweep, as it starts serving (not the
//! building of its state, which a slow start of the other services can precede by seconds),
//! the end of a span in which it could not record heartbeats (a heartbeat or the sweep failed
//! on the database: disk full, database down), and the end of a span longer than half the
//! grace in which its background work did not run (the process was frozen, or starved; the
//! span is counted between the end of one tick and the next sweep, so a tick slowed by a peer
//! does not count). Until a whole grace has passed since then, nobody is declared Lost, so
//! after any outage of the control plane every host gets a fresh grace to be heard from
//! again. A host that really died is still declared Lost one grace later.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Hearing {
    inner: Mutex<Ears>,
}

#[derive(Debug, Clone, Copy)]
struct Ears {
    /// Since when the registry has been able to hear (and record) every heartbeat.
    listening_since: Instant,
    /// The last sweep or tick end, to notice spans in which the process did not run.
    last_ran: Option<Instant>,
}

impl Default for Hearing {
    fn default() -> Self {
        Self::new(Instant::now())
    }
}

impl Hearing {
    pub fn new(started: Instant) -> Self {
        Self {
            inner: Mutex::new(Ears {
                listening_since: started,
                last_ran: None,
            }),
        }
    }

    /// The registry could not record a heartbeat (or its sweep failed on the database): its
    /// silence about hosts from now on says nothing about them until a grace passes.
    pub fn deaf(&self, at: Instant) {
        if let Ok(mut e) = self.inner.lock() {
            e.listening_since = e.listening_since.max(at);
        }
    }

    /// Called at each sweep, at `at`: whether the registry has been listening for the whole
    /// `grace`, so silent hosts may be declared Lost.
    pub fn may_declare_lost(&self, at: Instant, grace: Duration) -> bool {
        let Ok(mut e) = self.inner.lock() else {
            return false;
        };
        // The registry heard nothing before now if this is its first sweep (it starts serving
        // now, however long the process took to get here: migrations on a busy database, a
        // loaded machine), or if the process did not run for a while (frozen, starved).
        if e.last_ran
            .is_none_or(|last| at.saturating_duration_since(last) > grace / 2)
        {
            e.listening_since = e.listening_since.max(at);
        }
        e.last_ran = Some(at);
        at.saturating_duration_since(e.listening_since) >= grace
    }

    /// The background tick ended at `at`: the process ran until then.
    pub fn ran(&self, at: Instant) {
        if let Ok(mut e) = self.inner.lock() {
            e.last_ran = Some(e.last_ran.map_or(at, |l| l.max(at)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(20);

    /// The sweep at `s` seconds after `t0`, as the registry's tick runs it (then the tick ends).
    fn sweep(h: &Hearing, t0: Instant, s: u64) -> bool {
        let at = t0 + Duration::from_secs(s);
        let lost = h.may_declare_lost(at, GRACE);
        h.ran(at);
        lost
    }

    /// Sweeps once a second over `range`, each answer expected to be `lost`.
    fn sweeps(h: &Hearing, t0: Instant, range: std::ops::RangeInclusive<u64>, lost: bool) {
        for s in range {
            assert_eq!(sweep(h, t0, s), lost, "at {s} s");
        }
    }

    #[test]
    fn nobody_is_lost_until_a_whole_grace_after_the_start() {
        let t0 = Instant::now();
        let h = Hearing::new(t0);
        sweeps(&h, t0, 0..=19, false);
        assert!(sweep(&h, t0, 20));
    }

    #[test]
    fn a_span_without_recording_heartbeats_gives_every_host_a_fresh_grace() {
        let t0 = Instant::now();
        let h = Hearing::new(t0);
        sweeps(&h, t0, 0..=19, false);
        sweeps(&h, t0, 20..=29, true);
        h.deaf(t0 + Duration::from_secs(30));
        sweeps(&h, t0, 30..=49, false);
        assert!(sweep(&h, t0, 50));
    }

    #[test]
    fn a_frozen_process_counts_as_deaf_for_the_time_it_did_not_run() {
        let t0 = Instant::now();
        let h = Hearing::new(t0);
        sweeps(&h, t0, 0..=19, false);
        sweeps(&h, t0, 20..=25, true);
        // Frozen for 40 s (SIGSTOP): on waking, the hosts' silence is the registry's own.
        sweeps(&h, t0, 65..=84, false);
        assert!(sweep(&h, t0, 85));
    }

    #[test]
    fn a_tick_slowed_by_its_other_work_is_not_taken_for_a_freeze() {
        let t0 = Instant::now();
        let h = Hearing::new(t0);
        sweeps(&h, t0, 0..=19, false);
        assert!(h.may_declare_lost(t0 + Duration::from_secs(20), GRACE));
        // The rest of the tick took 30 s (a peer timing out), then the next sweep came at once.
        h.ran(t0 + Duration::from_secs(50));
        assert!(h.may_declare_lost(t0 + Duration::from_secs(51), GRACE));
    }

    #[test]
    fn an_earlier_deafness_never_moves_the_start_back() {
        let t0 = Instant::now();
        let h = Hearing::new(t0);
        sweeps(&h, t0, 0..=9, false);
        h.deaf(t0 + Duration::from_secs(10));
        h.deaf(t0);
        sweeps(&h, t0, 10..=29, false);
        assert!(sweep(&h, t0, 30));
    }

    /// The registry's state was built long before it served (its process spent 30 s starting
    /// the other services): its hosts still get a whole grace from the first sweep.
    #[test]
    fn the_grace_after_a_start_counts_from_the_first_sweep_not_from_construction() {
        let t0 = Instant::now();
        let h = Hearing::new(t0);
        sweeps(&h, t0, 30..=49, false);
        assert!(sweep(&h, t0, 50));
    }
}
