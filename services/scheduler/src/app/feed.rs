//! A long poll is a heartbeat: this replica tells the registry, about once a second, which
//! hosts' polls it received, and starts each poll's answer at once with whether its feed
//! reaches the registry (the `Liftoff-Heard` header), so an agent whose polls are passed on
//! need not heartbeat. The
//! registry's side, and why every host is still judged within its grace, is its `app::feed`.
//!
//! - A poll is noted when it arrives, after its credential was checked.
//! - The feed goes every second, empty or not: the registry takes a replica whose feed stops
//!   as deaf to the hosts it vouched for.
//! - A feed that fails keeps its hosts for the next one, and polls are answered `heard: false`
//!   once no feed has reached the registry for [`FRESH`]: their agents heartbeat themselves.
//! - The registry's answer carries its cadence (passed on to agents in poll answers) and the
//!   hosts it has something for; their polls are answered at once, asking for a heartbeat.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use liftoff_kit::Peers;
use liftoff_types::registry::{HeardFeed, HeardHost};

use super::mailbox::Mailbox;
use crate::State;

/// How often the feed goes.
pub const EVERY: Duration = Duration::from_secs(1);
/// Polls are answered `heard` while a feed reached the registry this recently.
pub const FRESH: Duration = Duration::from_secs(3);
/// One feed's deadline: a registry that does not answer by then did not hear it.
const SEND_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
pub struct Feed {
    /// Hosts whose polls arrived since the last feed, with the latest arrival.
    pending: Mutex<HashMap<String, Instant>>,
    /// When a feed last reached the registry.
    delivered: Mutex<Option<Instant>>,
    /// The registry's heartbeat interval and longest poll that counts, as it last said.
    cadence: Mutex<Option<(u64, u64)>>,
    /// Hosts the registry asked to heartbeat now.
    called: Mutex<HashSet<String>>,
    started: AtomicBool,
}

impl Feed {
    /// A poll from `host` arrived.
    pub fn note(&self, host: &str) {
        if let Ok(mut m) = self.pending.lock() {
            m.insert(host.to_string(), Instant::now());
        }
    }

    /// Whether polls answered now count as heartbeats: a feed reached the registry lately.
    pub fn heard(&self) -> bool {
        self.delivered
            .lock()
            .ok()
            .and_then(|d| *d)
            .is_some_and(|at| at.elapsed() <= FRESH)
    }

    /// The registry's (heartbeat interval, longest poll that counts), in seconds.
    pub fn cadence(&self) -> Option<(u64, u64)> {
        self.cadence.lock().ok().and_then(|c| *c)
    }

    /// The registry asked `host` to heartbeat now; answers it once.
    pub fn take_call(&self, host: &str) -> bool {
        self.called.lock().is_ok_and(|mut c| c.remove(host))
    }

    /// Starts the feed once (called by every poll: nothing is cloned after the first).
    pub fn start(self: &Arc<Self>, state: &State) {
        if self.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let (peers, replica) = (state.peers.clone(), state.replica.clone());
        let (mailbox, stopping) = (state.mailbox.clone(), state.stopping.clone());
        let feed = self.clone();
        tokio::spawn(async move {
            let mut timer = tokio::time::interval(EVERY);
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !stopping.load(Ordering::SeqCst) {
                timer.tick().await;
                feed.send(&peers, &replica, &mailbox).await;
            }
        });
    }

    /// One feed: every host heard since the last, in chunks the registry takes.
    async fn send(&self, peers: &Peers, replica: &str, mailbox: &Mailbox) {
        let taken: Vec<(String, Instant)> = self
            .pending
            .lock()
            .map(|mut m| m.drain().collect())
            .unwrap_or_default();
        let mut chunks: Vec<&[(String, Instant)]> = taken.chunks(HeardFeed::MAX_HOSTS).collect();
        if chunks.is_empty() {
            // Empty, to tell the registry this replica is still here.
            chunks.push(&[]);
        }
        let registry = peers.registry();
        for (i, chunk) in chunks.iter().enumerate() {
            let feed = HeardFeed {
                replica: replica.to_string(),
                hosts: chunk
                    .iter()
                    .filter_map(|(h, at)| {
                        Some(HeardHost {
                            host_id: h.parse().ok()?,
                            age_ms: at.elapsed().as_millis() as u64,
                        })
                    })
                    .collect(),
            };
            match tokio::time::timeout(SEND_TIMEOUT, registry.heard(&feed)).await {
                Ok(Ok(answer)) => {
                    if let Ok(mut d) = self.delivered.lock() {
                        *d = Some(Instant::now());
                    }
                    if let Ok(mut c) = self.cadence.lock() {
                        *c = Some((answer.heartbeat_interval_secs, answer.poll_wait_secs));
                    }
                    let called: Vec<String> =
                        answer.heartbeat_now.iter().map(|h| h.to_string()).collect();
                    if let Ok(mut c) = self.called.lock() {
                        *c = called.iter().cloned().collect();
                    }
                    mailbox.wake(&called);
                }
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "the feed of polls heard did not reach the registry");
                    self.put_back(&chunks[i..]);
                    return;
                }
                Err(_) => {
                    tracing::debug!("the feed of polls heard timed out");
                    self.put_back(&chunks[i..]);
                    return;
                }
            }
        }
    }

    /// Hosts a failed feed carried go with the next one (a later arrival kept).
    fn put_back(&self, chunks: &[&[(String, Instant)]]) {
        if let Ok(mut m) = self.pending.lock() {
            for (host, at) in chunks.iter().flat_map(|c| c.iter()) {
                let e = m.entry(host.clone()).or_insert(*at);
                *e = (*e).max(*at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_feed_keeps_its_hosts_and_polls_stop_counting() {
        let feed = Feed::default();
        assert!(!feed.heard(), "nothing reached the registry yet");
        feed.note("a");
        let taken: Vec<(String, Instant)> = feed.pending.lock().unwrap().drain().collect();
        feed.note("b");
        feed.put_back(&[&taken]);
        let mut hosts: Vec<String> = feed.pending.lock().unwrap().keys().cloned().collect();
        hosts.sort();
        assert_eq!(hosts, ["a", "b"]);
        *feed.delivered.lock().unwrap() = Some(Instant::now());
        assert!(feed.heard());
        *feed.delivered.lock().unwrap() = Instant::now().checked_sub(FRESH * 2);
        assert!(!feed.heard(), "a feed that stopped reaching the registry");
        feed.called.lock().unwrap().insert("a".into());
        assert!(feed.take_call("a") && !feed.take_call("a"));
    }
}
