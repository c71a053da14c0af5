//! The old inventory outbox: hosts' deployment successes an older scheduler queued for
//! host-registry, moved into the service outbox by `app::inventory::move_legacy`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::inventory_outbox;

#[cfg(test)]
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = inventory_outbox)]
pub struct NewSuccess {
    pub host_id: String,
    pub team: String,
    pub application: String,
    pub deployment_group: String,
    pub deployment_group_id: String,
    pub deployment_id: String,
    pub revision_id: String,
    pub succeeded_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inventory_outbox)]
pub struct SuccessRow {
    pub id: i64,
    pub host_id: String,
    pub team: String,
    pub application: String,
    pub deployment_group: String,
    pub deployment_group_id: String,
    pub deployment_id: String,
    pub revision_id: String,
    pub succeeded_at: NaiveDateTime,
}

/// How an older scheduler queued a report (kept for the tests of moving them).
#[cfg(test)]
pub fn insert(conn: &mut AnyConnection, row: &NewSuccess) -> Result<(), ApiError> {
    diesel::insert_into(inventory_outbox::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// The oldest waiting rows.
pub fn oldest(conn: &mut AnyConnection, limit: i64) -> Result<Vec<SuccessRow>, ApiError> {
    Ok(inventory_outbox::table
        .select(SuccessRow::as_select())
        .order(inventory_outbox::id.asc())
        .limit(limit)
        .load(conn)?)
}

/// Removes rows host-registry acknowledged.
pub fn delete(conn: &mut AnyConnection, ids: &[i64]) -> Result<(), ApiError> {
    diesel::delete(inventory_outbox::table.filter(inventory_outbox::id.eq_any(ids.to_vec())))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use diesel::SqliteConnection;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel_migrations::MigrationHarness;

    /// The migration queues, for each host and application, the latest success recorded before
    /// it, so the registry learns what hosts already run.
    #[test]
    fn the_migration_queues_what_hosts_already_run() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        c.run_next_migration(crate::SQLITE_MIGRATIONS).unwrap();
        c.batch_execute(
            "INSERT INTO rollouts VALUES
               ('d1','t','shop','web','g1','r1','{}','Succeeded',NULL,NULL,'2026-11-01 10:00:00',NULL,NULL,'2026-11-01 10:00:00'),
               ('d2','t','shop','web','g1','r2','{}','Failed',NULL,NULL,'2026-11-02 10:00:00',NULL,NULL,'2026-11-02 10:00:00'),
               ('d3','t','api','api','g2','r3','{}','Succeeded',NULL,NULL,'2026-11-03 10:00:00',NULL,NULL,'2026-11-03 10:00:00');
             INSERT INTO rollout_hosts VALUES
               ('d1','h1','z',0,'Succeeded',1,NULL,NULL,NULL,NULL,'2026-11-01 10:05:00'),
               ('d1','h2','z',1,'Succeeded',1,NULL,NULL,NULL,NULL,'2026-11-01 10:06:00'),
               ('d2','h1','z',0,'Succeeded',1,NULL,NULL,NULL,NULL,'2026-11-02 10:05:00'),
               ('d2','h2','z',1,'Failed',1,NULL,NULL,NULL,NULL,'2026-11-02 10:06:00'),
               ('d3','h1','z',0,'Succeeded',1,NULL,NULL,NULL,NULL,'2026-11-03 10:05:00');",
        )
        .unwrap();
        c.run_pending_migrations(crate::SQLITE_MIGRATIONS).unwrap();
        let rows: Vec<(String, String, String)> = super::inventory_outbox::table
            .select((
                super::inventory_outbox::host_id,
                super::inventory_outbox::application,
                super::inventory_outbox::deployment_id,
            ))
            .order((
                super::inventory_outbox::host_id.asc(),
                super::inventory_outbox::application.asc(),
            ))
            .load(&mut c)
            .unwrap();
        let want = [
            ("h1", "api", "d3"),
            ("h1", "shop", "d2"),
            ("h2", "shop", "d1"),
        ];
        assert_eq!(
            rows,
            want.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
                .to_vec()
        );
    }
}
