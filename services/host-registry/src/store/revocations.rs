//! Deregistered hosts' credentials waiting to be put on deployment-api's revocation feed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use liftoff_kit::{AnyConnection, ApiError};

use crate::schema::revocation_outbox;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = revocation_outbox)]
pub struct PendingRevocation {
    pub jti: String,
    pub host_id: String,
    pub team: String,
    pub expires_at: Option<NaiveDateTime>,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// Queues a revocation (once per credential).
pub fn insert(conn: &mut AnyConnection, row: &PendingRevocation) -> Result<(), ApiError> {
    let exists = revocation_outbox::table
        .find(&row.jti)
        .select(revocation_outbox::jti)
        .first::<String>(conn)
        .optional()?
        .is_some();
    if !exists {
        diesel::insert_into(revocation_outbox::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// Every waiting revocation, oldest first (bounded).
pub fn pending(conn: &mut AnyConnection, limit: i64) -> Result<Vec<PendingRevocation>, ApiError> {
    Ok(revocation_outbox::table
        .select(PendingRevocation::as_select())
        .order((
            revocation_outbox::created_at.asc(),
            revocation_outbox::jti.asc(),
        ))
        .limit(limit)
        .load(conn)?)
}

pub fn delete(conn: &mut AnyConnection, jti: &str) -> Result<(), ApiError> {
    diesel::delete(revocation_outbox::table.find(jti)).execute(conn)?;
    Ok(())
}

pub fn failed(conn: &mut AnyConnection, jti: &str, error: &str) -> Result<(), ApiError> {
    diesel::update(revocation_outbox::table.find(jti))
        .set((
            revocation_outbox::attempts.eq(revocation_outbox::attempts + 1),
            revocation_outbox::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use diesel::SqliteConnection;
    use diesel::connection::SimpleConnection;
    use diesel_migrations::MigrationHarness;

    use super::*;

    /// Hosts deregistered before the migration get their credentials queued for the feed,
    /// with the credential's expiry; live hosts do not.
    #[test]
    fn the_migration_queues_credentials_of_hosts_deregistered_before() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        // Everything before the revocation outbox.
        for _ in 0..3 {
            c.run_next_migration(crate::SQLITE_MIGRATIONS).unwrap();
        }
        c.batch_execute(
            "INSERT INTO hosts (id, team, name, zone, tags, state, credential_id, enrollment_token_id,
                                enrolled_at, updated_at, deregistered_at)
             VALUES ('h1','t','a','z','{}','Deregistered','j1','e','2026-01-01 00:00:00','2026-02-01 00:00:00','2026-02-01 00:00:00'),
                    ('h2','t','b','z','{}','InService','j2','e','2026-01-01 00:00:00','2026-01-01 00:00:00',NULL);",
        )
        .unwrap();
        c.run_pending_migrations(crate::SQLITE_MIGRATIONS).unwrap();
        let rows: Vec<(String, String, Option<NaiveDateTime>)> = revocation_outbox::table
            .select((
                revocation_outbox::jti,
                revocation_outbox::host_id,
                revocation_outbox::expires_at,
            ))
            .load(&mut c)
            .unwrap();
        let expires = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + chrono::Duration::days(crate::app::revocations::HOST_CREDENTIAL_DAYS);
        assert_eq!(
            rows,
            vec![("j1".to_string(), "h1".to_string(), Some(expires))]
        );
    }
}
