//! The only code of the scheduler that touches diesel.

pub mod analysis;
pub mod commands;
pub mod gates;
pub mod inventory;
pub mod known_groups;
pub mod known_hosts;
pub mod revisions;
pub mod rollouts;
pub mod targets;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

/// The database's clock: lease expiry, timeouts and bake gates are judged by it, never by a
/// replica's own clock. On SQLite the database is in this process, so its clock is ours.
pub fn db_now(conn: &mut AnyConnection) -> Result<NaiveDateTime, ApiError> {
    match conn {
        AnyConnection::Postgresql(c) => Ok(diesel::select(diesel::dsl::sql::<
            diesel::sql_types::Timestamp,
        >("LOCALTIMESTAMP"))
        .get_result(c)?),
        AnyConnection::Sqlite(_) => Ok(liftoff_kit::db::now()),
    }
}
