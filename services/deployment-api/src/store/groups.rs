//! Deployment groups.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::deployment_groups;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deployment_groups)]
pub struct GroupRow {
    pub id: String,
    pub application_id: String,
    pub name: String,
    pub selector: String,
    pub deployment_config: String,
    pub auto_rollback: bool,
    pub concurrency_policy: String,
    pub stage: Option<String>,
    pub last_successful_revision_id: Option<String>,
    pub last_successful_deployment_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, row: &GroupRow) -> Result<(), ApiError> {
    diesel::insert_into(deployment_groups::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn by_name(
    conn: &mut AnyConnection,
    application_id: &str,
    name: &str,
) -> Result<Option<GroupRow>, ApiError> {
    Ok(deployment_groups::table
        .filter(deployment_groups::application_id.eq(application_id))
        .filter(deployment_groups::name.eq(name))
        .select(GroupRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut AnyConnection, application_id: &str) -> Result<Vec<GroupRow>, ApiError> {
    Ok(deployment_groups::table
        .filter(deployment_groups::application_id.eq(application_id))
        .select(GroupRow::as_select())
        .order(deployment_groups::name.asc())
        .load(conn)?)
}

pub fn record_success(
    conn: &mut AnyConnection,
    id: &str,
    revision_id: &str,
    deployment_id: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(deployment_groups::table.find(id))
        .set((
            deployment_groups::last_successful_revision_id.eq(Some(revision_id)),
            deployment_groups::last_successful_deployment_id.eq(Some(deployment_id)),
            deployment_groups::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn by_id(conn: &mut AnyConnection, id: &str) -> Result<GroupRow, ApiError> {
    Ok(deployment_groups::table
        .find(id)
        .select(GroupRow::as_select())
        .first(conn)?)
}
