//! A deregistered host's credential is refused everywhere, at once. Deregistration writes a
//! `credential.revocation` event for deployment-api in the kit outbox, in its own transaction;
//! the service's relay delivers it (in outbox order, with the outbox's backoff) to
//! deployment-api's revocation feed (`POST /v1/tokens/revocation-events`), which deployment-api
//! applies at once and every other service follows within a tick. Until then the queue is also
//! this registry's list of credentials to refuse: right after the deregistration commits, and
//! at start and on every tick (so a restart before delivery still refuses them), this process
//! refuses every credential still queued. In `liftoff up` the four services share one
//! revocation set, so there it is refused by all of them at once.

use liftoff_kit::db::uuid;
use liftoff_kit::outbox::{self, Destination};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::events::EventType;
use liftoff_types::tokens::RevokeCredential;

use crate::State;
use crate::store::hosts::HostRow;

/// How long host credentials live (from enrollment).
pub const HOST_CREDENTIAL_DAYS: i64 = 3650;

/// Queues the revocation of `host`'s credential for deployment-api; call in the transaction
/// that deregisters it.
pub fn queue(c: &mut AnyConnection, host: &HostRow, reason: &str) -> Result<(), ApiError> {
    let expires = host.enrolled_at + chrono::Duration::days(HOST_CREDENTIAL_DAYS);
    let mut ev = outbox::event(crate::NAME, EventType::CredentialRevocation);
    ev.team = Some(host.team.clone());
    ev.host_id = Some(uuid(&host.id)?);
    ev.data = serde_json::to_value(RevokeCredential {
        jti: host.credential_id.clone(),
        team: Some(host.team.clone()),
        expires_at: Some(expires.and_utc()),
        reason: Some(format!("host {} deregistered: {reason}", host.id)),
    })?;
    outbox::enqueue_to(c, Destination::DeploymentApi, &ev)
}

/// The credentials queued for deployment-api's feed and not delivered yet.
fn queued(c: &mut AnyConnection) -> Result<Vec<RevokeCredential>, ApiError> {
    Ok(outbox::queued(
        c,
        Destination::DeploymentApi,
        EventType::CredentialRevocation,
    )?
    .into_iter()
    .filter_map(|ev| serde_json::from_value(ev.data).ok())
    .collect())
}

/// Refuses, in this process, every credential whose revocation deployment-api has not yet
/// acknowledged. Returns how many.
pub async fn refuse_queued(state: &State) -> Result<usize, ApiError> {
    let pending = state.db.run(queued).await?;
    for p in &pending {
        state
            .authority
            .revocations()
            .revoke(&p.jti, p.expires_at.map(|t| t.timestamp()));
    }
    Ok(pending.len())
}

/// After a deregistration committed: refuse at once here (the outbox relay, woken by the
/// commit, tells deployment-api). Should the relay have delivered it first, deployment-api
/// refuses it already (in `liftoff up` in the revocation set this process shares), and this
/// registry's own host routes refuse a deregistered host by its row anyway.
pub async fn after_deregistration(state: &State) {
    if let Err(e) = refuse_queued(state).await {
        tracing::warn!(error = %e, "revoked credentials not read back; this registry refuses them from its next tick");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, RunQueryDsl, SqliteConnection};
    use diesel_migrations::MigrationHarness;

    use super::*;

    const H1: &str = "0190f1d2-0000-7000-8000-000000000001";
    const H2: &str = "0190f1d2-0000-7000-8000-000000000002";

    /// Credentials the old relay had not delivered at the upgrade (here: of a host deregistered
    /// before the relay existed, which its own migration queued) become outbox events for
    /// deployment-api, readable as the registry's own, so this registry refuses them and the
    /// kit relay delivers them; the old table is gone.
    #[test]
    fn the_migration_moves_undelivered_revocations_into_the_outbox() {
        let mut c = SqliteConnection::establish(":memory:").unwrap();
        // Everything before the revocation outbox.
        for _ in 0..3 {
            c.run_next_migration(crate::SQLITE_MIGRATIONS).unwrap();
        }
        c.batch_execute(&format!(
            "INSERT INTO hosts (id, team, name, zone, tags, state, credential_id, enrollment_token_id,
                                enrolled_at, updated_at, deregistered_at)
             VALUES ('{H1}','t','a','z','{{}}','Deregistered','j1','e','2026-01-01 00:00:00','2026-02-01 00:00:00','2026-02-01 00:00:00'),
                    ('{H2}','t','b','z','{{}}','InService','j2','e','2026-01-01 00:00:00','2026-01-01 00:00:00',NULL);",
        ))
        .unwrap();
        c.run_pending_migrations(crate::SQLITE_MIGRATIONS).unwrap();
        let mut c = AnyConnection::Sqlite(c);
        let events = outbox::queued(
            &mut c,
            Destination::DeploymentApi,
            EventType::CredentialRevocation,
        )
        .unwrap();
        assert_eq!(events.len(), 1, "{events:#?}");
        let ev = &events[0];
        assert!(ev.is(EventType::CredentialRevocation), "{ev:?}");
        assert_eq!(ev.source, crate::NAME);
        assert_eq!(ev.host_id.map(|h| h.to_string()).as_deref(), Some(H1));
        let expires = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + chrono::Duration::days(HOST_CREDENTIAL_DAYS);
        assert_eq!(
            queued(&mut c).unwrap(),
            vec![RevokeCredential {
                jti: "j1".into(),
                team: Some("t".into()),
                expires_at: Some(expires.and_utc()),
                reason: Some(format!("host {H1} was deregistered")),
            }]
        );
        let gone = c.batch_execute("SELECT 1 FROM revocation_outbox");
        assert!(gone.is_err(), "the old table is dropped");
        // And back down: the old table holds it again.
        let AnyConnection::Sqlite(sqlite) = &mut c else {
            unreachable!()
        };
        // Down to before the revocation outbox (later migrations first).
        loop {
            let reverted = sqlite
                .revert_last_migration(crate::SQLITE_MIGRATIONS)
                .unwrap()
                .to_string();
            if reverted.replace('-', "").starts_with("20261205000001") {
                break;
            }
        }
        let back: Vec<(String, String)> =
            diesel::dsl::sql::<(diesel::sql_types::Text, diesel::sql_types::Text)>(
                "SELECT jti, expires_at FROM revocation_outbox",
            )
            .load(sqlite)
            .unwrap();
        assert_eq!(back, vec![("j1".into(), "2035-12-30 00:00:00".into())]);
        assert!(
            outbox::queued(
                &mut c,
                Destination::DeploymentApi,
                EventType::CredentialRevocation
            )
            .unwrap()
            .is_empty()
        );
    }
}
