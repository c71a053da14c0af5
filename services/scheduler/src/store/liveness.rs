//! The scheduler's copy of which hosts are lost, pushed by host-registry.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::host_liveness;

/// Records that `host` was declared lost (or came back) at `at`, unless a newer change is
/// already recorded. True if it changed the copy.
pub fn record(
    c: &mut AnyConnection,
    host: &str,
    lost: bool,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let known: Option<NaiveDateTime> = host_liveness::table
        .find(host)
        .select(host_liveness::changed_at)
        .first(c)
        .optional()?;
    match known {
        Some(t) if t > at => Ok(false),
        Some(_) => Ok(diesel::update(host_liveness::table.find(host))
            .set((
                host_liveness::lost.eq(lost),
                host_liveness::changed_at.eq(at),
            ))
            .execute(c)?
            > 0),
        None => Ok(diesel::insert_into(host_liveness::table)
            .values((
                host_liveness::host_id.eq(host),
                host_liveness::lost.eq(lost),
                host_liveness::changed_at.eq(at),
            ))
            .execute(c)?
            > 0),
    }
}

/// The hosts lost now.
pub fn lost(c: &mut AnyConnection) -> Result<Vec<String>, ApiError> {
    Ok(host_liveness::table
        .filter(host_liveness::lost.eq(true))
        .select(host_liveness::host_id)
        .load(c)?)
}
