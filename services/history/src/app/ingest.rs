//! Accepting events from the services' outboxes, and queueing their webhook deliveries.
//!
//! A batch is appended in one transaction, each event once (by `event_id`). An event that
//! parses is never refused for its content: one odd event must not stall a source's whole
//! outbox behind it. Overlong or unprintable text is cleaned instead, and a projection that
//! cannot use an event logs why and leaves the event in the log.

use liftoff_kit::ApiError;
use liftoff_kit::db::{now, write_tx};
use liftoff_types::history::{HistoryEvent, IngestResult};
use liftoff_types::names::validate_text;

use crate::State;
use crate::app::{project, webhooks};
use crate::store::events::{self, NewEvent};

pub const MAX_BATCH: usize = 1000;

/// Keeps `value` if it is acceptable text, else a cleaned, bounded copy.
fn clean(field: &str, value: &str, max: usize) -> String {
    if validate_text(field, value, max).is_ok() {
        return value.to_string();
    }
    let mut out: String = value
        .chars()
        .map(|c| {
            if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
            {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    if out.len() > max {
        let mut cut = max;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

fn clean_opt(field: &str, value: &Option<String>, max: usize) -> Option<String> {
    value.as_deref().map(|v| clean(field, v, max))
}

fn sanitize(ev: &HistoryEvent) -> HistoryEvent {
    HistoryEvent {
        source: clean("source", &ev.source, 64),
        event_type: clean("event_type", &ev.event_type, 128),
        team: clean_opt("team", &ev.team, 64),
        actor: clean_opt("actor", &ev.actor, 256),
        application: clean_opt("application", &ev.application, 64),
        deployment_group: clean_opt("deployment_group", &ev.deployment_group, 64),
        ..ev.clone()
    }
}

/// Appends an event history itself records (pins), inside the caller's transaction.
pub fn append_own(c: &mut liftoff_kit::AnyConnection, ev: &HistoryEvent) -> Result<(), ApiError> {
    events::serialize_appends(c)?;
    events::insert(
        c,
        &NewEvent {
            event_id: ev.event_id.to_string(),
            source: ev.source.clone(),
            event_type: ev.event_type.clone(),
            occurred_at: ev.occurred_at.naive_utc(),
            recorded_at: now(),
            team: ev.team.clone(),
            actor: ev.actor.clone(),
            application: ev.application.clone(),
            deployment_group: ev.deployment_group.clone(),
            deployment_id: ev.deployment_id.map(|d| d.to_string()),
            host_id: ev.host_id.map(|h| h.to_string()),
            revision_id: ev.revision_id.map(|r| r.to_string()),
            data: serde_json::to_string(&ev.data)?,
        },
    )
}

/// Stores each new event once (by `event_id`) and updates the projections it affects.
pub async fn ingest(state: &State, batch: Vec<HistoryEvent>) -> Result<IngestResult, ApiError> {
    if batch.len() > MAX_BATCH {
        return Err(ApiError::invalid_field(format!(
            "events: at most {MAX_BATCH} per batch"
        )));
    }
    let batch: Vec<HistoryEvent> = batch.iter().map(sanitize).collect();
    let result = state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                events::serialize_appends(c)?;
                let mut res = IngestResult {
                    accepted: 0,
                    duplicates: 0,
                };
                let ids: Vec<String> = batch.iter().map(|e| e.event_id.to_string()).collect();
                let mut seen = events::existing(c, &ids)?;
                let mut projection = project::BatchMemo::default();
                let mut rows = Vec::with_capacity(batch.len());
                let mut fresh = Vec::with_capacity(batch.len());
                for (ev, id) in batch.iter().zip(ids) {
                    if !seen.insert(id.clone()) {
                        res.duplicates += 1;
                        continue;
                    }
                    fresh.push(ev);
                    rows.push(NewEvent {
                        event_id: id,
                        source: ev.source.clone(),
                        event_type: ev.event_type.clone(),
                        occurred_at: ev.occurred_at.naive_utc(),
                        recorded_at: now(),
                        team: ev.team.clone(),
                        actor: ev.actor.clone(),
                        application: ev.application.clone(),
                        deployment_group: ev.deployment_group.clone(),
                        deployment_id: ev.deployment_id.map(|d| d.to_string()),
                        host_id: ev.host_id.map(|h| h.to_string()),
                        revision_id: ev.revision_id.map(|r| r.to_string()),
                        data: serde_json::to_string(&ev.data)?,
                    });
                    project::apply(c, ev, &mut projection)?;
                    res.accepted += 1;
                }
                events::insert_all(c, &rows)?;
                // In this transaction: an event is in the log if and only if its webhook
                // deliveries are queued.
                webhooks::fanout::enqueue(c, &fresh)?;
                Ok(res)
            })
        })
        .await?;
    metrics::counter!("liftoff_history_events_accepted_total").increment(result.accepted);
    metrics::counter!("liftoff_history_events_duplicate_total").increment(result.duplicates);
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_keeps_good_text_and_repairs_bad_text() {
        assert_eq!(clean("f", "shop", 64), "shop");
        assert_eq!(clean("f", "a\u{7}b", 64), "a\u{fffd}b");
        assert_eq!(clean("f", &"é".repeat(40), 5), "éé");
    }
}
