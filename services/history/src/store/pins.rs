//! Pins (revisions whose record is kept forever) and the retention deletes that respect them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::{
    events, group_deployments, hook_logs, host_commands, host_revision_spans, host_revisions, pins,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pins)]
pub struct PinRow {
    pub team: String,
    pub revision_id: String,
    pub note: Option<String>,
    pub pinned_by: String,
    pub pinned_at: NaiveDateTime,
}

pub fn get(
    conn: &mut AnyConnection,
    team: &str,
    revision_id: &str,
) -> Result<Option<PinRow>, ApiError> {
    Ok(pins::table
        .find((team, revision_id))
        .select(PinRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut AnyConnection, row: &PinRow) -> Result<(), ApiError> {
    diesel::insert_into(pins::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, team: &str, revision_id: &str) -> Result<bool, ApiError> {
    let n = diesel::delete(pins::table.find((team, revision_id))).execute(conn)?;
    Ok(n > 0)
}

pub fn list(conn: &mut AnyConnection, team: Option<&str>) -> Result<Vec<PinRow>, ApiError> {
    let mut q = pins::table.select(PinRow::as_select()).into_boxed();
    if let Some(t) = team {
        q = q.filter(pins::team.eq(t.to_string()));
    }
    Ok(q.order((
        pins::team.asc(),
        pins::pinned_at.asc(),
        pins::revision_id.asc(),
    ))
    .load(conn)?)
}

/// Whether history has any record of `revision_id` for `team`.
pub fn revision_known(
    conn: &mut AnyConnection,
    team: &str,
    revision_id: &str,
) -> Result<bool, ApiError> {
    let in_events: i64 = events::table
        .filter(events::team.eq(team))
        .filter(events::revision_id.eq(revision_id))
        .count()
        .get_result(conn)?;
    if in_events > 0 {
        return Ok(true);
    }
    let in_spans: i64 = host_revision_spans::table
        .filter(host_revision_spans::team.eq(team))
        .filter(host_revision_spans::revision_id.eq(revision_id))
        .count()
        .get_result(conn)?;
    if in_spans > 0 {
        return Ok(true);
    }
    let current: i64 = host_revisions::table
        .filter(host_revisions::team.eq(team))
        .filter(host_revisions::revision_id.eq(revision_id))
        .count()
        .get_result(conn)?;
    Ok(current > 0)
}

/// Seqs of events older than `cutoff` whose revision and deployment are not pinned.
pub fn expired_events(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
    limit: i64,
) -> Result<Vec<i64>, ApiError> {
    let pinned = pins::table.select(pins::revision_id.nullable());
    let pinned_deployments = group_deployments::table
        .filter(
            group_deployments::revision_id.eq_any(pins::table.select(pins::revision_id.nullable())),
        )
        .select(group_deployments::deployment_id.nullable());
    Ok(events::table
        .filter(events::occurred_at.lt(cutoff))
        .filter(
            events::revision_id
                .is_null()
                .or(diesel::dsl::not(events::revision_id.eq_any(pinned))),
        )
        .filter(events::deployment_id.is_null().or(diesel::dsl::not(
            events::deployment_id.eq_any(pinned_deployments),
        )))
        .select(events::seq)
        .order(events::seq.asc())
        .limit(limit)
        .load(conn)?)
}

pub fn delete_events(conn: &mut AnyConnection, seqs: &[i64]) -> Result<u64, ApiError> {
    Ok(diesel::delete(events::table.filter(events::seq.eq_any(seqs))).execute(conn)? as u64)
}

/// Ends of spans older than `cutoff` (never an open one: that is a host's current state).
pub fn delete_expired_spans(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
) -> Result<u64, ApiError> {
    let pinned = pins::table.select(pins::revision_id);
    Ok(diesel::delete(
        host_revision_spans::table
            .filter(host_revision_spans::ended_at.lt(cutoff))
            .filter(diesel::dsl::not(
                host_revision_spans::revision_id.eq_any(pinned),
            )),
    )
    .execute(conn)? as u64)
}

pub fn delete_expired_logs(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
) -> Result<u64, ApiError> {
    let pinned = pins::table.select(pins::revision_id);
    Ok(diesel::delete(
        hook_logs::table
            .filter(hook_logs::uploaded_at.lt(cutoff))
            .filter(diesel::dsl::not(hook_logs::revision_id.eq_any(pinned))),
    )
    .execute(conn)? as u64)
}

pub fn delete_expired_commands(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
) -> Result<u64, ApiError> {
    let pinned = pins::table.select(pins::revision_id.nullable());
    Ok(diesel::delete(
        host_commands::table
            .filter(host_commands::started_at.lt(cutoff))
            .filter(
                host_commands::revision_id
                    .is_null()
                    .or(diesel::dsl::not(host_commands::revision_id.eq_any(pinned))),
            ),
    )
    .execute(conn)? as u64)
}

/// Group deployments that started before `cutoff`, unpinned (candidates for removal).
pub fn old_group_deployments(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
) -> Result<Vec<super::deployments::GroupDeploymentRow>, ApiError> {
    let pinned = pins::table.select(pins::revision_id.nullable());
    Ok(group_deployments::table
        .filter(
            group_deployments::started_at
                .lt(cutoff)
                .or(group_deployments::started_at
                    .is_null()
                    .and(group_deployments::created_at.lt(cutoff))),
        )
        .filter(
            group_deployments::revision_id
                .is_null()
                .or(diesel::dsl::not(
                    group_deployments::revision_id.eq_any(pinned),
                )),
        )
        .select(super::deployments::GroupDeploymentRow::as_select())
        .load(conn)?)
}

pub fn delete_group_deployments(conn: &mut AnyConnection, ids: &[String]) -> Result<u64, ApiError> {
    Ok(
        diesel::delete(
            group_deployments::table.filter(group_deployments::deployment_id.eq_any(ids)),
        )
        .execute(conn)? as u64,
    )
}
