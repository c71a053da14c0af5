//! Install outcomes the scheduler pushed: kept by event id, so a redelivery is recognised, and
//! so an outcome that arrived before its install was recorded is found when it is.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::registry::OutcomeStatus;

use crate::schema::install_outcomes;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = install_outcomes)]
pub struct OutcomeRow {
    pub event_id: String,
    pub deployment_id: String,
    /// `None`: the rollout ended.
    pub host_id: Option<String>,
    /// The host's final status in the rollout, or the rollout's.
    pub status: OutcomeStatus,
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub occurred_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
}

pub fn exists(conn: &mut AnyConnection, event_id: &str) -> Result<bool, ApiError> {
    Ok(install_outcomes::table
        .find(event_id)
        .select(install_outcomes::event_id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

pub fn insert(conn: &mut AnyConnection, row: &OutcomeRow) -> Result<(), ApiError> {
    diesel::insert_into(install_outcomes::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// What is known of `deployment`'s end for `host`: the host's own outcomes, then the
/// rollout's, each in the order they happened.
pub fn of(
    conn: &mut AnyConnection,
    deployment: &str,
    host: &str,
) -> Result<Vec<OutcomeRow>, ApiError> {
    let mut rows: Vec<OutcomeRow> = install_outcomes::table
        .filter(install_outcomes::deployment_id.eq(deployment))
        .filter(
            install_outcomes::host_id
                .eq(host)
                .or(install_outcomes::host_id.is_null()),
        )
        .select(OutcomeRow::as_select())
        .order((
            install_outcomes::occurred_at.asc(),
            install_outcomes::event_id.asc(),
        ))
        .load(conn)?;
    rows.sort_by_key(|r| r.host_id.is_none());
    Ok(rows)
}

/// Whether any outcome was received before `before`.
pub fn any_before(conn: &mut AnyConnection, before: NaiveDateTime) -> Result<bool, ApiError> {
    Ok(install_outcomes::table
        .filter(install_outcomes::received_at.lt(before))
        .select(install_outcomes::event_id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Forgets outcomes received before `before` (redeliveries come within minutes).
pub fn prune(conn: &mut AnyConnection, before: NaiveDateTime) -> Result<usize, ApiError> {
    Ok(
        diesel::delete(install_outcomes::table.filter(install_outcomes::received_at.lt(before)))
            .execute(conn)?,
    )
}
