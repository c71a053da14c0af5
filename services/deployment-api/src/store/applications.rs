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

pub fn list(conn: &mut AnyConnection, team: &str) -> Result<Vec<AppRow>, ApiError> {
    Ok(applications::table
        .filter(applications::team.eq(team))
        .select(AppRow::as_select())
        .order(applications::name.asc())
        .load(conn)?)
}

pub fn by_id(conn: &mut AnyConnection, id: &str) -> Result<AppRow, ApiError> {
    Ok(applications::table
        .find(id)
        .select(AppRow::as_select())
        .first(conn)?)
}
