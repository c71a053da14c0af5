//! The audit log: the events a person or pipeline caused (they carry the token subject as
//! `actor`), read as who did what, when, to which object.

use liftoff_kit::ApiError;
use liftoff_types::history::{AuditEntry, AuditPage, RecordedEvent};

use crate::State;
use crate::app::query;
use crate::store::events::EventFilter;

/// The object an event is about, from its type and fields.
fn object_of(r: &RecordedEvent) -> (String, Option<String>) {
    let e = &r.event;
    let kind = e.event_type.split('.').next().unwrap_or_default();
    let id = match kind {
        "application" => e.application.clone(),
        "deployment_group" => match (&e.application, &e.deployment_group) {
            (Some(a), Some(g)) => Some(format!("{a}/{g}")),
            (_, g) => g.clone(),
        },
        "revision" => e.revision_id.map(|r| r.to_string()),
        "deployment" => e.deployment_id.map(|d| d.to_string()),
        "host" => e.host_id.map(|h| h.to_string()),
        _ => ["token_id", "id", "name"]
            .iter()
            .find_map(|k| e.data.get(*k).and_then(|v| v.as_str()).map(str::to_string)),
    };
    (kind.to_string(), id)
}

fn to_entry(r: RecordedEvent) -> AuditEntry {
    let (object_type, object_id) = object_of(&r);
    let e = r.event;
    AuditEntry {
        seq: r.seq,
        occurred_at: e.occurred_at,
        actor: e.actor.unwrap_or_default(),
        team: e.team,
        action: e.event_type,
        object_type,
        object_id,
        application: e.application,
        deployment_group: e.deployment_group,
        deployment_id: e.deployment_id,
        host_id: e.host_id,
        revision_id: e.revision_id,
        source: e.source,
        data: e.data,
    }
}

/// A page of the audit log (newest first unless asked otherwise).
pub async fn audit(state: &State, mut filter: EventFilter) -> Result<AuditPage, ApiError> {
    filter.with_actor = true;
    let (rows, next_cursor) = query::event_rows(state, filter).await?;
    let entries = rows
        .into_iter()
        .map(|r| query::to_recorded(r).map(to_entry))
        .collect::<Result<_, _>>()?;
    Ok(AuditPage {
        entries,
        next_cursor,
    })
}
