//! Which revision each host last ran successfully, per application.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::host_revisions;

/// Records that `host` now runs `revision` of `team`/`application`.
pub fn record(
    conn: &mut AnyConnection,
    team: &str,
    application: &str,
    host: &str,
    revision: &str,
    deployment: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    // Update, else insert: the multi-backend connection has no ON CONFLICT, and the caller
    // holds the rollout's lock, so no other writer races for this host and application.
    let n = diesel::update(host_revisions::table.find((team, application, host)))
        .set((
            host_revisions::revision_id.eq(revision),
            host_revisions::deployment_id.eq(deployment),
            host_revisions::updated_at.eq(at),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(host_revisions::table)
            .values((
                host_revisions::team.eq(team),
                host_revisions::application.eq(application),
                host_revisions::host_id.eq(host),
                host_revisions::revision_id.eq(revision),
                host_revisions::deployment_id.eq(deployment),
                host_revisions::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// host id → revision id, for every host of `team`/`application` we know of.
pub fn of_application(
    conn: &mut AnyConnection,
    team: &str,
    application: &str,
) -> Result<HashMap<String, String>, ApiError> {
    Ok(host_revisions::table
        .filter(host_revisions::team.eq(team))
        .filter(host_revisions::application.eq(application))
        .select((host_revisions::host_id, host_revisions::revision_id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
