//! A rollout's per-host targets and its per-zone counters. Every status change of a target
//! goes through `transition`, which keeps the zone counters in step in the same transaction.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::scheduler::HostTargetStatus;

use crate::app::plan::Counts;
use crate::schema::{rollout_hosts, rollout_zones};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rollout_hosts)]
pub struct TargetRow {
    pub deployment_id: String,
    pub host_id: String,
    pub zone: String,
    pub position: i32,
    pub status: HostTargetStatus,
    pub attempt: i32,
    pub command_id: Option<String>,
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub tier: i32,
    pub dispatched_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rollout_zones)]
pub struct ZoneRow {
    pub deployment_id: String,
    pub zone: String,
    pub pending: i32,
    pub in_flight: i32,
    pub succeeded: i32,
    pub failed: i32,
    pub skipped: i32,
}

/// The counter a target status counts in.
fn bucket(status: HostTargetStatus) -> &'static str {
    match status {
        HostTargetStatus::Pending => "pending",
        HostTargetStatus::Dispatched | HostTargetStatus::InProgress => "in_flight",
        HostTargetStatus::Succeeded => "succeeded",
        HostTargetStatus::Failed => "failed",
        HostTargetStatus::Skipped => "skipped",
    }
}

fn bump(
    conn: &mut AnyConnection,
    id: &str,
    zone: &str,
    bucket: &str,
    delta: i32,
) -> Result<(), ApiError> {
    use rollout_zones::dsl as z;
    let target = rollout_zones::table.find((id, zone));
    let n = match bucket {
        "pending" => diesel::update(target)
            .set(z::pending.eq(z::pending + delta))
            .execute(conn)?,
        "in_flight" => diesel::update(target)
            .set(z::in_flight.eq(z::in_flight + delta))
            .execute(conn)?,
        "succeeded" => diesel::update(target)
            .set(z::succeeded.eq(z::succeeded + delta))
            .execute(conn)?,
        "failed" => diesel::update(target)
            .set(z::failed.eq(z::failed + delta))
            .execute(conn)?,
        _ => diesel::update(target)
            .set(z::skipped.eq(z::skipped + delta))
            .execute(conn)?,
    };
    if n == 0 {
        let mut row = ZoneRow {
            deployment_id: id.into(),
            zone: zone.into(),
            pending: 0,
            in_flight: 0,
            succeeded: 0,
            failed: 0,
            skipped: 0,
        };
        match bucket {
            "pending" => row.pending = delta,
            "in_flight" => row.in_flight = delta,
            "succeeded" => row.succeeded = delta,
            "failed" => row.failed = delta,
            _ => row.skipped = delta,
        }
        diesel::insert_into(rollout_zones::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Adds targets (new rollout, or hosts that joined the group), counting them per zone.
pub fn insert(conn: &mut AnyConnection, rows: &[TargetRow]) -> Result<(), ApiError> {
    // Chunked: SQLite limits bound parameters per statement. Batch inserts are per backend:
    // the multi-backend connection has no multi-row VALUES.
    for chunk in rows.chunks(500) {
        let q = diesel::insert_into(rollout_hosts::table).values(chunk.to_vec());
        match conn {
            AnyConnection::Postgresql(c) => q.execute(c)?,
            AnyConnection::Sqlite(c) => q.execute(c)?,
        };
    }
    let mut per_zone: BTreeMap<(&str, &str, &str), i32> = BTreeMap::new();
    for r in rows {
        *per_zone
            .entry((r.deployment_id.as_str(), r.zone.as_str(), bucket(r.status)))
            .or_default() += 1;
    }
    for ((id, zone, b), n) in per_zone {
        bump(conn, id, zone, b, n)?;
    }
    Ok(())
}

pub fn all(conn: &mut AnyConnection, id: &str) -> Result<Vec<TargetRow>, ApiError> {
    Ok(rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .select(TargetRow::as_select())
        .order(rollout_hosts::position.asc())
        .load(conn)?)
}

pub fn get(conn: &mut AnyConnection, id: &str, host: &str) -> Result<Option<TargetRow>, ApiError> {
    Ok(rollout_hosts::table
        .find((id, host))
        .select(TargetRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn host_ids(conn: &mut AnyConnection, id: &str) -> Result<Vec<String>, ApiError> {
    Ok(rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .select(rollout_hosts::host_id)
        .load(conn)?)
}

pub fn max_position(conn: &mut AnyConnection, id: &str) -> Result<i32, ApiError> {
    Ok(rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .select(diesel::dsl::max(rollout_hosts::position))
        .first::<Option<i32>>(conn)?
        .unwrap_or(-1))
}

/// Targets in one of `statuses`.
pub fn with_status(
    conn: &mut AnyConnection,
    id: &str,
    statuses: &[HostTargetStatus],
) -> Result<Vec<TargetRow>, ApiError> {
    Ok(rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .filter(rollout_hosts::status.eq_any(statuses.to_vec()))
        .select(TargetRow::as_select())
        .order(rollout_hosts::position.asc())
        .load(conn)?)
}

/// Per-zone counts of a rollout.
pub fn zones(conn: &mut AnyConnection, id: &str) -> Result<BTreeMap<String, Counts>, ApiError> {
    let rows: Vec<ZoneRow> = rollout_zones::table
        .filter(rollout_zones::deployment_id.eq(id))
        .select(ZoneRow::as_select())
        .load(conn)?;
    let n = |v: i32| u64::try_from(v).unwrap_or(0);
    Ok(rows
        .into_iter()
        .map(|z| {
            (
                z.zone,
                Counts {
                    pending: n(z.pending),
                    in_flight: n(z.in_flight),
                    succeeded: n(z.succeeded),
                    failed: n(z.failed),
                    skipped: n(z.skipped),
                },
            )
        })
        .collect())
}

/// The zone of the first pending target in rollout order.
pub fn first_pending_zone(conn: &mut AnyConnection, id: &str) -> Result<Option<String>, ApiError> {
    Ok(rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .filter(rollout_hosts::status.eq(HostTargetStatus::Pending))
        .order(rollout_hosts::position.asc())
        .select(rollout_hosts::zone)
        .first(conn)
        .optional()?)
}

/// The next `limit` pending targets of `zone` in rollout order (below `max_position`, if set).
pub fn next_pending(
    conn: &mut AnyConnection,
    id: &str,
    zone: &str,
    limit: i64,
    max_position: Option<i32>,
) -> Result<Vec<TargetRow>, ApiError> {
    let mut q = rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .filter(rollout_hosts::zone.eq(zone))
        .filter(rollout_hosts::status.eq(HostTargetStatus::Pending))
        .select(TargetRow::as_select())
        .order(rollout_hosts::position.asc())
        .limit(limit)
        .into_boxed();
    if let Some(m) = max_position {
        q = q.filter(rollout_hosts::position.lt(m));
    }
    Ok(q.load(conn)?)
}

/// (pending, in flight) among the first `size` positions: the canary batch.
pub fn canary_counts(
    conn: &mut AnyConnection,
    id: &str,
    size: i32,
) -> Result<(u64, u64), ApiError> {
    let statuses: Vec<HostTargetStatus> = rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .filter(rollout_hosts::position.lt(size))
        .filter(rollout_hosts::status.eq_any([
            HostTargetStatus::Pending,
            HostTargetStatus::Dispatched,
            HostTargetStatus::InProgress,
        ]))
        .select(rollout_hosts::status)
        .load(conn)?;
    let pending = statuses
        .iter()
        .filter(|s| **s == HostTargetStatus::Pending)
        .count() as u64;
    Ok((pending, statuses.len() as u64 - pending))
}

/// What else changes with a target's status.
#[derive(Debug, Default, Clone)]
pub struct Change<'a> {
    pub command_id: Option<&'a str>,
    pub error: Option<(&'a str, &'a str)>,
    pub at: Option<NaiveDateTime>,
    /// Back to `Pending` for another attempt.
    pub next_attempt: bool,
}

/// Moves a target from one of `from` to `to` (fenced on its current status) and keeps the
/// zone counters in step. Returns whether this call moved it.
pub fn transition(
    conn: &mut AnyConnection,
    id: &str,
    host: &str,
    from: &[HostTargetStatus],
    to: HostTargetStatus,
    change: Change<'_>,
) -> Result<bool, ApiError> {
    let Some(t) = get(conn, id, host)? else {
        return Ok(false);
    };
    if !from.contains(&t.status) {
        return Ok(false);
    }
    let target = rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .filter(rollout_hosts::host_id.eq(host))
        .filter(rollout_hosts::status.eq(t.status));
    let at = change.at.unwrap_or_else(liftoff_kit::db::now);
    let n = match to {
        HostTargetStatus::Dispatched => diesel::update(target)
            .set((
                rollout_hosts::status.eq(to),
                rollout_hosts::command_id.eq(change.command_id),
                rollout_hosts::dispatched_at.eq(Some(at)),
                rollout_hosts::unreported.eq(true),
            ))
            .execute(conn)?,
        HostTargetStatus::InProgress => diesel::update(target)
            .set((
                rollout_hosts::status.eq(to),
                rollout_hosts::started_at.eq(Some(at)),
                rollout_hosts::unreported.eq(true),
            ))
            .execute(conn)?,
        HostTargetStatus::Pending if change.next_attempt => diesel::update(target)
            .set((
                rollout_hosts::status.eq(to),
                rollout_hosts::attempt.eq(rollout_hosts::attempt + 1),
                rollout_hosts::command_id.eq(None::<String>),
                rollout_hosts::error_code.eq(None::<String>),
                rollout_hosts::message.eq(None::<String>),
                rollout_hosts::started_at.eq(None::<NaiveDateTime>),
                rollout_hosts::completed_at.eq(None::<NaiveDateTime>),
                rollout_hosts::dispatched_at.eq(None::<NaiveDateTime>),
                rollout_hosts::unreported.eq(true),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set((
                rollout_hosts::status.eq(to),
                rollout_hosts::error_code.eq(change.error.map(|e| e.0)),
                rollout_hosts::message.eq(change.error.map(|e| e.1)),
                rollout_hosts::completed_at.eq(Some(at)),
                rollout_hosts::unreported.eq(true),
            ))
            .execute(conn)?,
    };
    if n != 1 {
        return Ok(false);
    }
    let (b_from, b_to) = (bucket(t.status), bucket(to));
    if b_from != b_to {
        bump(conn, id, &t.zone, b_from, -1)?;
        bump(conn, id, &t.zone, b_to, 1)?;
    }
    Ok(true)
}

/// Every pending target becomes `Skipped` (the rollout ended before they started).
pub fn skip_pending(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<usize, ApiError> {
    let n = diesel::update(
        rollout_hosts::table
            .filter(rollout_hosts::deployment_id.eq(id))
            .filter(rollout_hosts::status.eq(HostTargetStatus::Pending)),
    )
    .set((
        rollout_hosts::status.eq(HostTargetStatus::Skipped),
        rollout_hosts::completed_at.eq(Some(at)),
        rollout_hosts::unreported.eq(true),
    ))
    .execute(conn)?;
    if n > 0 {
        use rollout_zones::dsl as z;
        diesel::update(rollout_zones::table.filter(z::deployment_id.eq(id)))
            .set((z::skipped.eq(z::skipped + z::pending), z::pending.eq(0)))
            .execute(conn)?;
    }
    Ok(n)
}

/// Targets changed since the rollout's progress was last reported, in rollout order.
pub fn unreported(conn: &mut AnyConnection, id: &str) -> Result<Vec<TargetRow>, ApiError> {
    Ok(rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .filter(rollout_hosts::unreported.eq(true))
        .select(TargetRow::as_select())
        .order(rollout_hosts::position.asc())
        .load(conn)?)
}

/// Marks a target as changed (its lifecycle events moved on), for the next progress report.
pub fn mark_unreported(conn: &mut AnyConnection, id: &str, host: &str) -> Result<(), ApiError> {
    diesel::update(rollout_hosts::table.find((id, host)))
        .set(rollout_hosts::unreported.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Marks targets as reported.
pub fn mark_reported(conn: &mut AnyConnection, id: &str, hosts: &[String]) -> Result<(), ApiError> {
    for chunk in hosts.chunks(500) {
        diesel::update(
            rollout_hosts::table
                .filter(rollout_hosts::deployment_id.eq(id))
                .filter(rollout_hosts::host_id.eq_any(chunk)),
        )
        .set(rollout_hosts::unreported.eq(false))
        .execute(conn)?;
    }
    Ok(())
}
