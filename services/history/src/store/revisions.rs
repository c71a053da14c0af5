//! Which revision runs where: the current table and its time spans.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::{host_revision_spans, host_revisions};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = host_revisions)]
pub struct HostRevisionRow {
    pub host_id: String,
    pub application: String,
    pub team: String,
    pub deployment_group: Option<String>,
    pub revision_id: String,
    pub deployment_id: String,
    pub since: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = host_revision_spans)]
struct NewSpan<'a> {
    host_id: &'a str,
    application: &'a str,
    team: &'a str,
    deployment_group: Option<&'a str>,
    revision_id: &'a str,
    deployment_id: &'a str,
    started_at: NaiveDateTime,
    ended_at: Option<NaiveDateTime>,
}

pub fn current(
    conn: &mut AnyConnection,
    host_id: &str,
    application: &str,
) -> Result<Option<HostRevisionRow>, ApiError> {
    Ok(host_revisions::table
        .find((host_id, application))
        .select(HostRevisionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records that `row.host_id` runs `row.revision_id` from `row.since` on: replaces the current
/// row and closes the open span, unless a newer fact is already recorded (late delivery).
pub fn set_current(conn: &mut AnyConnection, row: &HostRevisionRow) -> Result<(), ApiError> {
    if let Some(cur) = current(conn, &row.host_id, &row.application)? {
        if cur.since > row.since {
            return Ok(());
        }
        diesel::update(host_revisions::table.find((&row.host_id, &row.application)))
            .set((
                host_revisions::team.eq(&row.team),
                host_revisions::deployment_group.eq(&row.deployment_group),
                host_revisions::revision_id.eq(&row.revision_id),
                host_revisions::deployment_id.eq(&row.deployment_id),
                host_revisions::since.eq(row.since),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(host_revisions::table)
            .values(row.clone())
            .execute(conn)?;
    }
    close_spans(conn, &row.host_id, Some(&row.application), row.since)?;
    diesel::insert_into(host_revision_spans::table)
        .values(NewSpan {
            host_id: &row.host_id,
            application: &row.application,
            team: &row.team,
            deployment_group: row.deployment_group.as_deref(),
            revision_id: &row.revision_id,
            deployment_id: &row.deployment_id,
            started_at: row.since,
            ended_at: None,
        })
        .execute(conn)?;
    Ok(())
}

/// Ends the open spans of a host (for one application, or all), e.g. when it leaves the fleet.
pub fn close_spans(
    conn: &mut AnyConnection,
    host_id: &str,
    application: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let mut q = diesel::update(host_revision_spans::table)
        .filter(host_revision_spans::host_id.eq(host_id))
        .filter(host_revision_spans::ended_at.is_null())
        .into_boxed();
    if let Some(app) = application {
        q = q.filter(host_revision_spans::application.eq(app));
    }
    q.set(host_revision_spans::ended_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

pub fn remove_host(
    conn: &mut AnyConnection,
    host_id: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    close_spans(conn, host_id, None, at)?;
    diesel::delete(host_revisions::table.filter(host_revisions::host_id.eq(host_id)))
        .execute(conn)?;
    Ok(())
}

pub fn list_current(
    conn: &mut AnyConnection,
    team: Option<&str>,
    application: Option<&str>,
    revision_id: Option<&str>,
) -> Result<Vec<HostRevisionRow>, ApiError> {
    let mut q = host_revisions::table
        .select(HostRevisionRow::as_select())
        .into_boxed();
    if let Some(t) = team {
        q = q.filter(host_revisions::team.eq(t.to_string()));
    }
    if let Some(a) = application {
        q = q.filter(host_revisions::application.eq(a.to_string()));
    }
    if let Some(r) = revision_id {
        q = q.filter(host_revisions::revision_id.eq(r.to_string()));
    }
    Ok(q.order((
        host_revisions::application.asc(),
        host_revisions::host_id.asc(),
    ))
    .load(conn)?)
}
