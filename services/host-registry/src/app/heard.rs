//! Heartbeats that cost almost nothing. A heartbeat from a host in good standing (its current
//! credential, not `Lost`, nothing to deliver, the same agent version) is answered after a
//! read: the registry notes in memory that it heard the host and writes what it heard for the
//! whole fleet in one transaction before each liveness sweep (every tick), instead of one
//! write transaction per heartbeat queued on SQLite's single writer.
//!
//! Why this keeps the guarantees:
//! - Nothing acts on a heartbeat before it is written: the sweep writes what was heard first,
//!   then looks for silent hosts.
//! - Losing what was heard in the last tick to a crash loses nothing: after a restart every
//!   host gets a fresh grace before anyone is declared `Lost` (see [`super::liveness`]).
//! - A write that fails keeps what was heard for the next try and makes the registry deaf, as
//!   a heartbeat that could not be recorded does.
//! - Each host's latest heartbeat in the batch is written, to the whole second below (one
//!   statement per second heard, in chunks), and never moves a host's last heartbeat back: the
//!   registry never believes a host was heard later than it was. (It once wrote the batch's
//!   earliest time for every host, then each host's first: on PostgreSQL during 10,000
//!   enrollments the tick was held up for over 100 s, a batch spanned far more than the grace,
//!   and hosts heard a moment ago were declared `Lost`, 9,327 of 10,000 at once.)
//! - A host the sweep declared `Lost` just before its heartbeat was written comes back then,
//!   as it would have on the heartbeat itself.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::{NaiveDateTime, Timelike};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::registry::HostState;

use crate::State;
use crate::store::hosts;

/// Hosts heard since the last write, each with when it was last heard; and hosts whose
/// heartbeat arrived and is being checked.
#[derive(Debug, Default)]
pub struct Heard {
    pending: Mutex<HashMap<String, NaiveDateTime>>,
    /// Per host: how many of its heartbeats are being checked.
    arriving: Mutex<HashMap<String, u32>>,
}

/// A heartbeat being checked (its host's standing read, then its note or its write): the
/// sweep does not judge the host meanwhile. Ends when dropped.
pub struct Arriving<'a> {
    heard: &'a Heard,
    host: String,
}

impl Drop for Arriving<'_> {
    fn drop(&mut self) {
        if let Ok(mut m) = self.heard.arriving.lock()
            && let Some(n) = m.get_mut(&self.host)
        {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.host);
            }
        }
    }
}

impl Heard {
    /// The registry heard `host` at `at`. The latest time is kept: a write delayed past the
    /// grace (a tick held up by other work) must not record a host heard a moment ago as heard
    /// when the batch began.
    pub fn note(&self, host: String, at: NaiveDateTime) {
        if let Ok(mut m) = self.pending.lock() {
            let e = m.entry(host).or_insert(at);
            *e = (*e).max(at);
        }
    }

    /// Whether `host` was heard since the last write: not silent, whatever its row says. The
    /// sweep asks, so a host heard while the write or the sweep waited for the database (for
    /// seconds, while thousands of hosts enroll on PostgreSQL) is not declared `Lost` on its
    /// previous heartbeat.
    ///
    /// So is a host whose heartbeat arrived and waits for its read: on PostgreSQL that wait
    /// passed 10 s while 10,000 hosts enrolled, and hosts heartbeating every 10 s were declared
    /// `Lost` with their heartbeat in hand.
    pub fn holds(&self, host: &str) -> bool {
        self.pending.lock().is_ok_and(|m| m.contains_key(host))
            || self.arriving.lock().is_ok_and(|m| m.contains_key(host))
    }

    /// A heartbeat from `host` arrived: it is being checked until the guard is dropped.
    pub fn arriving(&self, host: &str) -> Arriving<'_> {
        if let Ok(mut m) = self.arriving.lock() {
            *m.entry(host.to_string()).or_insert(0) += 1;
        }
        Arriving {
            heard: self,
            host: host.to_string(),
        }
    }

    fn take(&self) -> HashMap<String, NaiveDateTime> {
        self.pending
            .lock()
            .map(|mut m| std::mem::take(&mut *m))
            .unwrap_or_default()
    }

    /// A write failed: what it carried is written with the next one.
    fn put_back(&self, heard: HashMap<String, NaiveDateTime>) {
        if let Ok(mut m) = self.pending.lock() {
            for (host, at) in heard {
                let e = m.entry(host).or_insert(at);
                *e = (*e).max(at);
            }
        }
    }
}

/// Rows updated per statement (well under both backends' limits on bound parameters).
const CHUNK: usize = 500;

/// Writes what was heard since the last write, in one transaction; answers how many hosts.
pub async fn write(state: &State) -> Result<usize, ApiError> {
    let heard = state.heard.take();
    if heard.is_empty() {
        return Ok(0);
    }
    let by_second = by_second(&heard);
    let written = state.db.write(move |c| write_heard(c, &by_second)).await;
    if let Err(e) = &written
        && e.status.is_server_error()
    {
        state.hearing.deaf(std::time::Instant::now());
        state.heard.put_back(heard);
    }
    written
}

/// The hosts heard, grouped by the whole second below when each was heard.
fn by_second(heard: &HashMap<String, NaiveDateTime>) -> BTreeMap<NaiveDateTime, Vec<String>> {
    let mut out: BTreeMap<NaiveDateTime, Vec<String>> = BTreeMap::new();
    for (host, at) in heard {
        let second = at.with_nanosecond(0).unwrap_or(*at);
        out.entry(second).or_default().push(host.clone());
    }
    out
}

/// Records each second's hosts as heard then, and brings back those among them the sweep had
/// declared `Lost`; answers how many hosts.
fn write_heard(
    c: &mut AnyConnection,
    by_second: &BTreeMap<NaiveDateTime, Vec<String>>,
) -> Result<usize, ApiError> {
    // The rows first, in id order, as every transaction locking several hosts does: another
    // order here against a batch of scale-out plans deadlocked on PostgreSQL.
    let mut all: Vec<&String> = by_second.values().flatten().collect();
    all.sort_unstable();
    for chunk in all.chunks(CHUNK) {
        hosts::lock_all(c, chunk)?;
    }
    let mut n = 0;
    for (at, ids) in by_second {
        for chunk in ids.chunks(CHUNK) {
            hosts::record_heard(c, chunk, *at)?;
            for row in hosts::lost_among(c, chunk)? {
                super::hosts::resume(c, &row)?;
            }
        }
        n += ids.len();
    }
    Ok(n)
}

/// Whether a heartbeat from a host in `row_state` can be answered without a write.
pub fn quiet(row_state: HostState, row_version: Option<&str>, sent: Option<&str>) -> bool {
    row_state != HostState::Lost && sent.is_none_or(|v| Some(v) == row_version)
}

#[cfg(test)]
mod tests {
    use diesel::{Connection, SqliteConnection};
    use diesel_migrations::MigrationHarness;

    use super::*;

    use crate::store::hosts::HostRow;

    fn host(id: &str, at: NaiveDateTime) -> HostRow {
        HostRow {
            id: id.into(),
            team: "t".into(),
            name: id.into(),
            zone: "z".into(),
            tags: "{}".into(),
            state: HostState::InService,
            agent_version: None,
            credential_id: format!("cred-{id}"),
            enrollment_token_id: "e".into(),
            last_heartbeat_at: Some(at),
            enrolled_at: at,
            updated_at: at,
            deregistered_at: None,
            state_reason: None,
            state_changed_at: None,
            epoch: 0,
            previous_tags: None,
            resume_state: None,
        }
    }

    /// A batch that spans most of the grace (ticks slowed down by other work) records each host
    /// when it was heard: one heard a moment ago is not silent, however early the batch began.
    #[test]
    fn each_host_is_recorded_when_it_was_heard_not_when_the_batch_began() {
        let mut c = AnyConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        c.run_pending_migrations(crate::SQLITE_MIGRATIONS).unwrap();
        let t0 = chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_milli_opt(12, 0, 0, 0)
            .unwrap();
        let secs = chrono::Duration::seconds;
        for id in ["early", "late"] {
            hosts::insert(&mut c, &host(id, t0 - secs(60))).unwrap();
        }
        let heard = Heard::default();
        heard.note("early".into(), t0 + chrono::Duration::milliseconds(700));
        heard.note(
            "late".into(),
            t0 + secs(18) + chrono::Duration::milliseconds(400),
        );
        // Heard again later in the batch: the latest time counts (a tick held up past the grace
        // must not write a host heard a moment ago as heard when the batch began); an earlier
        // time noted after it changes nothing.
        heard.note(
            "late".into(),
            t0 + secs(24) + chrono::Duration::milliseconds(300),
        );
        heard.note("late".into(), t0 + secs(19));
        assert_eq!(write_heard(&mut c, &by_second(&heard.take())).unwrap(), 2);
        let last =
            |c: &mut AnyConnection, id| hosts::get(c, id).unwrap().unwrap().last_heartbeat_at;
        // The whole second below, never later than heard.
        assert_eq!(last(&mut c, "early"), Some(t0));
        assert_eq!(last(&mut c, "late"), Some(t0 + secs(24)));
        // A sweep at t0 + 25 s with a 20 s grace finds only the early one silent.
        let silent: Vec<String> = hosts::silent_since(&mut c, t0 + secs(5))
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(silent, vec!["early".to_string()]);
        // An older time never moves a host's last heartbeat back.
        let older = BTreeMap::from([(t0, vec!["late".to_string()])]);
        write_heard(&mut c, &older).unwrap();
        assert_eq!(last(&mut c, "late"), Some(t0 + secs(24)));
    }

    #[test]
    fn a_host_noted_or_being_checked_is_held() {
        let heard = Heard::default();
        let at = chrono::DateTime::from_timestamp(1_000, 0)
            .unwrap()
            .naive_utc();
        assert!(!heard.holds("a"));
        heard.note("a".into(), at);
        assert!(heard.holds("a") && !heard.holds("b"));
        let batch = heard.take();
        assert!(!heard.holds("a"));
        heard.put_back(batch);
        assert!(heard.holds("a"), "a failed write keeps the host heard");
        let _ = heard.take();
        let first = heard.arriving("b");
        let second = heard.arriving("b");
        assert!(heard.holds("b"), "a heartbeat being checked");
        drop(first);
        assert!(heard.holds("b"), "another one still is");
        drop(second);
        assert!(!heard.holds("b"));
    }
}
