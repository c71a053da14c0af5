//! Applications, always looked up within a team.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::applications;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = applications)]
pub struct AppRow {
    pub id: String,
    pub team: String,
    pub name: String,
    pub description: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// JSON array of stage names in promotion order.
    pub stages: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, row: &AppRow) -> Result<(), ApiError> {
    diesel::insert_into(applications::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn by_name(
    conn: &mut AnyConnection,
    team: &str,
    name: &str,
) -> Result<Option<AppRow>, ApiError> {
    Ok(applications::table
        .filter(applications::team.eq(team))
        .filter(applications::name.eq(name))
        .select(AppRow::as_select())
        .first(conn)
        .optional()?)
}

/// The application or a 404 that does not say whether another team has one of that name.
pub fn require(conn: &mut AnyConnection, team: &str, name: &str) -> Result<AppRow, ApiError> {
    by_name(conn, team, name)?
        .ok_or_else(|| ApiError::not_found(format!("application {name:?} not found")))
}

/// All the team's applications, by name.
pub fn all(conn: &mut AnyConnection, team: &str) -> Result<Vec<AppRow>, ApiError> {
    list(conn, team, None, i64::MAX)
}

/// The team's applications by name, `limit` of them after `after`.
pub fn list(
    conn: &mut AnyConnection,
    team: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<AppRow>, ApiError> {
    let mut q = applications::table
        .filter(applications::team.eq(team))
        .select(AppRow::as_select())
        .order(applications::name.asc())
        .limit(limit)
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(applications::name.gt(a.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Sets the description and/or the stage order (`None`: unchanged).
pub fn update(
    conn: &mut AnyConnection,
    id: &str,
    description: Option<Option<String>>,
    stages: Option<Option<String>>,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let target = applications::table.find(id);
    if let Some(d) = description {
        diesel::update(target)
            .set(applications::description.eq(d))
            .execute(conn)?;
    }
    if let Some(st) = stages {
        diesel::update(target)
            .set(applications::stages.eq(st))
            .execute(conn)?;
    }
    diesel::update(target)
        .set(applications::updated_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Locks the application row until the transaction ends (PostgreSQL; SQLite's write
/// transactions are exclusive already), so no deployment can be added while it is deleted.
pub fn lock(conn: &mut AnyConnection, id: &str) -> Result<(), ApiError> {
    if let AnyConnection::Postgresql(c) = conn {
        applications::table
            .find(id)
            .select(applications::id)
            .for_update()
            .first::<String>(c)?;
    }
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), ApiError> {
    diesel::delete(applications::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn by_id(conn: &mut AnyConnection, id: &str) -> Result<AppRow, ApiError> {
    Ok(applications::table
        .find(id)
        .select(AppRow::as_select())
        .first(conn)?)
}
