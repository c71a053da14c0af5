//! The questions asked of history: the log itself, which hosts run what now, and what a group
//! ran at a point in time. Every list has a stable order and an opaque cursor.

use chrono::{DateTime, NaiveDateTime, Utc};
use liftoff_kit::ApiError;
use liftoff_kit::db::{to_utc, uuid};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::history::{
    EventPage, GroupAtTime, GroupDeploymentAt, HistoryEvent, HostRevision, HostRevisionAt,
    HostRevisionList, RecordedEvent,
};

use uuid::Uuid;

use crate::State;
use crate::store::deployments::{self, GroupDeploymentRow};
use crate::store::events::{self, EventFilter, EventRow};
use crate::store::revisions::{self, CurrentFilter};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// Checks a page size (1 to `MAX_LIMIT`, default `DEFAULT_LIMIT`).
pub fn limit(asked: Option<i64>) -> Result<i64, ApiError> {
    let l = asked.unwrap_or(DEFAULT_LIMIT);
    if l <= 0 || l > MAX_LIMIT {
        return Err(ApiError::invalid_field(format!(
            "limit: must be 1 to {MAX_LIMIT}"
        )));
    }
    Ok(l)
}

fn bad_cursor() -> ApiError {
    ApiError::invalid_field("cursor: not a cursor from this API")
}

pub fn seq_cursor(c: Option<&str>) -> Result<Option<i64>, ApiError> {
    c.map(|c| c.parse::<i64>().map_err(|_| bad_cursor()))
        .transpose()
}

/// Parses an RFC 3339 time between 1970 and 9999.
pub fn time(field: &str, s: &str) -> Result<NaiveDateTime, ApiError> {
    let t = DateTime::parse_from_rfc3339(s)
        .map_err(|e| {
            ApiError::invalid_field(format!("{field}: not an RFC 3339 time ({e}): {s:?}"))
        })?
        .with_timezone(&Utc);
    if t.timestamp() < 0 || t.format("%Y").to_string().len() > 4 {
        return Err(ApiError::invalid_field(format!(
            "{field}: must be between 1970 and 9999"
        )));
    }
    Ok(t.naive_utc())
}

pub fn to_recorded(row: EventRow) -> Result<RecordedEvent, ApiError> {
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

/// Loads one page more than asked, to know whether another page exists; returns the rows of
/// the page and the cursor of the next one (the last `seq` returned).
pub async fn event_rows(
    state: &State,
    mut filter: EventFilter,
) -> Result<(Vec<EventRow>, Option<String>), ApiError> {
    let limit = filter.limit;
    filter.limit += 1;
    let mut rows = state.db.run(move |c| events::list(c, &filter)).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    Ok((rows, next))
}

/// A page of events in log order (or newest first).
pub async fn events(state: &State, filter: EventFilter) -> Result<EventPage, ApiError> {
    let (rows, next_cursor) = event_rows(state, filter).await?;
    let events = rows
        .into_iter()
        .map(to_recorded)
        .collect::<Result<_, _>>()?;
    Ok(EventPage {
        events,
        next_cursor,
    })
}

fn host_cursor(c: Option<&str>) -> Result<Option<(String, String)>, ApiError> {
    let Some(c) = c else { return Ok(None) };
    let (app, host) = c.split_once('/').ok_or_else(bad_cursor)?;
    let host = uuid::Uuid::parse_str(host).map_err(|_| bad_cursor())?;
    Ok(Some((app.to_string(), host.to_string())))
}

/// Which revision of which application each host runs now, and since when; ordered by
/// (application, host).
pub async fn host_revisions(
    state: &State,
    mut filter: CurrentFilter,
    cursor: Option<&str>,
) -> Result<HostRevisionList, ApiError> {
    filter.after = host_cursor(cursor)?;
    let limit = filter.limit;
    filter.limit += 1;
    let mut rows = state
        .db
        .run(move |c| revisions::list_current(c, &filter))
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last()
            .map(|r| format!("{}/{}", r.application, r.host_id))
    } else {
        None
    };
    let hosts = rows
        .into_iter()
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
        .collect::<Result<_, ApiError>>()?;
    Ok(HostRevisionList { hosts, next_cursor })
}

fn deployment_at(row: GroupDeploymentRow, at: NaiveDateTime) -> Option<GroupDeploymentAt> {
    let status = match row.ended_at {
        Some(e) if e <= at => row.status,
        _ => DeploymentStatus::InProgress,
    };
    Some(GroupDeploymentAt {
        deployment_id: uuid::Uuid::parse_str(&row.deployment_id).ok()?,
        revision_id: uuid::Uuid::parse_str(row.revision_id.as_deref()?).ok()?,
        started_at: to_utc(row.started_at?),
        status: status.as_str().to_string(),
    })
}

/// What each host of a group ran at `at`, and the group's target revision then.
pub async fn group_at(
    state: &State,
    team: Option<String>,
    application: String,
    group: String,
    at: NaiveDateTime,
    cursor: Option<String>,
    limit: i64,
) -> Result<GroupAtTime, ApiError> {
    let after = cursor
        .map(|c| {
            uuid::Uuid::parse_str(&c)
                .map(|u| u.to_string())
                .map_err(|_| bad_cursor())
        })
        .transpose()?;
    let (app, grp) = (application.clone(), group.clone());
    let (known, target, success, mut spans) = state
        .db
        .run(move |c| {
            let t = team.as_deref();
            Ok((
                deployments::group_known(c, t, &app, &grp)?
                    || !revisions::group_at(c, t, &app, &grp, at, None, 1)?.is_empty(),
                deployments::target_at(c, t, &app, &grp, at)?,
                deployments::last_success_at(c, t, &app, &grp, at)?,
                revisions::group_at(c, t, &app, &grp, at, after.as_deref(), limit + 1)?,
            ))
        })
        .await?;
    if !known {
        return Err(ApiError::not_found(format!(
            "history knows no deployment group {group:?} of application {application:?}"
        )));
    }
    let more = spans.len() as i64 > limit;
    spans.truncate(limit as usize);
    let next_cursor = if more {
        spans.last().map(|s| s.host_id.clone())
    } else {
        None
    };
    let hosts = spans
        .into_iter()
        .map(|s| {
            Ok(HostRevisionAt {
                host_id: uuid(&s.host_id)?,
                revision_id: uuid(&s.revision_id)?,
                deployment_id: uuid(&s.deployment_id)?,
                since: to_utc(s.started_at),
                until: s.ended_at.map(to_utc),
            })
        })
        .collect::<Result<_, ApiError>>()?;
    let target_deployment = target.and_then(|r| deployment_at(r, at));
    Ok(GroupAtTime {
        application,
        deployment_group: group,
        at: to_utc(at),
        target_revision_id: target_deployment.as_ref().map(|d| d.revision_id),
        target_deployment,
        last_successful_revision_id: success
            .and_then(|r| r.revision_id)
            .and_then(|r| uuid::Uuid::parse_str(&r).ok()),
        hosts,
        next_cursor,
    })
}

/// A revision the caller's team has no record of answers 404, as another team's would.
pub async fn require_revision_known(
    state: &State,
    team: Option<String>,
    revision: Uuid,
) -> Result<(), ApiError> {
    let Some(team) = team else { return Ok(()) };
    let rev = revision.to_string();
    let known = state
        .db
        .run(move |c| crate::store::pins::revision_known(c, &team, &rev))
        .await?;
    if known {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "revision {revision} not found in history"
        )))
    }
}
