//! Custom deployment configurations, per team.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::deployment_configs;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deployment_configs)]
pub struct ConfigRow {
    pub id: String,
    pub team: String,
    pub name: String,
    /// JSON of `MinimumHealthy`.
    pub minimum_healthy: String,
    pub zone_mode: String,
    pub canary_batch_size: Option<i32>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub zone_bake_secs: i32,
    /// JSON of `HealthAnalysis`, as checked at creation.
    pub health_analysis: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, row: &ConfigRow) -> Result<(), ApiError> {
    diesel::insert_into(deployment_configs::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn by_name(
    conn: &mut AnyConnection,
    team: &str,
    name: &str,
) -> Result<Option<ConfigRow>, ApiError> {
    Ok(deployment_configs::table
        .filter(deployment_configs::team.eq(team))
        .filter(deployment_configs::name.eq(name))
        .select(ConfigRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut AnyConnection, team: &str) -> Result<Vec<ConfigRow>, ApiError> {
    Ok(deployment_configs::table
        .filter(deployment_configs::team.eq(team))
        .select(ConfigRow::as_select())
        .order(deployment_configs::name.asc())
        .load(conn)?)
}

pub fn delete(conn: &mut AnyConnection, id: &str) -> Result<(), ApiError> {
    diesel::delete(deployment_configs::table.find(id)).execute(conn)?;
    Ok(())
}
