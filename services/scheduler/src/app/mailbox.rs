//! Wakes long polls when a command is ready for their host, so a waiting agent costs nothing
//! until then: no query per host every half second. This replica's own dispatches wake their
//! hosts directly; one watcher per replica looks for commands other replicas dispatched (one
//! indexed query per interval for the whole fleet), and a slow re-check per poll is the net
//! under both.
//!
//! The same wake-ups let an idle host's poll skip its look in the database: a look that found
//! nothing marks the host quiet, and every wake-up of the host (a dispatch here, or one the
//! watcher saw) clears the mark. A host's open commands only grow by a dispatch, so while the
//! mark holds the look would find nothing again. The watcher's quick look (commands created
//! since its last one, less 2 s) misses a transaction that commits more than 2 s after its
//! commands' time; its full look (every command still waiting, every 10 s) finds those. And
//! the mark lasts `poll_recheck` at most, so a host still looks at least that often.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime};
use liftoff_kit::Db;
use tokio::sync::Notify;

use crate::store::{commands, db_now};

#[derive(Default)]
pub struct Mailbox {
    slots: Mutex<HashMap<String, Arc<Notify>>>,
    watching: AtomicBool,
    quiet: Mutex<Quiet>,
    /// Counts wake-ups: a look that saw one begin while it ran does not mark its host quiet.
    wakes: AtomicU64,
}

/// Hosts whose last look found no open command, and when.
#[derive(Default)]
struct Quiet {
    hosts: HashMap<String, Instant>,
    pruned: Option<Instant>,
}

impl Mailbox {
    /// The wake-up slot of `host`, shared by its concurrent polls.
    pub fn slot(&self, host: &str) -> Arc<Notify> {
        match self.slots.lock() {
            Ok(mut m) => m.entry(host.to_string()).or_default().clone(),
            Err(_) => Arc::new(Notify::new()),
        }
    }

    /// A poll is done with its slot; the slot goes when no other poll holds it.
    pub fn release(&self, host: &str, slot: Arc<Notify>) {
        if let Ok(mut m) = self.slots.lock()
            && Arc::strong_count(&slot) <= 2
        {
            m.remove(host);
        }
    }

    /// Whether `host`'s last look, within `fresh`, found nothing and no wake-up came since: its
    /// poll need not look again.
    pub fn is_quiet(&self, host: &str, fresh: Duration) -> bool {
        match self.quiet.lock() {
            Ok(q) => q.hosts.get(host).is_some_and(|t| t.elapsed() < fresh),
            Err(_) => false,
        }
    }

    /// Taken before a look in the database: hand it to [`Mailbox::found_nothing`] after.
    pub fn look_begins(&self) -> u64 {
        self.wakes.load(Ordering::SeqCst)
    }

    /// A look that began at `began` found nothing for `host`: marks it quiet unless a wake-up
    /// (of any host) came meanwhile, as its dispatch may have committed after the look's
    /// snapshot. Marks older than `fresh` are dropped now and then, so hosts that left do not
    /// stay.
    pub fn found_nothing(&self, host: &str, began: u64, fresh: Duration) {
        let Ok(mut q) = self.quiet.lock() else { return };
        if self.wakes.load(Ordering::SeqCst) != began {
            return;
        }
        let now = Instant::now();
        q.hosts.insert(host.to_string(), now);
        if q.pruned.is_none_or(|t| now.duration_since(t) >= fresh) {
            q.hosts.retain(|_, t| now.duration_since(*t) < fresh);
            q.pruned = Some(now);
        }
    }

    /// Wakes the polls of `hosts` (or, if none waits now, the next poll looks at once).
    pub fn wake(&self, hosts: &[String]) {
        if hosts.is_empty() {
            return;
        }
        if let Ok(mut q) = self.quiet.lock() {
            self.wakes.fetch_add(1, Ordering::SeqCst);
            for h in hosts {
                q.hosts.remove(h);
            }
        }
        if let Ok(m) = self.slots.lock() {
            for h in hosts {
                if let Some(n) = m.get(h) {
                    n.notify_one();
                }
            }
        }
    }

    /// Wakes every poll (the server is stopping).
    pub fn wake_all(&self) {
        if let Ok(m) = self.slots.lock() {
            for n in m.values() {
                n.notify_waiters();
            }
        }
    }

    fn waiting(&self) -> bool {
        self.slots.lock().map(|m| !m.is_empty()).unwrap_or(false)
    }

    /// Starts the watcher once: every `every`, wakes hosts that have a command created since
    /// the last look (with an overlap, for transactions that commit late), and every
    /// [`FULL_LOOK`] hosts that have any command still waiting that it had not seen (one
    /// committed later than the overlap after its time).
    pub fn watch(self: &Arc<Self>, db: Db, every: Duration, stopping: Arc<AtomicBool>) {
        self.watch_with(db, every, FULL_LOOK, stopping);
    }

    fn watch_with(
        self: &Arc<Self>,
        db: Db,
        every: Duration,
        full_every: Duration,
        stopping: Arc<AtomicBool>,
    ) {
        if self.watching.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            let overlap = chrono::Duration::seconds(2);
            let mut since: Option<NaiveDateTime> = None;
            let mut seen: HashMap<String, NaiveDateTime> = HashMap::new();
            // Commands older than `seen` keeps, still waiting at the last full look.
            let mut lingering: HashSet<String> = HashSet::new();
            let mut last_full = Instant::now();
            while !stopping.load(Ordering::SeqCst) {
                tokio::time::sleep(every).await;
                if !me.waiting() {
                    continue;
                }
                let full = since.is_some() && last_full.elapsed() >= full_every;
                let from = since.map(|t| {
                    if full {
                        DateTime::UNIX_EPOCH.naive_utc()
                    } else {
                        t - overlap
                    }
                });
                let rows = db
                    .run(move |c| {
                        let now = db_now(c)?;
                        let rows = match from {
                            Some(t) => commands::dispatched_since(c, t)?,
                            None => Vec::new(),
                        };
                        Ok((now, rows))
                    })
                    .await;
                let Ok((now, rows)) = rows else { continue };
                let mut hosts = Vec::new();
                for (id, host, created) in &rows {
                    if !lingering.contains(id) && seen.insert(id.clone(), *created).is_none() {
                        hosts.push(host.clone());
                    }
                }
                me.wake(&hosts);
                let horizon = since.unwrap_or(now) - overlap * 2;
                if full {
                    lingering = rows
                        .into_iter()
                        .filter(|(_, _, created)| *created < horizon)
                        .map(|(id, _, _)| id)
                        .collect();
                    last_full = Instant::now();
                }
                seen.retain(|_, t| *t >= horizon);
                since = Some(now);
            }
        });
    }
}

/// How often the mailbox's watcher looks at every command still waiting for its agent.
const FULL_LOOK: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    const FRESH: Duration = Duration::from_secs(60);

    #[test]
    fn a_host_whose_look_found_nothing_is_quiet_until_woken() {
        let m = Mailbox::default();
        assert!(
            !m.is_quiet("h1", FRESH),
            "a host never looked at is not quiet"
        );
        let began = m.look_begins();
        m.found_nothing("h1", began, FRESH);
        assert!(m.is_quiet("h1", FRESH));
        assert!(!m.is_quiet("h2", FRESH));
        m.wake(&["h1".to_string()]);
        assert!(
            !m.is_quiet("h1", FRESH),
            "a dispatch to the host ends its quiet"
        );
    }

    #[test]
    fn a_wake_during_a_look_keeps_the_host_looking() {
        let m = Mailbox::default();
        let began = m.look_begins();
        // A dispatch commits (to any host) after the look's snapshot was taken.
        m.wake(&["h2".to_string()]);
        m.found_nothing("h1", began, FRESH);
        assert!(
            !m.is_quiet("h1", FRESH),
            "the look may have missed the dispatch: the next poll looks again"
        );
        let began = m.look_begins();
        m.found_nothing("h1", began, FRESH);
        assert!(m.is_quiet("h1", FRESH));
    }

    #[test]
    fn quiet_lasts_the_recheck_at_most_and_stale_marks_are_dropped() {
        let m = Mailbox::default();
        let short = Duration::from_millis(30);
        m.found_nothing("gone", m.look_begins(), short);
        assert!(m.is_quiet("gone", short));
        std::thread::sleep(Duration::from_millis(40));
        assert!(
            !m.is_quiet("gone", short),
            "an old mark makes the host look again"
        );
        m.found_nothing("h1", m.look_begins(), short);
        let left = m.quiet.lock().unwrap().hosts.len();
        assert_eq!(
            left, 1,
            "the mark of a host that stopped polling was dropped"
        );
    }

    /// A dispatch whose transaction committed long after its commands' time is older than
    /// anything the quick look asks for; the full look still wakes its host, once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_full_look_wakes_a_host_whose_command_committed_late() {
        use crate::store::commands::CommandRow;
        use liftoff_types::scheduler::CommandStatus;

        let dir = tempfile::tempdir().unwrap();
        let url = liftoff_kit::db::DbUrl::parse(
            &format!("sqlite://{}", dir.path().join("s.db").display()),
            "scheduler",
        )
        .unwrap();
        let db = Db::open(url, crate::migrations(), 2).unwrap();
        let m = Arc::new(Mailbox::default());
        let stopping = Arc::new(AtomicBool::new(false));
        let every = Duration::from_millis(20);
        m.watch_with(
            db.clone(),
            every,
            Duration::from_millis(300),
            stopping.clone(),
        );
        // A poll waits for the host, whose last look found nothing.
        let slot = m.slot("h1");
        m.found_nothing("h1", m.look_begins(), FRESH);
        tokio::time::sleep(every * 5).await;
        // Another replica's command, stamped a minute before it committed.
        let created = chrono::Utc::now().naive_utc() - chrono::Duration::seconds(60);
        let row = CommandRow {
            id: "c1".into(),
            deployment_id: "d1".into(),
            host_id: "h1".into(),
            attempt: 1,
            payload: "{}".into(),
            status: CommandStatus::Dispatched,
            created_at: created,
            acked_at: None,
            completed_at: None,
            error_code: None,
            message: None,
        };
        db.run(move |c| commands::insert(c, &[row])).await.unwrap();
        tokio::time::timeout(Duration::from_secs(10), slot.notified())
            .await
            .expect("the full look woke the host's poll");
        assert!(!m.is_quiet("h1", FRESH), "and ended its quiet");
        // Once: later full looks know the command.
        m.found_nothing("h1", m.look_begins(), FRESH);
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert!(
            m.is_quiet("h1", FRESH),
            "a command already woken for is not woken again"
        );
        stopping.store(true, Ordering::SeqCst);
    }
}
