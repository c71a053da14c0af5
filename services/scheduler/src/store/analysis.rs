//! Measurements of rollouts' health analyses.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::analysis_measurements as m;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = m)]
pub struct MeasurementRow {
    pub deployment_id: String,
    pub seq: i64,
    pub measured_at: NaiveDateTime,
    pub outcome: String,
    pub value: Option<String>,
    pub message: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, row: &MeasurementRow) -> Result<(), ApiError> {
    diesel::insert_into(m::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// The newest `limit` measurements of a rollout, newest first.
pub fn latest(
    conn: &mut AnyConnection,
    deployment_id: &str,
    limit: i64,
) -> Result<Vec<MeasurementRow>, ApiError> {
    Ok(m::table
        .filter(m::deployment_id.eq(deployment_id))
        .order(m::seq.desc())
        .limit(limit)
        .select(MeasurementRow::as_select())
        .load(conn)?)
}

/// How many measurements of a rollout ended with `outcome`.
pub fn count(
    conn: &mut AnyConnection,
    deployment_id: &str,
    outcome: &str,
) -> Result<u32, ApiError> {
    let n: i64 = m::table
        .filter(m::deployment_id.eq(deployment_id))
        .filter(m::outcome.eq(outcome))
        .count()
        .get_result(conn)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Records a claimed measurement's outcome; false when it is no longer `running`.
pub fn conclude(
    conn: &mut AnyConnection,
    deployment_id: &str,
    seq: i64,
    outcome: &str,
    value: Option<&str>,
    message: Option<&str>,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        m::table
            .filter(m::deployment_id.eq(deployment_id))
            .filter(m::seq.eq(seq))
            .filter(m::outcome.eq("running")),
    )
    .set((
        m::outcome.eq(outcome),
        m::value.eq(value),
        m::message.eq(message),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
