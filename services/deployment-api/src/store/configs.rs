//! Teams' own deployment configurations.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::deployment_configs;

pub fn get(conn: &mut AnyConnection, team: &str, name: &str) -> Result<Option<String>, ApiError> {
    Ok(deployment_configs::table
        .find((team, name))
        .select(deployment_configs::spec)
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut AnyConnection, team: &str) -> Result<Vec<String>, ApiError> {
    Ok(deployment_configs::table
        .filter(deployment_configs::team.eq(team))
        .order(deployment_configs::name.asc())
        .select(deployment_configs::spec)
        .load(conn)?)
}

pub fn insert(
    conn: &mut AnyConnection,
    team: &str,
    name: &str,
    spec: &str,
    created_by: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(deployment_configs::table)
        .values((
            deployment_configs::team.eq(team),
            deployment_configs::name.eq(name),
            deployment_configs::spec.eq(spec),
            deployment_configs::created_by.eq(created_by),
            deployment_configs::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}
