//! deployment-api's copy of rollout progress, as the scheduler reports it: the last summary
//! and report id on the deployment's row, every host's latest state in `deployment_hosts`.

use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::{deployment_hosts, deployments};

/// (summary JSON, number of the report it came in), if a report arrived.
pub fn summary(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<(Option<String>, Option<i64>), ApiError> {
    Ok(deployments::table
        .find(id)
        .select((deployments::progress, deployments::progress_seq))
        .first(conn)
        .optional()?
        .unwrap_or((None, None)))
}

/// Marks report `seq` applied.
pub fn mark_applied(conn: &mut AnyConnection, id: &str, seq: i64) -> Result<(), ApiError> {
    diesel::update(deployments::table.find(id))
        .set(deployments::progress_seq.eq(Some(seq)))
        .execute(conn)?;
    Ok(())
}

/// Stores a report's summary and the hosts it carries (each replacing its previous state).
pub fn store(
    conn: &mut AnyConnection,
    id: &str,
    summary: &str,
    hosts: &[(String, i32, String)],
) -> Result<(), ApiError> {
    diesel::update(deployments::table.find(id))
        .set(deployments::progress.eq(Some(summary)))
        .execute(conn)?;
    for chunk in hosts.chunks(500) {
        let ids: Vec<&str> = chunk.iter().map(|(h, _, _)| h.as_str()).collect();
        diesel::delete(
            deployment_hosts::table
                .filter(deployment_hosts::deployment_id.eq(id))
                .filter(deployment_hosts::host_id.eq_any(ids)),
        )
        .execute(conn)?;
        insert_hosts(conn, id, chunk)?;
    }
    Ok(())
}

/// The planned hosts as the hand-off answered them, unless a report came first (it is newer).
pub fn seed_hosts(
    conn: &mut AnyConnection,
    id: &str,
    hosts: &[(String, i32, String)],
) -> Result<(), ApiError> {
    if summary(conn, id)?.1.is_some() {
        return Ok(());
    }
    let reported: i64 = deployment_hosts::table
        .filter(deployment_hosts::deployment_id.eq(id))
        .count()
        .get_result(conn)?;
    if reported > 0 {
        return Ok(());
    }
    insert_hosts(conn, id, hosts)
}

fn insert_hosts(
    conn: &mut AnyConnection,
    id: &str,
    hosts: &[(String, i32, String)],
) -> Result<(), ApiError> {
    // One statement per row: batch inserts are not portable across the two backends.
    for (host, position, body) in hosts {
        diesel::insert_into(deployment_hosts::table)
            .values((
                deployment_hosts::deployment_id.eq(id),
                deployment_hosts::host_id.eq(host.as_str()),
                deployment_hosts::position.eq(*position),
                deployment_hosts::body.eq(body.as_str()),
            ))
            .execute(conn)?;
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
