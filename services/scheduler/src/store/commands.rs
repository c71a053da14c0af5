//! Host commands and their per-event reports.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::scheduler::{CommandStatus, EventStatus};

use crate::schema::{command_events, host_commands};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = host_commands)]
pub struct CommandRow {
    pub id: String,
    pub deployment_id: String,
    pub host_id: String,
    pub attempt: i32,
    pub payload: String,
    pub status: CommandStatus,
    pub created_at: NaiveDateTime,
    pub acked_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub error_code: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = command_events)]
pub struct EventRow {
    pub command_id: String,
    pub event: String,
    pub status: EventStatus,
    pub exit_code: Option<i32>,
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub output_tail: String,
    pub output_truncated: bool,
}

/// A command an agent has yet to finish: waiting to be picked up, or acknowledged and running.
const WAITING_OR_RUNNING: [CommandStatus; 2] =
    [CommandStatus::Dispatched, CommandStatus::InProgress];

/// Inserts commands; the unique (deployment, host, attempt) index refuses a second dispatch.
pub fn insert(conn: &mut AnyConnection, rows: &[CommandRow]) -> Result<(), ApiError> {
    for chunk in rows.chunks(200) {
        let q = diesel::insert_into(host_commands::table).values(chunk.to_vec());
        match conn {
            AnyConnection::Postgresql(c) => q.execute(c)?,
            AnyConnection::Sqlite(c) => q.execute(c)?,
        };
    }
    Ok(())
}

/// Commands waiting for an agent, created at or after `since`: how a replica learns of
/// commands other replicas dispatched, to wake its own long polls.
pub fn dispatched_since(
    conn: &mut AnyConnection,
    since: NaiveDateTime,
) -> Result<Vec<(String, String, NaiveDateTime)>, ApiError> {
    Ok(host_commands::table
        .filter(host_commands::status.eq(CommandStatus::Dispatched))
        .filter(host_commands::created_at.ge(since))
        .select((
            host_commands::id,
            host_commands::host_id,
            host_commands::created_at,
        ))
        .limit(10_000)
        .load(conn)?)
}

/// A rollout's commands in `status` created (or acknowledged, for `InProgress`) before `cutoff`.
pub fn stale_of(
    conn: &mut AnyConnection,
    deployment_id: &str,
    status: CommandStatus,
    cutoff: NaiveDateTime,
) -> Result<Vec<CommandRow>, ApiError> {
    let q = host_commands::table
        .filter(host_commands::deployment_id.eq(deployment_id))
        .filter(host_commands::status.eq(status))
        .select(CommandRow::as_select())
        .into_boxed();
    let q = if status == CommandStatus::InProgress {
        q.filter(host_commands::acked_at.lt(cutoff))
    } else {
        q.filter(host_commands::created_at.lt(cutoff))
    };
    Ok(q.limit(1000).load(conn)?)
}

/// A rollout's commands that are waiting or running on any of `hosts`.
pub fn in_flight_on(
    conn: &mut AnyConnection,
    deployment_id: &str,
    hosts: &[String],
) -> Result<Vec<CommandRow>, ApiError> {
    let mut out = Vec::new();
    for chunk in hosts.chunks(500) {
        out.extend(
            host_commands::table
                .filter(host_commands::deployment_id.eq(deployment_id))
                .filter(host_commands::status.eq_any(WAITING_OR_RUNNING))
                .filter(host_commands::host_id.eq_any(chunk.to_vec()))
                .select(CommandRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<CommandRow>, ApiError> {
    Ok(host_commands::table
        .find(id)
        .select(CommandRow::as_select())
        .first(conn)
        .optional()?)
}

/// Commands a host's poll is offered: those waiting for it to pick them up, and those it
/// acknowledged and has not finished (re-offered, so an agent that never heard the answer to
/// its acknowledgement acknowledges again and learns it; see `app::poll::poll`).
pub fn offered_to(conn: &mut AnyConnection, host: &str) -> Result<Vec<CommandRow>, ApiError> {
    Ok(host_commands::table
        .filter(host_commands::host_id.eq(host))
        // Two `=` rather than `IN`: diesel caches no statement with `eq_any` on SQLite, and
        // this one runs at every long poll (SQL preparation was 9 % of an idle 10,000-host
        // fleet's control-plane CPU).
        .filter(
            host_commands::status
                .eq(WAITING_OR_RUNNING[0])
                .or(host_commands::status.eq(WAITING_OR_RUNNING[1])),
        )
        .select(CommandRow::as_select())
        .order(host_commands::created_at.asc())
        .limit(10)
        .load(conn)?)
}

/// Fenced status change: only from one of `from`.
pub fn transition(
    conn: &mut AnyConnection,
    id: &str,
    from: &[CommandStatus],
    to: CommandStatus,
    error: Option<(&str, &str)>,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let target = host_commands::table
        .filter(host_commands::id.eq(id))
        .filter(host_commands::status.eq_any(from.to_vec()));
    let n = if to == CommandStatus::InProgress {
        diesel::update(target)
            .set((
                host_commands::status.eq(to),
                host_commands::acked_at.eq(Some(at)),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((
                host_commands::status.eq(to),
                host_commands::completed_at.eq(Some(at)),
                host_commands::error_code.eq(error.map(|e| e.0)),
                host_commands::message.eq(error.map(|e| e.1)),
            ))
            .execute(conn)?
    };
    Ok(n == 1)
}

pub fn dispatched_of_rollout(
    conn: &mut AnyConnection,
    deployment_id: &str,
) -> Result<Vec<CommandRow>, ApiError> {
    Ok(host_commands::table
        .filter(host_commands::deployment_id.eq(deployment_id))
        .filter(host_commands::status.eq(CommandStatus::Dispatched))
        .select(CommandRow::as_select())
        .load(conn)?)
}

/// The status of each event of `command` recorded so far (without the output tails).
pub fn event_statuses(
    conn: &mut AnyConnection,
    command: &str,
) -> Result<Vec<(String, EventStatus)>, ApiError> {
    Ok(command_events::table
        .filter(command_events::command_id.eq(command))
        .select((command_events::event, command_events::status))
        .load(conn)?)
}

/// Inserts new events with multi-row inserts (per backend: the multi-backend connection has
/// no multi-row VALUES).
pub fn insert_events(conn: &mut AnyConnection, rows: &[EventRow]) -> Result<(), ApiError> {
    // 10 columns a row: well under SQLite's bound-parameter limit.
    for chunk in rows.chunks(100) {
        let q = diesel::insert_into(command_events::table).values(chunk);
        match conn {
            AnyConnection::Postgresql(c) => q.execute(c)?,
            AnyConnection::Sqlite(c) => q.execute(c)?,
        };
    }
    Ok(())
}

/// Ends the events of `command` still `InProgress` as `Failed` with `error`: their command
/// was failed from outside (its host lost, or out of time), so they never report an end.
/// Returns the events concluded.
pub fn conclude_running_events(
    conn: &mut AnyConnection,
    command: &str,
    error: (&str, &str),
    at: NaiveDateTime,
) -> Result<Vec<EventRow>, ApiError> {
    let running: Vec<EventRow> = command_events::table
        .filter(command_events::command_id.eq(command))
        .filter(command_events::status.eq(EventStatus::InProgress))
        .select(EventRow::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(running.len());
    for mut e in running {
        let n = diesel::update(
            command_events::table
                .find((&e.command_id, &e.event))
                .filter(command_events::status.eq(EventStatus::InProgress)),
        )
        .set((
            command_events::status.eq(EventStatus::Failed),
            command_events::error_code.eq(Some(error.0)),
            command_events::message.eq(Some(error.1)),
            command_events::ended_at.eq(Some(at.max(e.started_at))),
        ))
        .execute(conn)?;
        if n == 1 {
            e.status = EventStatus::Failed;
            e.error_code = Some(error.0.into());
            e.message = Some(error.1.into());
            e.ended_at = Some(at.max(e.started_at));
            out.push(e);
        }
    }
    Ok(out)
}

pub fn upsert_event(
    conn: &mut AnyConnection,
    row: &EventRow,
    exists: bool,
) -> Result<(), ApiError> {
    if exists {
        diesel::update(command_events::table.find((&row.command_id, &row.event)))
            .set((
                command_events::status.eq(row.status),
                command_events::exit_code.eq(row.exit_code),
                command_events::error_code.eq(&row.error_code),
                command_events::message.eq(&row.message),
                command_events::started_at.eq(row.started_at),
                command_events::ended_at.eq(row.ended_at),
                command_events::output_tail.eq(&row.output_tail),
                command_events::output_truncated.eq(row.output_truncated),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(command_events::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

pub fn events_of(
    conn: &mut AnyConnection,
    command_ids: &[String],
) -> Result<Vec<EventRow>, ApiError> {
    let mut out = Vec::new();
    for chunk in command_ids.chunks(500) {
        out.extend(
            command_events::table
                .filter(command_events::command_id.eq_any(chunk.to_vec()))
                .select(EventRow::as_select())
                .order((
                    command_events::command_id.asc(),
                    command_events::started_at.asc(),
                ))
                .load(conn)?,
        );
    }
    Ok(out)
}
