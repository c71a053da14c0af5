//! Deployment windows of a group (one row per group that has any).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::deployments::DeploymentStatus;

use crate::schema::{deployment_windows, deployments};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deployment_windows)]
pub struct WindowsRow {
    pub group_id: String,
    /// JSON list of specs (`Mon-Thu 09:00-16:00 Europe/Berlin`).
    pub windows: String,
    pub outside_window: String,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

pub fn get(c: &mut AnyConnection, group_id: &str) -> Result<Option<WindowsRow>, ApiError> {
    Ok(deployment_windows::table
        .find(group_id)
        .select(WindowsRow::as_select())
        .first(c)
        .optional()?)
}

/// Replaces the group's windows (in the caller's transaction); `None` removes them.
pub fn put(
    c: &mut AnyConnection,
    group_id: &str,
    row: Option<&WindowsRow>,
) -> Result<(), ApiError> {
    diesel::delete(deployment_windows::table.find(group_id)).execute(c)?;
    if let Some(r) = row {
        diesel::insert_into(deployment_windows::table)
            .values(r.clone())
            .execute(c)?;
    }
    Ok(())
}

/// Sets or clears why a queued deployment waits; true if the row was `Queued` and changed.
pub fn set_waiting(
    c: &mut AnyConnection,
    deployment_id: &str,
    waiting_for: Option<&str>,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        deployments::table
            .filter(deployments::id.eq(deployment_id))
            .filter(deployments::status.eq(DeploymentStatus::Queued)),
    )
    .set((
        deployments::waiting_for.eq(waiting_for),
        deployments::updated_at.eq(at),
    ))
    .execute(c)?;
    Ok(n == 1)
}
