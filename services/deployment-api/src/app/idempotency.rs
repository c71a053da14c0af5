//! The in-flight half of `Idempotency-Key` (IETF idempotency-key draft): while the request
//! that created a deployment is still being answered, the same key gets 409
//! `idempotency_key_in_use` instead of a half-made answer. The mark is a short lease that the
//! request renews while it runs and clears when it answers, so it is tied to the process
//! holding it: a request that died with its process (a crash, a kill) keeps the key only
//! until the lease ends, a few seconds, and a retry then answers the deployment it made.

use std::future::Future;

use chrono::{Duration, NaiveDateTime};
use liftoff_kit::db::now;
use liftoff_kit::{AnyConnection, ApiError};

use crate::State;
use crate::store::deployments::{self, DeploymentRow};

/// How long a mark lasts without renewal: how long a crashed request blocks its key.
const LEASE: Duration = Duration::seconds(6);
/// How often the request holding a mark renews it (well within [`LEASE`], so a slow write
/// never lets a live request's mark lapse).
const RENEW: std::time::Duration = std::time::Duration::from_secs(2);

fn in_use() -> ApiError {
    let mut e = ApiError::conflict(
        "idempotency_key_in_use",
        "a request with this Idempotency-Key is still being processed; retry shortly",
    );
    e.retry_after = Some(1);
    e
}

/// 409 while the request that made `existing` is still running.
pub fn refuse_in_flight(c: &mut AnyConnection, existing: &DeploymentRow) -> Result<(), ApiError> {
    match deployments::idempotency_lease(c, &existing.id)? {
        Some(until) if until > now() => Err(in_use()),
        _ => Ok(()),
    }
}

/// Two requests with one key racing past the lookup: the unique index stops the second.
pub fn on_insert_error(e: ApiError, keyed: bool) -> ApiError {
    if keyed && e.kind() == liftoff_kit::error::ErrorKind::Conflict {
        in_use()
    } else {
        e
    }
}

/// Marks a keyed request as in flight until it answers (or the lease runs out).
pub fn mark_in_flight(c: &mut AnyConnection, id: &str) -> Result<(), ApiError> {
    let until: NaiveDateTime = now() + LEASE;
    deployments::set_idempotency_lease(c, id, Some(until))
}

/// Runs `work` (the rest of the request that made deployment `id`) while renewing its mark,
/// so the mark outlives the request only by [`LEASE`] if the process dies.
pub async fn while_in_flight<T>(state: &State, id: &str, work: impl Future<Output = T>) -> T {
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = tokio::time::sleep(RENEW) => {
                let rid = id.to_string();
                if let Err(e) = state.db.write(move |c| mark_in_flight(c, &rid)).await {
                    tracing::warn!(deployment_id = %id, error = %e, "could not renew the idempotency lease");
                }
            }
        }
    }
}

/// The request has its answer: replays of its key may have it too.
pub async fn release(state: &State, id: &str) {
    let id = id.to_string();
    let rid = id.clone();
    if let Err(e) = state
        .db
        .write(move |c| deployments::set_idempotency_lease(c, &rid, None))
        .await
    {
        // The lease runs out by itself; until then replays get 409 and retry.
        tracing::warn!(deployment_id = %id, error = %e, "could not release the idempotency lease");
    }
}
