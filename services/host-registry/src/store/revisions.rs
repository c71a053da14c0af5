//! Each host's current revision per application.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::host_revisions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = host_revisions)]
pub struct RevisionRow {
    pub host_id: String,
    pub application: String,
    pub team: String,
    pub deployment_group: String,
    pub deployment_group_id: String,
    pub deployment_id: String,
    pub revision_id: String,
    pub installed_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn get(
    conn: &mut AnyConnection,
    host_id: &str,
    application: &str,
) -> Result<Option<RevisionRow>, ApiError> {
    Ok(host_revisions::table
        .find((host_id, application))
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut AnyConnection, row: &RevisionRow) -> Result<(), ApiError> {
    diesel::insert_into(host_revisions::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Replaces the entry with `row` unless what is there was installed later.
pub fn replace_if_newer(conn: &mut AnyConnection, row: &RevisionRow) -> Result<bool, ApiError> {
    let n = diesel::update(
        host_revisions::table
            .filter(host_revisions::host_id.eq(&row.host_id))
            .filter(host_revisions::application.eq(&row.application))
            .filter(host_revisions::installed_at.le(row.installed_at)),
    )
    .set((
        host_revisions::team.eq(&row.team),
        host_revisions::deployment_group.eq(&row.deployment_group),
        host_revisions::deployment_group_id.eq(&row.deployment_group_id),
        host_revisions::deployment_id.eq(&row.deployment_id),
        host_revisions::revision_id.eq(&row.revision_id),
        host_revisions::installed_at.eq(row.installed_at),
        host_revisions::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// One host's entries, by application.
pub fn of_host(conn: &mut AnyConnection, host_id: &str) -> Result<Vec<RevisionRow>, ApiError> {
    Ok(host_revisions::table
        .filter(host_revisions::host_id.eq(host_id))
        .select(RevisionRow::as_select())
        .order(host_revisions::application.asc())
        .load(conn)?)
}

/// The entries of a team's hosts (or of every team's), by host and application.
pub fn of_team(conn: &mut AnyConnection, team: Option<&str>) -> Result<Vec<RevisionRow>, ApiError> {
    let mut q = host_revisions::table
        .select(RevisionRow::as_select())
        .order((
            host_revisions::host_id.asc(),
            host_revisions::application.asc(),
        ))
        .into_boxed();
    if let Some(t) = team {
        q = q.filter(host_revisions::team.eq(t.to_string()));
    }
    Ok(q.load(conn)?)
}
