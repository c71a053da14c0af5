//! Rollouts: the row, its lock, its lease, and its gates.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::scheduler::RolloutStatus;
use uuid::Uuid;

use crate::schema::rollouts;

/// Statuses in which a rollout still needs work.
pub const ACTIVE: [RolloutStatus; 4] = [
    RolloutStatus::Pending,
    RolloutStatus::InProgress,
    RolloutStatus::Paused,
    RolloutStatus::AwaitingApproval,
];

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rollouts)]
pub struct RolloutRow {
    pub deployment_id: String,
    pub team: String,
    pub application: String,
    pub deployment_group: String,
    pub deployment_group_id: String,
    pub revision_id: String,
    pub spec: String,
    pub status: RolloutStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub canary_hosts: i32,
    pub approved_at: Option<NaiveDateTime>,
    pub current_zone: Option<String>,
    pub gate_until: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
    pub lease_epoch: i64,
    pub lease_expires_at: Option<NaiveDateTime>,
    /// The number of the last progress report (see `app/progress.rs`).
    pub report_seq: i64,
    /// The W3C trace context its dispatches continue (see `app/engine.rs` `dispatch`).
    pub traceparent: Option<String>,
    /// Why it starts no new host now (`outside_window`, `frozen`; see `app/gates.rs`).
    pub waiting_for: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, row: &RolloutRow) -> Result<(), ApiError> {
    diesel::insert_into(rollouts::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut AnyConnection, id: Uuid) -> Result<Option<RolloutRow>, ApiError> {
    Ok(rollouts::table
        .find(id.to_string())
        .select(RolloutRow::as_select())
        .first(conn)
        .optional()?)
}

/// Takes the row lock of a rollout for the rest of the transaction, so two replicas (or two
/// requests) changing the same rollout take turns. SQLite's `BEGIN IMMEDIATE` already
/// serializes writers.
pub fn lock(conn: &mut AnyConnection, id: Uuid) -> Result<(), ApiError> {
    if let AnyConnection::Postgresql(c) = conn {
        // `id` is a parsed UUID, so formatting it into SQL is safe.
        c.batch_execute(&format!(
            "SELECT deployment_id FROM rollouts WHERE deployment_id = '{id}' FOR UPDATE"
        ))?;
    }
    Ok(())
}

/// The group's most recent finished rollout created before `before`.
pub fn previous_in_group(
    conn: &mut AnyConnection,
    group_id: &str,
    before: NaiveDateTime,
    except: &str,
) -> Result<Option<String>, ApiError> {
    Ok(rollouts::table
        .filter(rollouts::deployment_group_id.eq(group_id))
        .filter(rollouts::created_at.le(before))
        .filter(rollouts::deployment_id.ne(except))
        .filter(rollouts::status.eq_any([
            RolloutStatus::Succeeded,
            RolloutStatus::Failed,
            RolloutStatus::Stopped,
        ]))
        .order(rollouts::created_at.desc())
        .select(rollouts::deployment_id)
        .first(conn)
        .optional()?)
}

/// Fenced status change: only from `from`.
pub fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    from: RolloutStatus,
    to: RolloutStatus,
    error: Option<(&str, &str)>,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let terminal = to.is_terminal();
    let target = rollouts::table
        .filter(rollouts::deployment_id.eq(id))
        .filter(rollouts::status.eq(from));
    let n = if terminal {
        diesel::update(target)
            .set((
                rollouts::status.eq(to),
                rollouts::error_code.eq(error.map(|e| e.0)),
                rollouts::error_message.eq(error.map(|e| e.1)),
                rollouts::completed_at.eq(Some(at)),
                rollouts::lease_owner.eq(None::<String>),
                rollouts::lease_expires_at.eq(None::<NaiveDateTime>),
                rollouts::updated_at.eq(at),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((rollouts::status.eq(to), rollouts::updated_at.eq(at)))
            .execute(conn)?
    };
    Ok(n == 1)
}

pub fn mark_started(
    conn: &mut AnyConnection,
    id: &str,
    canary_hosts: i32,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        rollouts::table
            .filter(rollouts::deployment_id.eq(id))
            .filter(rollouts::status.eq(RolloutStatus::Pending)),
    )
    .set((
        rollouts::status.eq(RolloutStatus::InProgress),
        rollouts::started_at.eq(Some(at)),
        rollouts::canary_hosts.eq(canary_hosts),
        rollouts::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// `zone-at-a-time`: records the zone being updated and ends the bake.
pub fn enter_zone(conn: &mut AnyConnection, id: &str, zone: &str) -> Result<(), ApiError> {
    diesel::update(rollouts::table.find(id))
        .set((
            rollouts::current_zone.eq(Some(zone)),
            rollouts::gate_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn start_bake(
    conn: &mut AnyConnection,
    id: &str,
    until: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(rollouts::table.find(id))
        .set(rollouts::gate_until.eq(Some(until)))
        .execute(conn)?;
    Ok(())
}

/// Ends a bake gate (the next batch starts).
pub fn end_bake(conn: &mut AnyConnection, id: &str) -> Result<(), ApiError> {
    diesel::update(rollouts::table.find(id))
        .set(rollouts::gate_until.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

/// Approves the rest of the fleet after the canary batch (fenced on `AwaitingApproval`).
pub fn approve(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<bool, ApiError> {
    let n = diesel::update(
        rollouts::table
            .filter(rollouts::deployment_id.eq(id))
            .filter(rollouts::status.eq(RolloutStatus::AwaitingApproval)),
    )
    .set((
        rollouts::status.eq(RolloutStatus::InProgress),
        rollouts::approved_at.eq(Some(at)),
        rollouts::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A lease on a rollout's background work: the owner and the epoch its writes are fenced on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub deployment_id: String,
    pub epoch: i64,
}

/// Claims (or renews) up to `limit` active rollouts for `owner`: those it holds already and
/// those whose lease expired by the database clock. A new owner bumps the epoch, so writes
/// of the previous owner, fenced on the old epoch, no longer apply. PostgreSQL skips rows
/// another replica is claiming at the same moment (`FOR UPDATE SKIP LOCKED`).
pub fn claim(
    conn: &mut AnyConnection,
    owner: &str,
    ttl: chrono::Duration,
    limit: i64,
) -> Result<Vec<Lease>, ApiError> {
    let now = super::db_now(conn)?;
    let query = rollouts::table
        .filter(rollouts::status.eq_any(ACTIVE))
        .filter(
            rollouts::lease_owner
                .eq(owner)
                .or(rollouts::lease_expires_at.is_null())
                .or(rollouts::lease_expires_at.lt(now)),
        )
        .order(rollouts::created_at.asc())
        .select((
            rollouts::deployment_id,
            rollouts::lease_owner,
            rollouts::lease_epoch,
        ))
        .limit(limit);
    let rows: Vec<(String, Option<String>, i64)> = match conn {
        AnyConnection::Postgresql(c) => query.for_update().skip_locked().load(c)?,
        AnyConnection::Sqlite(c) => query.load(c)?,
    };
    let mut out = Vec::with_capacity(rows.len());
    for (id, current, epoch) in rows {
        let epoch = if current.as_deref() == Some(owner) {
            epoch
        } else {
            epoch + 1
        };
        diesel::update(rollouts::table.find(&id))
            .set((
                rollouts::lease_owner.eq(Some(owner)),
                rollouts::lease_epoch.eq(epoch),
                rollouts::lease_expires_at.eq(Some(now + ttl)),
            ))
            .execute(conn)?;
        out.push(Lease {
            deployment_id: id,
            epoch,
        });
    }
    Ok(out)
}

/// Whether `owner` still holds `lease` (same epoch, not expired by the database clock).
/// Call after `lock`, so the answer holds until the transaction ends.
pub fn holds(conn: &mut AnyConnection, owner: &str, lease: &Lease) -> Result<bool, ApiError> {
    let now = super::db_now(conn)?;
    let n: i64 = rollouts::table
        .filter(rollouts::deployment_id.eq(&lease.deployment_id))
        .filter(rollouts::lease_owner.eq(owner))
        .filter(rollouts::lease_epoch.eq(lease.epoch))
        .filter(rollouts::lease_expires_at.gt(now))
        .count()
        .get_result(conn)?;
    Ok(n == 1)
}

/// What the rollout's last progress report said (its summary), if any went.
pub fn reported(conn: &mut AnyConnection, id: &str) -> Result<Option<String>, ApiError> {
    Ok(rollouts::table
        .find(id)
        .select(rollouts::reported)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Records what a report says and numbers it: returns its number (1, 2, ...).
pub fn set_reported(conn: &mut AnyConnection, id: &str, summary: &str) -> Result<i64, ApiError> {
    diesel::update(rollouts::table.find(id))
        .set((
            rollouts::reported.eq(Some(summary)),
            rollouts::report_seq.eq(rollouts::report_seq + 1),
        ))
        .execute(conn)?;
    Ok(rollouts::table
        .find(id)
        .select(rollouts::report_seq)
        .first(conn)?)
}
