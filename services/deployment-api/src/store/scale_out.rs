//! Scale-out installs: the single host a `scale_out` deployment targets.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

diesel::table! {
    scale_out_installs (deployment_id) {
        deployment_id -> Text,
        team -> Text,
        group_id -> Text,
        host_id -> Text,
        request_key -> Text,
        created_at -> Timestamp,
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scale_out_installs)]
pub struct ScaleOutRow {
    pub deployment_id: String,
    pub team: String,
    pub group_id: String,
    pub host_id: String,
    pub request_key: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, row: &ScaleOutRow) -> Result<(), ApiError> {
    diesel::insert_into(scale_out_installs::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// The deployment an earlier request with the same key created for this host and group.
pub fn find(
    conn: &mut AnyConnection,
    host_id: &str,
    group_id: &str,
    key: &str,
) -> Result<Option<ScaleOutRow>, ApiError> {
    Ok(scale_out_installs::table
        .filter(scale_out_installs::host_id.eq(host_id))
        .filter(scale_out_installs::group_id.eq(group_id))
        .filter(scale_out_installs::request_key.eq(key))
        .select(ScaleOutRow::as_select())
        .first(conn)
        .optional()?)
}

/// The host a deployment targets, if it is a scale-out install.
pub fn target_host(
    conn: &mut AnyConnection,
    deployment_id: &str,
) -> Result<Option<String>, ApiError> {
    Ok(scale_out_installs::table
        .find(deployment_id)
        .select(scale_out_installs::host_id)
        .first(conn)
        .optional()?)
}
