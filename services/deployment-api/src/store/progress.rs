//! deployment-api's copy of rollout progress, as the scheduler reports it: the last summary
//! and its report's number on the deployment's row, every host's latest state (and the number
//! of the report it came in) in `deployment_hosts`.

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

/// What applying a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Newer than every report applied before: its summary is the copy's now.
    Fresh,
    /// The last report applied, again (a redelivery).
    Repeat,
    /// Older than the last applied (it arrived late): only its hosts that nothing newer
    /// replaced were taken. Also the answer for a deployment that no longer exists.
    Stale,
}

/// Applies report `seq` of deployment `id`: the summary if the report is newer than the last
/// applied, and each host it carries if the report is newer than that host's own last one, so
/// reports merge whatever order they arrive in. Concurrent applies of one deployment queue on
/// its row (locked first: PostgreSQL holds the lock until commit, SQLite has one writer).
pub fn apply(
    conn: &mut AnyConnection,
    id: &str,
    seq: i64,
    summary_json: &str,
    hosts: &[(String, i32, String)],
) -> Result<Applied, ApiError> {
    let exists = diesel::update(deployments::table.find(id))
        .set(deployments::progress_seq.eq(deployments::progress_seq))
        .execute(conn)?;
    if exists == 0 {
        // Deleted with its application meanwhile: nothing to keep a copy for.
        return Ok(Applied::Stale);
    }
    let last = summary(conn, id)?.1;
    for (host, position, body) in hosts {
        let newer = diesel::update(
            deployment_hosts::table
                .filter(deployment_hosts::deployment_id.eq(id))
                .filter(deployment_hosts::host_id.eq(host.as_str()))
                .filter(deployment_hosts::seq.lt(seq)),
        )
        .set((
            deployment_hosts::position.eq(*position),
            deployment_hosts::body.eq(body.as_str()),
            deployment_hosts::seq.eq(seq),
        ))
        .execute(conn)?;
        if newer == 0 {
            let known: i64 = deployment_hosts::table
                .filter(deployment_hosts::deployment_id.eq(id))
                .filter(deployment_hosts::host_id.eq(host.as_str()))
                .count()
                .get_result(conn)?;
            if known == 0 {
                insert_host(conn, id, host, *position, body, seq)?;
            }
        }
    }
    Ok(match last {
        Some(l) if l > seq => Applied::Stale,
        Some(l) if l == seq => Applied::Repeat,
        _ => {
            diesel::update(deployments::table.find(id))
                .set((
                    deployments::progress.eq(Some(summary_json)),
                    deployments::progress_seq.eq(Some(seq)),
                ))
                .execute(conn)?;
            Applied::Fresh
        }
    })
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
    for (host, position, body) in hosts {
        insert_host(conn, id, host, *position, body, 0)?;
    }
    Ok(())
}

// One statement per row: batch inserts are not portable across the two backends.
fn insert_host(
    conn: &mut AnyConnection,
    id: &str,
    host: &str,
    position: i32,
    body: &str,
    seq: i64,
) -> Result<(), ApiError> {
    diesel::insert_into(deployment_hosts::table)
        .values((
            deployment_hosts::deployment_id.eq(id),
            deployment_hosts::host_id.eq(host),
            deployment_hosts::position.eq(position),
            deployment_hosts::body.eq(body),
            deployment_hosts::seq.eq(seq),
        ))
        .execute(conn)?;
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

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel_migrations::MigrationHarness;
    use liftoff_kit::AnyConnection;

    use super::*;

    fn db() -> AnyConnection {
        let mut c = AnyConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap());
        c.run_pending_migrations(crate::SQLITE_MIGRATIONS).unwrap();
        // The deployment's row alone: its application and group are not what this is about.
        c.batch_execute(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO deployments (id, team, application_id, application, group_id,
               deployment_group, revision_id, deployment_config, minimum_healthy, status, reason,
               created_by, created_at, updated_at)
             VALUES ('d', 't', 'a', 'shop', 'g', 'web', 'r', 'c', '{}', 'InProgress', 'user',
               'u', '2026-12-03 10:00:00', '2026-12-03 10:00:00')",
        )
        .unwrap();
        c
    }

    fn host(id: &str, position: i32, body: &str) -> (String, i32, String) {
        (id.to_string(), position, body.to_string())
    }

    /// A late report changes neither the summary nor a host that a newer report already set,
    /// but what only it knows (host b) is kept; a repeat changes nothing.
    #[test]
    fn reports_that_arrive_out_of_order_merge_into_the_newest_state() {
        let mut c = db();
        seed_hosts(&mut c, "d", &[host("a", 0, "a0"), host("b", 1, "b0")]).unwrap();
        let a2 = [host("a", 0, "a2")];
        assert_eq!(apply(&mut c, "d", 2, "s2", &a2).unwrap(), Applied::Fresh);
        let late = [host("a", 0, "a1"), host("b", 1, "b1")];
        assert_eq!(apply(&mut c, "d", 1, "s1", &late).unwrap(), Applied::Stale);
        assert_eq!(apply(&mut c, "d", 2, "s2", &a2).unwrap(), Applied::Repeat);
        assert_eq!(
            summary(&mut c, "d").unwrap(),
            (Some("s2".to_string()), Some(2))
        );
        assert_eq!(hosts(&mut c, "d").unwrap(), ["a2", "b1"]);
        // A host first heard of in a report is added.
        let c3 = [host("c", 2, "c3")];
        assert_eq!(apply(&mut c, "d", 3, "s3", &c3).unwrap(), Applied::Fresh);
        assert_eq!(hosts(&mut c, "d").unwrap(), ["a2", "b1", "c3"]);
    }
}
