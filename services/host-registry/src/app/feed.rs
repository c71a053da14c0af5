//! A long poll is a heartbeat. Each scheduler replica tells the registry, about once a second,
//! which hosts' long polls it received (`POST /v1/hosts/heard`); the registry notes each host
//! as heard then, as it notes a quiet heartbeat (see [`super::heard`]), and an agent whose polls
//! say they were passed on does not heartbeat. At 10,000 idle hosts that removes every
//! heartbeat (1,000 requests a second, each on a fresh connection) for polls a little more
//! frequent on connections already open.
//!
//! Why a host is still judged within its grace:
//! - **Polls come often enough.** The registry tells agents the longest poll that counts
//!   ([`poll_wait`]): the grace less 5 s. The answer to a poll starts (status and headers) as
//!   soon as the poll is noted, so an agent knows each poll was heard; it heartbeats itself
//!   once its last poll known to be heard was sent more than such a poll and 1 s ago, so a host
//!   cut off from the scheduler alone is heard from directly 4 s before its grace ends (3 s
//!   once the registry has rounded the poll's arrival down to its second).
//! - **The scheduler's own outage fails no host.** A replica that stops feeding (crashed,
//!   frozen, cut off from the registry) leaves the hosts it vouched for unheard; once its feed
//!   is [`LATE`], the registry counts itself deaf since that feed's last arrival, so every host
//!   gets a whole grace from then, by which time its agent has found its polls failing (at once
//!   for a crash, within its poll's timeout for a freeze) and heartbeats.
//! - **A host the registry has something for** (a scale-in request) is named in the feed's
//!   answer; the scheduler answers its poll at once asking for a heartbeat, which delivers it.
//! - **What a heartbeat's check adds** (a revoked credential, a `Lost` host coming back) holds
//!   for polls too: the scheduler refuses revoked credentials, and writing what was heard
//!   brings a `Lost` host back.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use liftoff_kit::db::now;
use liftoff_kit::{ApiError, Caller};
use liftoff_types::registry::{HeardFeed, HeardFeedResponse};

use crate::State;
use crate::store::commands;

/// A replica's feed this much overdue (it sends one about every second) is taken as stopped.
pub const LATE: Duration = Duration::from_secs(5);

/// The last feed of each scheduler replica.
#[derive(Debug, Default)]
pub struct Feeds {
    last: Mutex<HashMap<String, Instant>>,
}

impl Feeds {
    pub fn arrived(&self, replica: &str, at: Instant) {
        if let Ok(mut m) = self.last.lock() {
            m.insert(replica.to_string(), at);
        }
    }

    /// At a sweep at `at`: the latest arrival among the feeds that stopped, if any did; replicas
    /// silent for longer than `forget` are forgotten (their hosts have had a grace to heartbeat).
    pub fn stopped_since(&self, at: Instant, forget: Duration) -> Option<Instant> {
        let mut m = self.last.lock().ok()?;
        m.retain(|_, last| at.saturating_duration_since(*last) <= forget);
        m.values()
            .filter(|last| at.saturating_duration_since(**last) > LATE)
            .max()
            .copied()
    }
}

/// The longest long poll that counts as a heartbeat under `grace`: an agent heartbeats itself
/// when its last poll known to be heard was sent more than one of these and 1 s ago, which
/// must still leave 4 s before the grace ends. Whole seconds, at most 30 (the scheduler's
/// longest poll); `None` when not even 1 s fits (a grace under 6 s): agents heartbeat as
/// before.
pub fn poll_wait(grace: Duration) -> Option<Duration> {
    let secs = grace.as_secs().saturating_sub(5);
    (secs >= 1).then(|| Duration::from_secs(secs.min(30)))
}

/// Longest replica name taken.
const MAX_REPLICA: usize = 128;

/// A feed: notes its hosts as heard, records the replica's feed, answers the cadence and the
/// hosts that should heartbeat now.
pub async fn receive(
    state: &State,
    caller: &Caller,
    feed: HeardFeed,
) -> Result<HeardFeedResponse, ApiError> {
    caller.service()?;
    if feed.replica.is_empty() || feed.replica.len() > MAX_REPLICA {
        return Err(ApiError::invalid_field(format!(
            "replica must be 1 to {MAX_REPLICA} characters"
        )));
    }
    if feed.hosts.len() > HeardFeed::MAX_HOSTS {
        return Err(ApiError::invalid_field(format!(
            "at most {} hosts per feed, got {}",
            HeardFeed::MAX_HOSTS,
            feed.hosts.len()
        )));
    }
    let at = now();
    for h in &feed.hosts {
        // An age past the grace says nothing the row does not; never later than now.
        let age = chrono::Duration::milliseconds(i64::try_from(h.age_ms).unwrap_or(i64::MAX))
            .min(chrono::Duration::hours(1));
        state.heard.note(h.host_id.to_string(), at - age);
    }
    state.feeds.arrived(&feed.replica, Instant::now());
    let waiting = state
        .db
        .run_short(|c| commands::hosts_waiting(c, super::scale_in::STOP))
        .await?;
    Ok(HeardFeedResponse {
        heartbeat_interval_secs: state.cadence.interval().as_secs(),
        poll_wait_secs: poll_wait(state.cadence.grace()).map_or(0, |w| w.as_secs()),
        heartbeat_now: waiting
            .iter()
            .filter_map(|id| uuid::Uuid::parse_str(id).ok())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poll_counts_when_it_and_a_heartbeat_fit_in_the_grace() {
        let secs = |g| poll_wait(Duration::from_secs(g)).map(|w| w.as_secs());
        assert_eq!(secs(20), Some(15));
        assert_eq!(secs(6), Some(1));
        assert_eq!(secs(5), None, "too short a grace: polls do not count");
        assert_eq!(secs(3), None);
        assert_eq!(secs(600), Some(30));
        for g in 6..=64 {
            let w = secs(g).unwrap();
            assert!(w + 1 + 4 <= g, "grace {g}: poll {w}");
        }
    }

    #[test]
    fn a_feed_that_stops_is_noticed_and_then_forgotten() {
        let feeds = Feeds::default();
        let t0 = Instant::now();
        let grace = Duration::from_secs(20);
        feeds.arrived("a", t0);
        feeds.arrived("b", t0);
        assert_eq!(
            feeds.stopped_since(t0 + Duration::from_secs(3), grace),
            None
        );
        feeds.arrived("a", t0 + Duration::from_secs(6));
        // b is late; a is not.
        assert_eq!(
            feeds.stopped_since(t0 + Duration::from_secs(7), grace),
            Some(t0)
        );
        // Both late: the latest arrival of the two.
        assert_eq!(
            feeds.stopped_since(t0 + Duration::from_secs(15), grace),
            Some(t0 + Duration::from_secs(6))
        );
        // b forgotten after the grace; a too, later.
        assert_eq!(
            feeds.stopped_since(t0 + Duration::from_secs(21), grace),
            Some(t0 + Duration::from_secs(6))
        );
        assert_eq!(
            feeds.stopped_since(t0 + Duration::from_secs(27), grace),
            None
        );
    }
}
