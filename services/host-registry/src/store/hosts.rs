//! Hosts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::hosts;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = hosts)]
pub struct HostRow {
    pub id: String,
    pub team: String,
    pub name: String,
    pub zone: String,
    pub tags: String,
    pub state: String,
    pub agent_version: Option<String>,
    pub credential_id: String,
    pub enrollment_token_id: String,
    pub last_heartbeat_at: Option<NaiveDateTime>,
    pub enrolled_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deregistered_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut AnyConnection, row: &HostRow) -> Result<(), ApiError> {
    diesel::insert_into(hosts::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<HostRow>, ApiError> {
    Ok(hosts::table
        .find(id)
        .select(HostRow::as_select())
        .first(conn)
        .optional()?)
}

/// Hosts of a team (or of every team), not deregistered, ordered by enrollment; only those
/// in `state` if given (the scheduler asks for `Lost` ones every second).
pub fn list(
    conn: &mut AnyConnection,
    team: Option<&str>,
    state: Option<&str>,
) -> Result<Vec<HostRow>, ApiError> {
    let mut q = hosts::table
        .filter(hosts::state.ne("Deregistered"))
        .select(HostRow::as_select())
        .order((hosts::enrolled_at.asc(), hosts::id.asc()))
        .into_boxed();
    if let Some(t) = team {
        q = q.filter(hosts::team.eq(t.to_string()));
    }
    if let Some(s) = state {
        q = q.filter(hosts::state.eq(s.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn record_heartbeat(
    conn: &mut AnyConnection,
    id: &str,
    at: NaiveDateTime,
    agent_version: Option<&str>,
    new_state: &str,
) -> Result<(), ApiError> {
    let target = hosts::table.filter(hosts::id.eq(id));
    match agent_version {
        Some(v) => diesel::update(target)
            .set((
                hosts::last_heartbeat_at.eq(Some(at)),
                hosts::agent_version.eq(Some(v)),
                hosts::state.eq(new_state),
                hosts::updated_at.eq(at),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                hosts::last_heartbeat_at.eq(Some(at)),
                hosts::state.eq(new_state),
                hosts::updated_at.eq(at),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Moves a host from `from` to `to`; false if it was no longer in `from`.
pub fn transition(
    conn: &mut AnyConnection,
    id: &str,
    from: &str,
    to: &str,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        hosts::table
            .filter(hosts::id.eq(id))
            .filter(hosts::state.eq(from)),
    )
    .set((hosts::state.eq(to), hosts::updated_at.eq(at)))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn deregister(conn: &mut AnyConnection, id: &str, at: NaiveDateTime) -> Result<(), ApiError> {
    diesel::update(hosts::table.filter(hosts::id.eq(id)))
        .set((
            hosts::state.eq("Deregistered"),
            hosts::deregistered_at.eq(Some(at)),
            hosts::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Hosts in a live state whose last heartbeat is older than `cutoff`.
pub fn silent_since(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
) -> Result<Vec<HostRow>, ApiError> {
    Ok(hosts::table
        .filter(hosts::state.eq_any(["Pending", "Installing", "InService", "Failed"]))
        .filter(hosts::last_heartbeat_at.lt(cutoff))
        .select(HostRow::as_select())
        .load(conn)?)
}
