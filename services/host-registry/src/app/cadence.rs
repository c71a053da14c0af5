//! How often agents heartbeat, adapted to the fleet's size as Nomad does with
//! `max_heartbeats_per_second`: the registry gives each agent its interval in every enrollment
//! and heartbeat answer, the configured one while the fleet is small, and one stretched so the
//! whole fleet sends at most `max_heartbeats_per_second` once it is large. The grace stretches
//! by as much as the interval does, so a host always has the same margin (the configured grace
//! less the configured interval) after a heartbeat it missed before it is `Lost`.
//!
//! An agent keeps the interval it was given until its next heartbeat, so when the fleet shrinks
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
    if max_per_second == 0 {
        return base;
    }
    let spread = hosts.div_ceil(u64::from(max_per_second));
    base.max(Duration::from_secs(spread))
}

impl Cadence {
    pub fn new(config: &Config) -> Self {
        Self {
            interval: config.heartbeat_interval,
            grace: config.heartbeat_grace,
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
            let now = interval_for(hosts, self.interval, self.max_per_second);
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
        let now = interval_for(b.hosts, self.interval, self.max_per_second);
        if now >= b.longest || at > b.longest_until {
            b.longest = now;
        }
        if now == b.longest {
            b.longest_until = at + now;
        }
        now
    }

    /// How long a host may be silent before it is `Lost`: the configured grace, stretched by
    /// as much as the longest interval an agent may still hold exceeds the configured one.
    pub fn grace(&self) -> Duration {
        self.grace_at(Instant::now())
    }

    fn grace_at(&self, at: Instant) -> Duration {
        let Ok(b) = self.inner.lock() else {
            return self.grace;
        };
        let now = interval_for(b.hosts, self.interval, self.max_per_second);
        let held = if at > b.longest_until {
            now
        } else {
            b.longest.max(now)
        };
        self.grace + held.saturating_sub(self.interval)
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
        // 20 s grace less the 5 s interval: 15 s of margin after a missed heartbeat.
        assert_eq!(c.grace_at(t), Duration::from_secs(115));
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
            Duration::from_secs(115)
        );
        assert_eq!(
            c.grace_at(t + Duration::from_secs(101)),
            Duration::from_secs(25)
        );
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
