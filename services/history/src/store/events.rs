//! The event log.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::events;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent {
    pub event_id: String,
    pub source: String,
    pub event_type: String,
    pub occurred_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub team: Option<String>,
    pub actor: Option<String>,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub deployment_id: Option<String>,
    pub host_id: Option<String>,
    pub revision_id: Option<String>,
    pub data: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub seq: i64,
    pub event_id: String,
    pub source: String,
    pub event_type: String,
    pub occurred_at: NaiveDateTime,
    pub recorded_at: NaiveDateTime,
    pub team: Option<String>,
    pub actor: Option<String>,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub deployment_id: Option<String>,
    pub host_id: Option<String>,
    pub revision_id: Option<String>,
    pub data: String,
}

/// Which of `event_ids` the log already holds.
pub fn existing(
    conn: &mut AnyConnection,
    event_ids: &[String],
) -> Result<std::collections::HashSet<String>, ApiError> {
    let found: Vec<String> = events::table
        .filter(events::event_id.eq_any(event_ids))
        .select(events::event_id)
        .load(conn)?;
    Ok(found.into_iter().collect())
}

pub fn insert(conn: &mut AnyConnection, ev: &NewEvent) -> Result<(), ApiError> {
    diesel::insert_into(events::table)
        .values(ev.clone())
        .execute(conn)?;
    Ok(())
}

/// Appends `evs` in order with multi-row inserts (the multi-backend connection has none, so
/// per backend); `seq` follows the order given.
pub fn insert_all(conn: &mut AnyConnection, evs: &[NewEvent]) -> Result<(), ApiError> {
    // 14 columns a row: well under SQLite's bound-parameter limit.
    for chunk in evs.chunks(200) {
        match conn {
            AnyConnection::Postgresql(c) => {
                diesel::insert_into(events::table)
                    .values(chunk)
                    .execute(c)?;
            }
            AnyConnection::Sqlite(c) => {
                diesel::insert_into(events::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// How `event_type` is matched.
#[derive(Debug, Clone)]
pub enum TypeMatch {
    Exact(String),
    /// Every type starting with this (e.g. `deployment.`).
    Prefix(String),
}

#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub team: Option<String>,
    pub deployment_id: Option<String>,
    pub host_id: Option<String>,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub revision_id: Option<String>,
    pub source: Option<String>,
    pub actor: Option<String>,
    /// Only events with an actor (the audit log).
    pub with_actor: bool,
    pub event_type: Option<TypeMatch>,
    /// `occurred_at >= since`.
    pub since: Option<NaiveDateTime>,
    /// `occurred_at < until`.
    pub until: Option<NaiveDateTime>,
    /// Exclusive bound on `seq` in the direction of travel.
    pub after_seq: Option<i64>,
    pub newest_first: bool,
    pub limit: i64,
}

/// The smallest string greater than every string starting with `prefix`.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(u32::from(last) + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

pub fn list(conn: &mut AnyConnection, f: &EventFilter) -> Result<Vec<EventRow>, ApiError> {
    let mut q = events::table.select(EventRow::as_select()).into_boxed();
    if let Some(t) = &f.team {
        q = q.filter(events::team.eq(t.clone()));
    }
    if let Some(d) = &f.deployment_id {
        q = q.filter(events::deployment_id.eq(d.clone()));
    }
    if let Some(h) = &f.host_id {
        q = q.filter(events::host_id.eq(h.clone()));
    }
    if let Some(a) = &f.application {
        q = q.filter(events::application.eq(a.clone()));
    }
    if let Some(g) = &f.deployment_group {
        q = q.filter(events::deployment_group.eq(g.clone()));
    }
    if let Some(r) = &f.revision_id {
        q = q.filter(events::revision_id.eq(r.clone()));
    }
    if let Some(s) = &f.source {
        q = q.filter(events::source.eq(s.clone()));
    }
    if let Some(a) = &f.actor {
        q = q.filter(events::actor.eq(a.clone()));
    }
    if f.with_actor {
        q = q.filter(events::actor.is_not_null());
    }
    match &f.event_type {
        Some(TypeMatch::Exact(t)) => q = q.filter(events::event_type.eq(t.clone())),
        Some(TypeMatch::Prefix(p)) => {
            q = q.filter(events::event_type.ge(p.clone()));
            if let Some(end) = prefix_end(p) {
                q = q.filter(events::event_type.lt(end));
            }
        }
        None => {}
    }
    if let Some(t) = f.since {
        q = q.filter(events::occurred_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(events::occurred_at.lt(t));
    }
    q = match (f.after_seq, f.newest_first) {
        (Some(s), false) => q.filter(events::seq.gt(s)).order(events::seq.asc()),
        (Some(s), true) => q.filter(events::seq.lt(s)).order(events::seq.desc()),
        (None, false) => q.order(events::seq.asc()),
        (None, true) => q.order(events::seq.desc()),
    };
    Ok(q.limit(f.limit).load(conn)?)
}

/// Makes `seq` order equal commit order on PostgreSQL: concurrent ingests would otherwise
/// commit a higher `seq` before a lower one, and a reader paging by `seq` could skip the
/// lower one forever. (SQLite writers are serialized already.)
pub fn serialize_appends(conn: &mut AnyConnection) -> Result<(), ApiError> {
    if let AnyConnection::Postgresql(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('liftoff-history-append'))")
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_bounds_every_string_with_the_prefix() {
        assert_eq!(prefix_end("deployment.").as_deref(), Some("deployment/"));
        assert_eq!(prefix_end("host.").as_deref(), Some("host/"));
        assert!("deployment.zzz" < "deployment/");
        assert!("deployment_group.created" > "deployment/");
    }
}
