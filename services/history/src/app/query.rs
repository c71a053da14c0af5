//! The questions asked of history.

use liftoff_kit::ApiError;
use liftoff_kit::db::{to_utc, uuid};
use liftoff_types::history::{EventPage, HistoryEvent, HostRevision, RecordedEvent};

use crate::State;
use crate::store::events::{self, EventFilter, EventRow};
use crate::store::revisions;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

fn to_recorded(row: EventRow) -> Result<RecordedEvent, ApiError> {
    let opt_uuid = |s: &Option<String>| s.as_deref().map(uuid).transpose();
    Ok(RecordedEvent {
        seq: row.seq,
        recorded_at: to_utc(row.recorded_at),
        event: HistoryEvent {
            event_id: uuid(&row.event_id)?,
            source: row.source,
            event_type: row.event_type,
            occurred_at: to_utc(row.occurred_at),
            team: row.team,
            actor: row.actor,
            application: row.application,
            deployment_group: row.deployment_group,
            deployment_id: opt_uuid(&row.deployment_id)?,
            host_id: opt_uuid(&row.host_id)?,
            revision_id: opt_uuid(&row.revision_id)?,
            data: serde_json::from_str(&row.data)?,
        },
    })
}

/// A page of events in log order (or newest first); the cursor is the last `seq` returned.
pub async fn events(state: &State, mut filter: EventFilter) -> Result<EventPage, ApiError> {
    if filter.limit <= 0 || filter.limit > MAX_LIMIT {
        return Err(ApiError::invalid_field(format!(
            "limit: must be 1 to {MAX_LIMIT}"
        )));
    }
    let limit = filter.limit;
    // One more row than asked tells whether another page exists.
    filter.limit += 1;
    let mut rows = state.db.run(move |c| events::list(c, &filter)).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    let events = rows
        .into_iter()
        .map(to_recorded)
        .collect::<Result<_, _>>()?;
    Ok(EventPage {
        events,
        next_cursor,
    })
}

pub async fn host_revisions(
    state: &State,
    team: Option<String>,
    application: Option<String>,
    revision_id: Option<String>,
) -> Result<Vec<HostRevision>, ApiError> {
    let rows = state
        .db
        .run(move |c| {
            revisions::list_current(
                c,
                team.as_deref(),
                application.as_deref(),
                revision_id.as_deref(),
            )
        })
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(HostRevision {
                host_id: uuid(&r.host_id)?,
                application: r.application,
                deployment_group: r.deployment_group,
                revision_id: uuid(&r.revision_id)?,
                deployment_id: uuid(&r.deployment_id)?,
                since: to_utc(r.since),
            })
        })
        .collect()
}
