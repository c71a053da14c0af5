//! Wakes long polls when a command is ready for their host, so a waiting agent costs nothing
//! until then: no query per host every half second. This replica's own dispatches wake their
//! hosts directly; one watcher per replica looks for commands other replicas dispatched (one
//! indexed query per interval for the whole fleet), and a slow re-check per poll is the net
//! under both.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;
use liftoff_kit::Db;
use tokio::sync::Notify;

use crate::store::{commands, db_now};

#[derive(Default)]
pub struct Mailbox {
    slots: Mutex<HashMap<String, Arc<Notify>>>,
    watching: AtomicBool,
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

    /// Wakes the polls of `hosts` (or, if none waits now, the next poll looks at once).
    pub fn wake(&self, hosts: &[String]) {
        if hosts.is_empty() {
            return;
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
    /// the last look (with an overlap, for transactions that commit late).
    pub fn watch(self: &Arc<Self>, db: Db, every: Duration, stopping: Arc<AtomicBool>) {
        if self.watching.swap(true, Ordering::SeqCst) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            let overlap = chrono::Duration::seconds(2);
            let mut since: Option<NaiveDateTime> = None;
            let mut seen: HashMap<String, NaiveDateTime> = HashMap::new();
            while !stopping.load(Ordering::SeqCst) {
                tokio::time::sleep(every).await;
                if !me.waiting() {
                    continue;
                }
                let from = since;
                let rows = db
                    .run(move |c| {
                        let now = db_now(c)?;
                        let rows = match from {
                            Some(t) => commands::dispatched_since(c, t - overlap)?,
                            None => Vec::new(),
                        };
                        Ok((now, rows))
                    })
                    .await;
                let Ok((now, rows)) = rows else { continue };
                let mut hosts = Vec::new();
                for (id, host, created) in rows {
                    if seen.insert(id, created).is_none() {
                        hosts.push(host);
                    }
                }
                me.wake(&hosts);
                let horizon = since.unwrap_or(now) - overlap * 2;
                seen.retain(|_, t| *t >= horizon);
                since = Some(now);
            }
        });
    }
}
