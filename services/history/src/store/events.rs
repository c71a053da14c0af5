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

pub fn exists(conn: &mut AnyConnection, event_id: &str) -> Result<bool, ApiError> {
    let n: i64 = events::table
        .filter(events::event_id.eq(event_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert(conn: &mut AnyConnection, ev: &NewEvent) -> Result<(), ApiError> {
    diesel::insert_into(events::table)
        .values(ev.clone())
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub team: Option<String>,
    pub deployment_id: Option<String>,
    pub host_id: Option<String>,
    pub application: Option<String>,
    pub event_type: Option<String>,
    /// Exclusive bound on `seq` in the direction of travel.
    pub after_seq: Option<i64>,
    pub newest_first: bool,
    pub limit: i64,
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
    if let Some(t) = &f.event_type {
        q = q.filter(events::event_type.eq(t.clone()));
    }
    q = match (f.after_seq, f.newest_first) {
        (Some(s), false) => q.filter(events::seq.gt(s)).order(events::seq.asc()),
        (Some(s), true) => q.filter(events::seq.lt(s)).order(events::seq.desc()),
        (None, false) => q.order(events::seq.asc()),
        (None, true) => q.order(events::seq.desc()),
    };
    Ok(q.limit(f.limit).load(conn)?)
}
