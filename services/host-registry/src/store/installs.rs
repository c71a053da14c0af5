//! The installs a host's group-membership evaluation asked for.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::registry::{InstallMode, InstallStatus};

use crate::schema::host_installs;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = host_installs)]
pub struct InstallRow {
    pub host_id: String,
    pub epoch: i64,
    pub group_id: String,
    pub application: String,
    pub deployment_group: String,
    pub deployment_id: String,
    pub revision_id: String,
    pub mode: InstallMode,
    pub status: InstallStatus,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, row: &InstallRow) -> Result<(), ApiError> {
    diesel::insert_into(host_installs::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn of_epoch(
    conn: &mut AnyConnection,
    host_id: &str,
    epoch: i64,
) -> Result<Vec<InstallRow>, ApiError> {
    Ok(host_installs::table
        .filter(host_installs::host_id.eq(host_id))
        .filter(host_installs::epoch.eq(epoch))
        .select(InstallRow::as_select())
        .order(host_installs::created_at.asc())
        .load(conn)?)
}

/// Records an install's outcome (only while it is still in progress).
pub fn finish(
    conn: &mut AnyConnection,
    row: &InstallRow,
    status: InstallStatus,
    error: Option<&str>,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        host_installs::table
            .filter(host_installs::host_id.eq(&row.host_id))
            .filter(host_installs::epoch.eq(row.epoch))
            .filter(host_installs::group_id.eq(&row.group_id))
            .filter(host_installs::status.eq(InstallStatus::InProgress)),
    )
    .set((
        host_installs::status.eq(status),
        host_installs::error.eq(error),
        host_installs::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Points an in-progress install at another deployment (the one it joined ended without it).
pub fn retarget(
    conn: &mut AnyConnection,
    row: &InstallRow,
    next: &InstallRow,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let n = diesel::update(
        host_installs::table
            .filter(host_installs::host_id.eq(&row.host_id))
            .filter(host_installs::epoch.eq(row.epoch))
            .filter(host_installs::group_id.eq(&row.group_id))
            .filter(host_installs::status.eq(InstallStatus::InProgress))
            .filter(host_installs::deployment_id.eq(&row.deployment_id)),
    )
    .set((
        host_installs::deployment_id.eq(&next.deployment_id),
        host_installs::revision_id.eq(&next.revision_id),
        host_installs::mode.eq(&next.mode),
        host_installs::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Installs still waiting on `deployment`, of any host and evaluation.
pub fn waiting_on(conn: &mut AnyConnection, deployment: &str) -> Result<Vec<InstallRow>, ApiError> {
    Ok(host_installs::table
        .filter(host_installs::deployment_id.eq(deployment))
        .filter(host_installs::status.eq(InstallStatus::InProgress))
        .select(InstallRow::as_select())
        .order(host_installs::host_id.asc())
        .load(conn)?)
}
