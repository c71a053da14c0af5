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
//! - The time written is the earliest heard in the batch, and never moves a host's last
//!   heartbeat back: the registry never believes a host was heard later than it was.
//! - A host the sweep declared `Lost` just before its heartbeat was written comes back then,
//!   as it would have on the heartbeat itself.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use liftoff_kit::ApiError;
use liftoff_types::registry::HostState;

use crate::State;
use crate::store::hosts;

/// Hosts heard since the last write, each with when it was first heard.
#[derive(Debug, Default)]
pub struct Heard {
    pending: Mutex<HashMap<String, NaiveDateTime>>,
}

impl Heard {
    /// The registry heard `host` at `at`.
    pub fn note(&self, host: String, at: NaiveDateTime) {
        if let Ok(mut m) = self.pending.lock() {
            m.entry(host).or_insert(at);
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
                *e = (*e).min(at);
            }
        }
    }
}

/// Rows updated per statement (well under both backends' limits on bound parameters).
const CHUNK: usize = 500;

/// Writes what was heard since the last write, in one transaction; answers how many hosts.
pub async fn write(state: &State) -> Result<usize, ApiError> {
    let heard = state.heard.take();
    let Some(at) = heard.values().min().copied() else {
        return Ok(0);
    };
    let ids: Vec<String> = heard.keys().cloned().collect();
    let written = state
        .db
        .write(move |c| {
            for chunk in ids.chunks(CHUNK) {
                hosts::record_heard(c, chunk, at)?;
                for row in hosts::lost_among(c, chunk)? {
                    super::hosts::resume(c, &row)?;
                }
            }
            Ok(ids.len())
        })
        .await;
    if let Err(e) = &written
        && e.status.is_server_error()
    {
        state.hearing.deaf(std::time::Instant::now());
        state.heard.put_back(heard);
    }
    written
}

/// Whether a heartbeat from a host in `row_state` can be answered without a write.
pub fn quiet(row_state: HostState, row_version: Option<&str>, sent: Option<&str>) -> bool {
    row_state != HostState::Lost && sent.is_none_or(|v| Some(v) == row_version)
}
