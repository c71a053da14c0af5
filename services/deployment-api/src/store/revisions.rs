//! Revisions: an application's view of a bundle.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::revisions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = revisions)]
pub struct RevisionRow {
    pub id: String,
    pub application_id: String,
    pub sha256: String,
    pub version_label: Option<String>,
    pub description: Option<String>,
    pub hook_events: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub source_url: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, row: &RevisionRow) -> Result<(), ApiError> {
    diesel::insert_into(revisions::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn by_digest(
    conn: &mut AnyConnection,
    application_id: &str,
    sha256: &str,
) -> Result<Option<RevisionRow>, ApiError> {
    Ok(revisions::table
        .filter(revisions::application_id.eq(application_id))
        .filter(revisions::sha256.eq(sha256))
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(
    conn: &mut AnyConnection,
    application_id: &str,
    id: &str,
) -> Result<Option<RevisionRow>, ApiError> {
    Ok(revisions::table
        .filter(revisions::application_id.eq(application_id))
        .filter(revisions::id.eq(id))
        .select(RevisionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The application's revisions, newest first (ids are UUIDv7), `limit` of them older than
/// `before`.
pub fn list(
    conn: &mut AnyConnection,
    application_id: &str,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<RevisionRow>, ApiError> {
    let mut q = revisions::table
        .filter(revisions::application_id.eq(application_id))
        .select(RevisionRow::as_select())
        .order(revisions::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(revisions::id.lt(b.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Deletes an application's revisions; returns the digests they referenced.
pub fn delete_for_app(
    conn: &mut AnyConnection,
    application_id: &str,
) -> Result<Vec<String>, ApiError> {
    let shas: Vec<String> = revisions::table
        .filter(revisions::application_id.eq(application_id))
        .select(revisions::sha256)
        .load(conn)?;
    diesel::delete(revisions::table.filter(revisions::application_id.eq(application_id)))
        .execute(conn)?;
    Ok(shas)
}

pub fn count_with_digest(conn: &mut AnyConnection, sha256: &str) -> Result<i64, ApiError> {
    Ok(revisions::table
        .filter(revisions::sha256.eq(sha256))
        .count()
        .get_result(conn)?)
}
