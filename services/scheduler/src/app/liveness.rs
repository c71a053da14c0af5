//! Which hosts are lost, as host-registry tells it: its outbox pushes a `host.liveness` event
//! in the transaction that declares a host lost or back (`host-registry/src/app/lifecycle.rs`
//! `change_state`), and the scheduler's upkeep fails the commands in flight on lost hosts
//! from this copy (`background.rs`), instead of asking the registry on every tick.
//!
//! A copy written before this push existed is seeded once, from one read of the registry, the
//! first time a tick finds it unseeded; not again.

use liftoff_kit::ApiError;
use liftoff_types::history::{EventBatch, IngestResult};
use liftoff_types::registry::{HOST_LIVENESS, HostLiveness, HostState};

use crate::State;
use crate::store::liveness;

/// Most events in one push.
pub const MAX_EVENTS: usize = 500;

/// Applies pushed liveness changes, in order; an older change than the one recorded for a host
/// (a redelivery) changes nothing.
pub async fn record(state: &State, batch: EventBatch) -> Result<IngestResult, ApiError> {
    if batch.events.len() > MAX_EVENTS {
        return Err(ApiError::invalid_field(format!(
            "events: at most {MAX_EVENTS}"
        )));
    }
    let mut changes = Vec::with_capacity(batch.events.len());
    for (i, ev) in batch.events.iter().enumerate() {
        if ev.event_type != HOST_LIVENESS {
            return Err(ApiError::invalid_field(format!(
                "events[{i}].event_type: {:?} is not {HOST_LIVENESS}",
                ev.event_type
            )));
        }
        let host = ev
            .host_id
            .ok_or_else(|| ApiError::invalid_field(format!("events[{i}].host_id: required")))?;
        let l: HostLiveness = serde_json::from_value(ev.data.clone()).map_err(|e| {
            ApiError::invalid_field(format!("events[{i}].data: not a host liveness: {e}"))
        })?;
        changes.push((host.to_string(), l.lost, ev.occurred_at.naive_utc()));
    }
    state
        .db
        .write(move |c| {
            let mut result = IngestResult {
                accepted: 0,
                duplicates: 0,
            };
            for (host, lost, at) in &changes {
                if liveness::record(c, host, *lost, *at)? {
                    result.accepted += 1;
                } else {
                    result.duplicates += 1;
                }
            }
            Ok(result)
        })
        .await
}

/// The hosts lost now, from the pushed copy; seeded from the registry the first time (an
/// upgrade from a version that did not push). `None` until seeded, if the registry cannot be
/// asked: the upkeep then fails no command as lost this tick.
pub async fn lost_hosts(state: &State) -> Option<Vec<String>> {
    if !state
        .liveness_seeded
        .load(std::sync::atomic::Ordering::SeqCst)
    {
        let listed = state
            .peers
            .registry()
            .list_hosts_in_state(HostState::Lost)
            .await;
        match listed {
            Ok(l) => {
                let hosts: Vec<String> = l.hosts.iter().map(|h| h.host_id.to_string()).collect();
                // Older than any push, so a push that came meanwhile wins.
                let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
                let seeded = state
                    .db
                    .write(move |c| {
                        for h in &hosts {
                            liveness::record(c, h, true, at)?;
                        }
                        Ok(())
                    })
                    .await;
                if seeded.is_ok() {
                    state
                        .liveness_seeded
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "could not ask the registry for lost hosts to seed the copy");
                return None;
            }
        }
    }
    state.db.run(liveness::lost).await.ok()
}
