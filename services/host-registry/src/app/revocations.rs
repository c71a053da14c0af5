//! A deregistered host's credential is refused everywhere, at once. Deregistration queues the
//! credential's id in `revocation_outbox` in its own transaction; then (right after, and on
//! every tick until delivered) this process refuses it itself and a relay puts it on
//! deployment-api's revocation feed (`POST /v1/tokens/revocations`), which deployment-api
//! applies at once and every other service follows within a tick. In `liftoff up` the four
//! services share one revocation set, so there it is refused by all of them at once.

use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::tokens::RevokeCredential;

use crate::State;
use crate::store::hosts::HostRow;
use crate::store::revocations::{self, PendingRevocation};

/// How long host credentials live (from enrollment).
pub const HOST_CREDENTIAL_DAYS: i64 = 3650;
/// Most revocations handled per run.
const BATCH: i64 = 500;

/// Queues the revocation of `host`'s credential; call in the transaction that deregisters it.
pub fn queue(c: &mut AnyConnection, host: &HostRow, reason: &str) -> Result<(), ApiError> {
    revocations::insert(
        c,
        &PendingRevocation {
            jti: host.credential_id.clone(),
            host_id: host.id.clone(),
            team: host.team.clone(),
            expires_at: Some(host.enrolled_at + chrono::Duration::days(HOST_CREDENTIAL_DAYS)),
            reason: format!("host {} deregistered: {reason}", host.id),
            created_at: now(),
            attempts: 0,
            last_error: None,
        },
    )
}

/// Refuses every queued credential in this process, then delivers them to deployment-api
/// (unless a recent failure says to wait). Returns how many were delivered.
pub async fn relay(state: &State) -> Result<usize, ApiError> {
    let pending = state.db.run(|c| revocations::pending(c, BATCH)).await?;
    for p in &pending {
        state
            .authority
            .revocations()
            .revoke(&p.jti, p.expires_at.map(|t| t.and_utc().timestamp()));
    }
    if pending.is_empty() || !state.revocation_relay.due() {
        return Ok(0);
    }
    let api = state.peers.deployment_api();
    let mut delivered = 0;
    for p in pending {
        let req = RevokeCredential {
            jti: p.jti.clone(),
            team: Some(p.team.clone()),
            expires_at: p.expires_at.map(to_utc),
            reason: Some(p.reason.clone()),
        };
        match api.revoke_credential(&req).await {
            Ok(_) => {
                state.revocation_relay.record(true);
                let jti = p.jti.clone();
                state.db.run(move |c| revocations::delete(c, &jti)).await?;
                delivered += 1;
            }
            Err(e) => {
                state.revocation_relay.record(false);
                let (jti, msg) = (p.jti.clone(), e.to_string());
                state
                    .db
                    .run(move |c| revocations::failed(c, &jti, &msg))
                    .await?;
                tracing::warn!(host_id = %uuid(&p.host_id)?, error = %e, "deregistered host's credential not yet on the revocation feed; retrying with backoff (this registry refuses it meanwhile)");
                return Err(ApiError::from_peer("deployment-api", e));
            }
        }
    }
    Ok(delivered)
}

/// After a deregistration committed: refuse at once here, and try to tell deployment-api now
/// rather than on the next tick.
pub async fn after_deregistration(state: &State) {
    if let Err(e) = relay(state).await {
        tracing::debug!(error = %e, "credential revocation deferred to the tick");
    }
}
