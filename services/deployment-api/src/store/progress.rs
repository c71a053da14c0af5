//! deployment-api's copy of rollout progress, as the scheduler reports it: the last summary
//! and report id on the deployment's row, every host's latest state in `deployment_hosts`.

use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::{deployment_hosts, deployments};

/// (summary JSON, id of the report it came in), if a report arrived.
pub fn summary(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<(Option<String>, Option<String>), ApiError> {
    Ok(deployments::table
        .find(id)
        .select((deployments::progress, deployments::progress_event_id))
        .first(conn)
        .optional()?
        .unwrap_or((None, None)))
}

/// Stores a report: its summary and id, and the hosts it carries (each replacing its
/// previous state).
pub fn store(
    conn: &mut AnyConnection,
    id: &str,
    event_id: &str,
    summary: &str,
    hosts: &[(String, i32, String)],
) -> Result<(), ApiError> {
    diesel::update(deployments::table.find(id))
        .set((
            deployments::progress.eq(Some(summary)),
            deployments::progress_event_id.eq(Some(event_id)),
        ))
        .execute(conn)?;
    for chunk in hosts.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(|(h, _, _)| h.as_str()).collect();
        diesel::delete(
            deployment_hosts::table
                .filter(deployment_hosts::deployment_id.eq(id))
                .filter(deployment_hosts::host_id.eq_any(ids)),
        )
        .execute(conn)?;
        // One statement per row: batch inserts are not portable across the two backends.
        for (host, position, body) in chunk {
            diesel::insert_into(deployment_hosts::table)
                .values((
                    deployment_hosts::deployment_id.eq(id),
                    deployment_hosts::host_id.eq(host.as_str()),
                    deployment_hosts::position.eq(*position),
                    deployment_hosts::body.eq(body.as_str()),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Every host's latest reported state (JSON), in rollout order.
pub fn hosts(conn: &mut AnyConnection, id: &str) -> Result<Vec<String>, ApiError> {
    Ok(deployment_hosts::table
        .filter(deployment_hosts::deployment_id.eq(id))
        .order(deployment_hosts::position.asc())
        .select(deployment_hosts::body)
        .load(conn)?)
}

/// Forgets the hosts of an application's deployments (the application is deleted).
pub fn delete_for(conn: &mut AnyConnection, deployment_ids: &[String]) -> Result<(), ApiError> {
    for chunk in deployment_ids.chunks(500) {
        diesel::delete(
            deployment_hosts::table.filter(deployment_hosts::deployment_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    Ok(())
}
