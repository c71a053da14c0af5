//! Rollouts and their per-host targets.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use uuid::Uuid;

use crate::schema::{rollout_hosts, rollouts};

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
    pub status: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rollout_hosts)]
pub struct TargetRow {
    pub deployment_id: String,
    pub host_id: String,
    pub zone: String,
    pub position: i32,
    pub status: String,
    pub attempt: i32,
    pub command_id: Option<String>,
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
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
/// requests) advancing the same rollout take turns. SQLite's `BEGIN IMMEDIATE` already
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

pub fn active_ids(conn: &mut AnyConnection) -> Result<Vec<String>, ApiError> {
    Ok(rollouts::table
        .filter(rollouts::status.eq_any(["Pending", "InProgress"]))
        .select(rollouts::deployment_id)
        .order(rollouts::created_at.asc())
        .load(conn)?)
}

pub fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    from: &str,
    to: &str,
    error: Option<(&str, &str)>,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let terminal = matches!(to, "Succeeded" | "Failed" | "Stopped");
    let n = diesel::update(
        rollouts::table
            .filter(rollouts::deployment_id.eq(id))
            .filter(rollouts::status.eq(from)),
    )
    .set((
        rollouts::status.eq(to),
        rollouts::error_code.eq(error.map(|e| e.0)),
        rollouts::error_message.eq(error.map(|e| e.1)),
        rollouts::completed_at.eq(terminal.then_some(at)),
        rollouts::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn mark_started(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        rollouts::table
            .filter(rollouts::deployment_id.eq(id))
            .filter(rollouts::status.eq("Pending")),
    )
    .set((
        rollouts::status.eq("InProgress"),
        rollouts::started_at.eq(Some(at)),
        rollouts::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_targets(conn: &mut AnyConnection, rows: &[TargetRow]) -> Result<(), ApiError> {
    // Chunked: SQLite limits bound parameters per statement.
    // Batch inserts are per backend: the multi-backend has no multi-row VALUES.
    for chunk in rows.chunks(500) {
        let q = diesel::insert_into(rollout_hosts::table).values(chunk.to_vec());
        match conn {
            AnyConnection::Postgresql(c) => q.execute(c)?,
            AnyConnection::Sqlite(c) => q.execute(c)?,
        };
    }
    Ok(())
}

pub fn targets(conn: &mut AnyConnection, id: &str) -> Result<Vec<TargetRow>, ApiError> {
    Ok(rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .select(TargetRow::as_select())
        .order(rollout_hosts::position.asc())
        .load(conn)?)
}

/// Moves a target from one status to another (fenced on the old status).
#[allow(clippy::too_many_arguments)]
pub fn update_target(
    conn: &mut AnyConnection,
    id: &str,
    host: &str,
    from: &[&str],
    to: &str,
    command_id: Option<&str>,
    error: Option<(&str, &str)>,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let target = rollout_hosts::table
        .filter(rollout_hosts::deployment_id.eq(id))
        .filter(rollout_hosts::host_id.eq(host))
        .filter(rollout_hosts::status.eq_any(from.to_vec()));
    let n = match to {
        "Dispatched" => diesel::update(target)
            .set((
                rollout_hosts::status.eq(to),
                rollout_hosts::command_id.eq(command_id),
            ))
            .execute(conn)?,
        "InProgress" => diesel::update(target)
            .set((
                rollout_hosts::status.eq(to),
                rollout_hosts::started_at.eq(Some(at)),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set((
                rollout_hosts::status.eq(to),
                rollout_hosts::error_code.eq(error.map(|e| e.0)),
                rollout_hosts::message.eq(error.map(|e| e.1)),
                rollout_hosts::completed_at.eq(Some(at)),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Every not-yet-started target becomes `Skipped`.
pub fn skip_pending(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<usize, ApiError> {
    Ok(diesel::update(
        rollout_hosts::table
            .filter(rollout_hosts::deployment_id.eq(id))
            .filter(rollout_hosts::status.eq("Pending")),
    )
    .set((
        rollout_hosts::status.eq("Skipped"),
        rollout_hosts::completed_at.eq(Some(at)),
    ))
    .execute(conn)?)
}
