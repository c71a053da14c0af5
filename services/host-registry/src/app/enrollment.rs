//! Enrollment tokens and enrolling agents.

use std::collections::BTreeMap;

use liftoff_kit::auth::TokenKind;
use liftoff_kit::db::{now, to_utc, write_tx};
use liftoff_kit::{ApiError, outbox};
use liftoff_types::events::EventType;
use liftoff_types::names::{validate_name, validate_tag, validate_text};
use liftoff_types::registry::{
    CreateEnrollmentToken, EnrollRequest, EnrollResponse, EnrollmentToken, HostState,
};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;

use crate::State;
use crate::store::{hosts::HostRow, tokens, tokens::TokenRow};

const MAX_TTL_SECS: u64 = 365 * 24 * 3600;
/// An enrollment token is meant to be used soon after it is made: one hour unless asked.
pub const DEFAULT_TTL_SECS: u64 = 3600;
const TOKEN_PREFIX: &str = "lft_enroll_";

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn validate_tags(field: &str, tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if tags.len() > 50 {
        return Err(ApiError::invalid_field(format!("{field}: at most 50 tags")));
    }
    for (k, v) in tags {
        validate_tag(field, k, v).map_err(ApiError::invalid_field)?;
    }
    Ok(())
}

pub async fn create_token(
    state: &State,
    team: &str,
    actor: &str,
    req: CreateEnrollmentToken,
) -> Result<EnrollmentToken, ApiError> {
    validate_tags("tags", &req.tags)?;
    if let Some(d) = &req.description {
        validate_text("description", d, 1024).map_err(ApiError::invalid_field)?;
    }
    let ttl = req.ttl_secs.unwrap_or(DEFAULT_TTL_SECS);
    if ttl == 0 || ttl > MAX_TTL_SECS {
        return Err(ApiError::invalid_field(format!(
            "ttl_secs: must be between 1 and {MAX_TTL_SECS}"
        )));
    }
    if req.uses == Some(0) {
        return Err(ApiError::invalid_field("uses: must be at least 1"));
    }
    let secret: [u8; 24] = rand::random();
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
    let created = now();
    let row = TokenRow {
        id: Uuid::now_v7().to_string(),
        team: team.to_string(),
        token_hash: hash_token(&token),
        tags: serde_json::to_string(&req.tags)?,
        description: req.description.clone(),
        expires_at: created + chrono::Duration::seconds(ttl as i64),
        uses_left: req.uses.map(i64::from),
        uses: 0,
        created_by: actor.to_string(),
        created_at: created,
        revoked_at: None,
    };
    let mut ev = outbox::event(crate::NAME, EventType::EnrollmentTokenCreated);
    ev.team = Some(team.to_string());
    ev.actor = Some(actor.to_string());
    ev.data = serde_json::json!({"token_id": row.id, "tags": req.tags, "uses": req.uses, "expires_at": to_utc(row.expires_at)});
    let stored = row.clone();
    state
        .db
        .write(move |c| {
            tokens::insert(c, &stored)?;
            outbox::enqueue(c, &ev)
        })
        .await?;
    let mut out = to_token(&row)?;
    out.token = Some(token);
    Ok(out)
}

fn to_token(row: &TokenRow) -> Result<EnrollmentToken, ApiError> {
    Ok(EnrollmentToken {
        token_id: liftoff_kit::db::uuid(&row.id)?,
        token: None,
        team: row.team.clone(),
        tags: serde_json::from_str(&row.tags)?,
        expires_at: to_utc(row.expires_at),
        uses_left: row.uses_left,
        created_at: to_utc(row.created_at),
        uses: row.uses,
        description: row.description.clone(),
        created_by: Some(row.created_by.clone()),
        revoked_at: row.revoked_at.map(to_utc),
    })
}

/// The team's enrollment tokens (never their secrets), newest first.
pub async fn list_tokens(state: &State, team: String) -> Result<Vec<EnrollmentToken>, ApiError> {
    let rows = state.db.run(move |c| tokens::list(c, &team)).await?;
    rows.iter().map(to_token).collect()
}

/// Revokes a token: no host enrolls with it any more; hosts enrolled with it keep their own
/// credentials. Revoking twice answers the same.
pub async fn revoke_token(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<EnrollmentToken, ApiError> {
    state
        .db
        .write(move |c| {
            let row = tokens::get(c, &id.to_string())?
                .filter(|r| r.team == team)
                .ok_or_else(|| ApiError::not_found(format!("enrollment token {id} not found")))?;
            if tokens::revoke(c, &row.id, now())? {
                let mut ev = outbox::event(crate::NAME, EventType::EnrollmentTokenRevoked);
                ev.team = Some(team.clone());
                ev.actor = Some(actor.clone());
                ev.data = serde_json::json!({"token_id": row.id, "uses": row.uses});
                outbox::enqueue(c, &ev)?;
            }
            let row = tokens::get(c, &row.id)?.ok_or_else(|| ApiError::not_found("token"))?;
            to_token(&row)
        })
        .await
}

/// Exchanges an enrollment token for a new host identity and its own credential. A reused
/// hostname gets a new identity: it never inherits another host's id or credential.
/// The host starts `Pending`: it goes into service once the groups it entered have their
/// revisions installed (at once when there is nothing to install).
pub async fn enroll(state: Arc<State>, req: EnrollRequest) -> Result<EnrollResponse, ApiError> {
    let hostname_ok = !req.hostname.is_empty()
        && req.hostname.len() <= 253
        && req
            .hostname
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !hostname_ok {
        return Err(ApiError::invalid_field(
            "hostname: 1 to 253 characters of letters, digits, '-', '.', '_'",
        ));
    }
    validate_name("zone", &req.zone).map_err(ApiError::invalid_field)?;
    validate_tags("tags", &req.tags)?;
    if let Some(v) = &req.agent_version {
        validate_text("agent_version", v, 64).map_err(ApiError::invalid_field)?;
    }
    let hash = hash_token(&req.enrollment_token);
    let host_id = Uuid::now_v7();
    let authority = state.authority.clone();
    let interval = state.cadence.interval().as_secs();
    let res = state
        .db
        .run(move |c| {
            write_tx(c, |c| {
                let invalid =
                    || ApiError::unauthorized("enrollment token is invalid, expired or used up");
                let token = tokens::find_by_hash(c, &hash)?.ok_or_else(invalid)?;
                let at = now();
                if token.revoked_at.is_some()
                    || token.expires_at <= at
                    || token.uses_left.is_some_and(|n| n <= 0)
                {
                    return Err(invalid());
                }
                // Token tags are the operator's; they win over what the host claims.
                let mut tags = req.tags.clone();
                let token_tags: BTreeMap<String, String> = serde_json::from_str(&token.tags)?;
                tags.extend(token_tags);
                super::autoscaling::check_instance_claim(c, &token.team, &tags)?;
                let (credential, claims) = authority.mint(
                    TokenKind::Host,
                    &host_id.to_string(),
                    Some(&token.team),
                    None,
                    false,
                    chrono::Duration::days(super::revocations::HOST_CREDENTIAL_DAYS),
                )?;
                let row = HostRow {
                    id: host_id.to_string(),
                    team: token.team.clone(),
                    name: req.hostname.clone(),
                    zone: req.zone.clone(),
                    tags: serde_json::to_string(&tags)?,
                    state: HostState::Pending,
                    agent_version: req.agent_version.clone(),
                    credential_id: claims.jti.clone(),
                    enrollment_token_id: token.id.clone(),
                    last_heartbeat_at: Some(at),
                    enrolled_at: at,
                    updated_at: at,
                    deregistered_at: None,
                    state_reason: Some("enrolled; evaluating its deployment groups".into()),
                    state_changed_at: Some(at),
                    epoch: 0,
                    previous_tags: None,
                    resume_state: None,
                };
                crate::store::hosts::insert(c, &row)?;
                let mut ev = outbox::event(crate::NAME, EventType::HostEnrolled);
                ev.team = Some(token.team.clone());
                ev.host_id = Some(host_id);
                ev.data = serde_json::json!({
                    "name": row.name, "zone": row.zone, "tags": tags,
                    "agent_version": row.agent_version, "enrollment_token_id": token.id,
                    "state": row.state,
                });
                outbox::enqueue(c, &ev)?;
                super::membership::push_row(c, &row)?;
                super::lifecycle::request_installs(c, &row, Vec::new())?;
                super::autoscaling::attach_launch(c, &row)?;
                // The use is taken last. Every enrollment with this token updates its one row,
                // and on PostgreSQL that row stays locked until the transaction commits: taken
                // first, the whole enrollment (its statements, the credential's signature) ran
                // under the lock, and a fleet enrolling with one token did so one at a time,
                // with up to 9 of the 10 pooled connections waiting on it. If no use is left,
                // the error rolls back what was written above.
                if !tokens::take_use(c, &token)? {
                    return Err(invalid());
                }
                Ok(EnrollResponse {
                    host_id,
                    credential,
                    heartbeat_interval_secs: interval,
                })
            })
        })
        .await?;
    Ok(res)
}
