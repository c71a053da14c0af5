//! Commands for agents that ride on heartbeat answers (scale-in: ApplicationStop).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::registry::{HostCommandKind, HostCommandStatus};

use crate::schema::host_commands;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = host_commands)]
pub struct HostCommandRow {
    pub id: String,
    pub host_id: String,
    pub kind: HostCommandKind,
    pub action_id: Option<String>,
    pub status: HostCommandStatus,
    pub message: Option<String>,
    pub output_tail: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut AnyConnection, row: &HostCommandRow) -> Result<(), ApiError> {
    diesel::insert_into(host_commands::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<HostCommandRow>, ApiError> {
    Ok(host_commands::table
        .find(id)
        .select(HostCommandRow::as_select())
        .first(conn)
        .optional()?)
}

/// Commands of a host not answered yet, oldest first.
pub fn open_for(conn: &mut AnyConnection, host_id: &str) -> Result<Vec<HostCommandRow>, ApiError> {
    Ok(host_commands::table
        .filter(host_commands::host_id.eq(host_id))
        .filter(host_commands::status.eq_any(HostCommandStatus::OPEN))
        .select(HostCommandRow::as_select())
        .order(host_commands::created_at.asc())
        .load(conn)?)
}

/// Hosts with a command of `kind` waiting to be handed over (at most 1,000).
pub fn hosts_waiting(
    conn: &mut AnyConnection,
    kind: HostCommandKind,
) -> Result<Vec<String>, ApiError> {
    Ok(host_commands::table
        .filter(host_commands::status.eq(HostCommandStatus::Pending))
        .filter(host_commands::kind.eq(kind))
        .select(host_commands::host_id)
        .distinct()
        .limit(1000)
        .load(conn)?)
}

/// Every open command (for the background check of unreachable agents).
pub fn all_open(conn: &mut AnyConnection) -> Result<Vec<HostCommandRow>, ApiError> {
    Ok(host_commands::table
        .filter(host_commands::status.eq_any(HostCommandStatus::OPEN))
        .select(HostCommandRow::as_select())
        .order(host_commands::created_at.asc())
        .limit(500)
        .load(conn)?)
}

pub fn mark_delivered(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(
        host_commands::table
            .filter(host_commands::id.eq(id))
            .filter(host_commands::status.eq(HostCommandStatus::Pending)),
    )
    .set((
        host_commands::status.eq(HostCommandStatus::Delivered),
        host_commands::delivered_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records the answer, once: false if the command was already answered or abandoned.
pub fn complete(
    conn: &mut AnyConnection,
    id: &str,
    status: HostCommandStatus,
    message: Option<&str>,
    output_tail: Option<&str>,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        host_commands::table
            .filter(host_commands::id.eq(id))
            .filter(host_commands::status.eq_any(HostCommandStatus::OPEN)),
    )
    .set((
        host_commands::status.eq(status),
        host_commands::message.eq(message),
        host_commands::output_tail.eq(output_tail),
        host_commands::completed_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
