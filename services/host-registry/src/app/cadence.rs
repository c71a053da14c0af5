//! How often agents heartbeat, adapted to the fleet's size in two steps:
//!
//! - **Within the grace** (on by default, `fleet_heartbeats_per_second`): a fleet larger than
//!   the rate times the interval is given a longer interval, so it sends about that many
//!   heartbeats a second, but never longer than half the grace. The grace does not move: a
//!   silent host is still `Lost` within the configured grace, and a host that missed one
//!   heartbeat still has at least half the grace to be heard (the agent retries a failed one
//!   within a second). At the defaults (5 s, 20 s grace, 1,000 a second), 5,000 hosts keep
//!   5 s and 10,000 hosts heartbeat every 10 s, half the requests.
//! - **Past the grace** (off by default, `max_heartbeats_per_second`), as Nomad does: the
//!   whole fleet sends at most that many heartbeats a second once it is large, and the grace
//!   stretches by as much as the interval exceeds the longest one given within the grace, so
//!   a host keeps the same margin after a heartbeat it missed before it is `Lost`.
//!
//! The registry gives each agent its interval in every enrollment and heartbeat answer. An
//! agent keeps the interval it was given until its next heartbeat, so when the fleet shrinks
//! the grace stays long enough for the longest interval still held (one such interval after
//! it was last given).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Config;

/// How often the fleet's size is counted again.
pub const RECOUNT: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Cadence {
    interval: Duration,
    grace: Duration,
    /// The longest interval given without stretching the grace.
    within: Duration,
    fleet_per_second: u32,
    max_per_second: u32,
    inner: Mutex<Beat>,
}

#[derive(Debug, Clone, Copy)]
struct Beat {
    hosts: u64,
    counted_at: Option<Instant>,
    /// The longest interval given lately, and until when an agent may still hold it.
    longest: Duration,
    longest_until: Instant,
}

/// The interval for a fleet of `hosts`: at least `base`, long enough that the fleet sends at
/// most `max_per_second` heartbeats a second (whole seconds, as agents are told).
/// A `max_per_second` of 0 never stretches it.
pub fn interval_for(hosts: u64, base: Duration, max_per_second: u32) -> Duration {
    interval_capped(hosts, base, max_per_second, Duration::MAX)
}

/// [`interval_for`], never longer than `cap` (nor shorter than `base`).
fn interval_capped(hosts: u64, base: Duration, max_per_second: u32, cap: Duration) -> Duration {
    if max_per_second == 0 {
        return base;
    }
    let spread = hosts.div_ceil(u64::from(max_per_second));
    base.max(Duration::from_secs(spread).min(cap))
}

impl Cadence {
    pub fn new(config: &Config) -> Self {
        let within = if config.fleet_heartbeats_per_second == 0 {
            config.heartbeat_interval
        } else {
            // Whole seconds, as agents are told.
            let half = Duration::from_secs(config.heartbeat_grace.as_secs() / 2);
            config.heartbeat_interval.max(half)
        };
        Self {
            interval: config.heartbeat_interval,
            grace: config.heartbeat_grace,
            within,
            fleet_per_second: config.fleet_heartbeats_per_second,
            max_per_second: config.max_heartbeats_per_second,
            inner: Mutex::new(Beat {
                hosts: 0,
                counted_at: None,
                longest: config.heartbeat_interval,
                longest_until: Instant::now(),
            }),
        }
    }

    /// Whether the fleet should be counted again (never counted, or [`RECOUNT`] ago).
    pub fn recount_due(&self, at: Instant) -> bool {
        self.inner
            .lock()
            .map(|b| b.counted_at.is_none_or(|t| at.duration_since(t) >= RECOUNT))
            .unwrap_or(true)
    }

    /// The fleet has `hosts` live hosts.
    pub fn set_fleet(&self, hosts: u64, at: Instant) {
        if let Ok(mut b) = self.inner.lock() {
            b.hosts = hosts;
            b.counted_at = Some(at);
            let now = self.interval_for(hosts);
            if now > b.longest {
                // Agents get it from now on; the grace covers it at once.
                b.longest = now;
                b.longest_until = at + now;
            }
        }
    }

    /// The interval to give an agent now.
    pub fn interval(&self) -> Duration {
        self.interval_at(Instant::now())
    }

    fn interval_at(&self, at: Instant) -> Duration {
        let Ok(mut b) = self.inner.lock() else {
            return self.interval;
        };
        let now = self.interval_for(b.hosts);
        if now >= b.longest || at > b.longest_until {
            b.longest = now;
        }
        if now == b.longest {
            b.longest_until = at + now;
        }
        now
    }

    /// How long a host may be silent before it is `Lost`: the configured grace, stretched by
    /// as much as the longest interval an agent may still hold exceeds the longest one given
    /// within the grace.
    pub fn grace(&self) -> Duration {
        self.grace_at(Instant::now())
    }

    fn grace_at(&self, at: Instant) -> Duration {
        let Ok(b) = self.inner.lock() else {
            return self.grace;
        };
        let now = self.interval_for(b.hosts);
        let held = if at > b.longest_until {
            now
        } else {
            b.longest.max(now)
        };
        self.grace + held.saturating_sub(self.within)
    }

    /// The interval for a fleet of `hosts`: the longer of the one within the grace and the
    /// one past it.
    fn interval_for(&self, hosts: u64) -> Duration {
        let within = interval_capped(hosts, self.interval, self.fleet_per_second, self.within);
        within.max(interval_for(hosts, self.interval, self.max_per_second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cadence(max: u32) -> Cadence {
        Cadence::new(&Config {
            max_heartbeats_per_second: max,
            ..Config::default()
        })
    }

    #[test]
    fn a_small_fleet_keeps_the_configured_interval_and_grace() {
        let c = cadence(100);
        let t = Instant::now();
        c.set_fleet(500, t);
        assert_eq!(c.interval_at(t), Duration::from_secs(5));
        assert_eq!(c.grace_at(t), Duration::from_secs(20));
    }

    #[test]
    fn a_large_fleet_stays_under_the_cap_and_its_grace_keeps_the_margin() {
        let c = cadence(100);
        let t = Instant::now();
        c.set_fleet(10_000, t);
        assert_eq!(c.interval_at(t), Duration::from_secs(100));
        // 20 s grace less the 10 s given within it: 10 s of margin after a missed heartbeat.
        assert_eq!(c.grace_at(t), Duration::from_secs(110));
        c.set_fleet(10_001, t);
        assert_eq!(c.interval_at(t), Duration::from_secs(101));
    }

    #[test]
    fn when_the_fleet_shrinks_the_grace_covers_the_longest_interval_still_held() {
        let c = cadence(100);
        let t = Instant::now();
        c.set_fleet(10_000, t);
        assert_eq!(c.interval_at(t), Duration::from_secs(100));
        let later = t + Duration::from_secs(10);
        c.set_fleet(1_000, later);
        assert_eq!(c.interval_at(later), Duration::from_secs(10));
        // An agent told 100 s at `t` heartbeats again by t + 100 s: until then the grace
        // covers it.
        assert_eq!(
            c.grace_at(t + Duration::from_secs(99)),
            Duration::from_secs(110)
        );
        assert_eq!(
            c.grace_at(t + Duration::from_secs(101)),
            Duration::from_secs(20)
        );
    }

    #[test]
    fn within_the_grace_a_large_fleet_heartbeats_less_and_the_grace_holds() {
        let c = cadence(0);
        let t = Instant::now();
        for (hosts, secs) in [
            (100, 5),
            (5_000, 5),
            (7_001, 8),
            (10_000, 10),
            (500_000, 10),
        ] {
            c.set_fleet(hosts, t);
            assert_eq!(c.interval_at(t), Duration::from_secs(secs), "{hosts} hosts");
            assert_eq!(c.grace_at(t), Duration::from_secs(20), "{hosts} hosts");
        }
    }

    #[test]
    fn within_the_grace_can_be_turned_off_and_never_shortens_the_configured_interval() {
        let off = Cadence::new(&Config {
            fleet_heartbeats_per_second: 0,
            ..Config::default()
        });
        let t = Instant::now();
        off.set_fleet(100_000, t);
        assert_eq!(off.interval_at(t), Duration::from_secs(5));
        assert_eq!(off.grace_at(t), Duration::from_secs(20));
        // A configured interval longer than half the grace is kept as it is.
        let long = Cadence::new(&Config {
            heartbeat_interval: Duration::from_secs(15),
            ..Config::default()
        });
        long.set_fleet(100_000, t);
        assert_eq!(long.interval_at(t), Duration::from_secs(15));
        assert_eq!(long.grace_at(t), Duration::from_secs(20));
    }

    #[test]
    fn the_interval_is_never_below_the_configured_one() {
        for hosts in [0, 1, 499, 500, 501, 50_000] {
            let i = interval_for(hosts, Duration::from_secs(5), 100);
            assert!(i >= Duration::from_secs(5), "{hosts}: {i:?}");
            assert!(hosts / i.as_secs() <= 100, "{hosts}: {i:?}");
        }
    }
}
