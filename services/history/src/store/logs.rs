//! Hook output, one row per command × lifecycle event.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::hook_logs;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hook_logs)]
pub struct HookLogRow {
    pub id: i64,
    pub command_id: String,
    pub event: String,
    pub deployment_id: String,
    pub host_id: String,
    pub revision_id: String,
    pub output: String,
    pub bytes: i64,
    pub original_bytes: i64,
    pub truncated: bool,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = hook_logs)]
pub struct NewHookLog {
    pub command_id: String,
    pub event: String,
    pub team: String,
    pub deployment_id: String,
    pub host_id: String,
    pub revision_id: String,
    pub output: String,
    pub bytes: i64,
    pub original_bytes: i64,
    pub truncated: bool,
    pub uploaded_at: NaiveDateTime,
}

/// The log of one command × event, if uploaded.
pub fn get(
    conn: &mut AnyConnection,
    command_id: &str,
    event: &str,
) -> Result<Option<HookLogRow>, ApiError> {
    Ok(hook_logs::table
        .filter(hook_logs::command_id.eq(command_id))
        .filter(hook_logs::event.eq(event))
        .select(HookLogRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a log; an upload again (a retried request) replaces it and keeps its place.
pub fn put(conn: &mut AnyConnection, log: &NewHookLog) -> Result<(), ApiError> {
    match get(conn, &log.command_id, &log.event)? {
        Some(existing) => {
            diesel::update(hook_logs::table.find(existing.id))
                .set(log)
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(hook_logs::table)
                .values(log)
                .execute(conn)?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub team: Option<String>,
    pub deployment_id: String,
    pub host_id: Option<String>,
    pub event: Option<String>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

/// A deployment's logs in upload order.
pub fn list(conn: &mut AnyConnection, f: &LogFilter) -> Result<Vec<HookLogRow>, ApiError> {
    let mut q = hook_logs::table
        .filter(hook_logs::deployment_id.eq(f.deployment_id.clone()))
        .select(HookLogRow::as_select())
        .into_boxed();
    if let Some(t) = &f.team {
        q = q.filter(hook_logs::team.eq(t.clone()));
    }
    if let Some(h) = &f.host_id {
        q = q.filter(hook_logs::host_id.eq(h.clone()));
    }
    if let Some(e) = &f.event {
        q = q.filter(hook_logs::event.eq(e.clone()));
    }
    if let Some(id) = f.after_id {
        q = q.filter(hook_logs::id.gt(id));
    }
    Ok(q.order(hook_logs::id.asc()).limit(f.limit).load(conn)?)
}
