//! Team tokens: minted here (the record is kept, never the token), listed, revoked by `jti`;
//! and the revocation feed every service follows.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use liftoff_kit::auth::{RevocationFeed, TokenKind};
use liftoff_kit::db::{now, to_utc};
use liftoff_kit::{ApiError, Caller, Db, Role, outbox};
use liftoff_types::events::EventType;
use liftoff_types::history::{EventBatch, IngestResult};
use liftoff_types::names::validate_text;
use liftoff_types::tokens::{
    CreateToken, CreatedToken, Revocation, RevocationKind, RevocationPage, RevokeCredential,
    RevokedToken, TeamRole, TokenRecord,
};

use super::teams::authorize;
use crate::State;
use crate::store::tokens::{self as store, RevocationRow, TokenRow};

pub const DEFAULT_TTL_SECS: u64 = 30 * 86_400;
pub const MIN_TTL_SECS: u64 = 60;
pub const MAX_TTL_SECS: u64 = 365 * 86_400;
/// Largest page of the revocation feed.
pub const MAX_FEED_PAGE: i64 = 1000;

fn role_of(r: TeamRole) -> Role {
    match r {
        TeamRole::Viewer => Role::Viewer,
        TeamRole::Deployer => Role::Deployer,
        TeamRole::Admin => Role::Admin,
    }
}

pub fn to_record(row: &TokenRow) -> Result<TokenRecord, ApiError> {
    Ok(TokenRecord {
        jti: row.jti.clone(),
        team: row.team.clone(),
        role: TeamRole::parse(&row.role)
            .ok_or_else(|| ApiError::internal(format!("stored role {:?} unreadable", row.role)))?,
        subject: row.subject.clone(),
        platform: row.platform,
        description: row.description.clone(),
        created_by: row.created_by.clone(),
        created_at: to_utc(row.created_at),
        expires_at: to_utc(row.expires_at),
        revoked_at: row.revoked_at.map(to_utc),
        revoked_by: row.revoked_by.clone(),
    })
}

/// Token ids are UUIDs here; anything else cannot name a token (and is no path or query).
pub fn validate_jti(jti: &str) -> Result<(), ApiError> {
    if jti.is_empty()
        || jti.len() > 64
        || !jti.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(ApiError::bad_request(
            "invalid_path",
            "jti: 1 to 64 of [A-Za-z0-9-]",
        ));
    }
    Ok(())
}

/// Mints a token for `team`: its admins for their own team, platform administrators for any.
pub async fn create(
    state: &State,
    caller: &Caller,
    team: String,
    req: CreateToken,
) -> Result<CreatedToken, ApiError> {
    authorize(caller, &team, Role::Admin)?;
    if req.platform && !caller.is_platform_admin() {
        return Err(ApiError::forbidden(
            "only a platform administrator mints platform tokens",
        ));
    }
    if req.platform && req.role != TeamRole::Admin {
        return Err(ApiError::invalid_field(
            "platform: a platform token has the admin role",
        ));
    }
    let ttl = req.ttl_secs.unwrap_or(DEFAULT_TTL_SECS);
    if !(MIN_TTL_SECS..=MAX_TTL_SECS).contains(&ttl) {
        return Err(ApiError::invalid_field(format!(
            "ttl_secs: {MIN_TTL_SECS} to {MAX_TTL_SECS}"
        )));
    }
    if let Some(s) = &req.subject {
        validate_text("subject", s, 128).map_err(ApiError::invalid_field)?;
        if s.trim().is_empty() {
            return Err(ApiError::invalid_field("subject: empty"));
        }
    }
    if let Some(d) = &req.description {
        validate_text("description", d, 4096).map_err(ApiError::invalid_field)?;
    }
    let (token, claims) = state.authority.mint(
        TokenKind::Team,
        // Replaced below once the id is known, if no subject was given.
        req.subject.as_deref().unwrap_or("pending"),
        Some(&team),
        Some(role_of(req.role)),
        req.platform,
        chrono::Duration::seconds(ttl as i64),
    )?;
    let (token, claims) = if req.subject.is_none() {
        let mut claims = claims;
        claims.sub = format!("token-{}", &claims.jti[..8]);
        (state.authority.sign(&claims)?, claims)
    } else {
        (token, claims)
    };
    let at = now();
    let row = TokenRow {
        jti: claims.jti.clone(),
        team: team.clone(),
        role: req.role.as_str().to_string(),
        subject: claims.sub.clone(),
        platform: req.platform,
        description: req.description,
        created_by: caller.subject().to_string(),
        created_at: at,
        expires_at: chrono::DateTime::from_timestamp(claims.exp, 0)
            .map(|t| t.naive_utc())
            .ok_or_else(|| ApiError::internal("token expiry out of range"))?,
        revoked_at: None,
        revoked_by: None,
    };
    let mut ev = outbox::event(crate::NAME, EventType::TokenCreated);
    ev.team = Some(team.clone());
    ev.actor = Some(row.created_by.clone());
    ev.data = serde_json::json!({
        "jti": row.jti, "role": row.role, "subject": row.subject,
        "platform": row.platform, "expires_at": to_utc(row.expires_at),
    });
    let stored = row.clone();
    state
        .db
        .write(move |c| {
            let t = store::team(c, &stored.team)?
                .ok_or_else(|| ApiError::not_found(format!("team {:?} not found", stored.team)))?;
            if t.disabled_at.is_some() {
                return Err(ApiError::conflict(
                    "team_disabled",
                    format!("team {:?} is disabled", stored.team),
                ));
            }
            store::insert_token(c, &stored)?;
            outbox::enqueue(c, &ev)
        })
        .await?;
    Ok(CreatedToken {
        token,
        record: to_record(&row)?,
    })
}

/// The tokens minted for `team`, newest first (its admins, platform administrators).
pub async fn list(
    state: &State,
    caller: &Caller,
    team: String,
) -> Result<Vec<TokenRecord>, ApiError> {
    authorize(caller, &team, Role::Admin)?;
    let rows = state
        .db
        .run(move |c| {
            store::team(c, &team)?
                .ok_or_else(|| ApiError::not_found(format!("team {team:?} not found")))?;
            store::tokens_of(c, &team)
        })
        .await?;
    rows.iter().map(to_record).collect()
}

/// Revokes a token by its id, at once in this process and within a tick everywhere. A team's
/// admins revoke its tokens; platform administrators any token, including ones this API did
/// not mint (the admin token of `liftoff up`, a host credential). Revoking twice is harmless.
pub async fn revoke(state: &State, caller: &Caller, jti: String) -> Result<RevokedToken, ApiError> {
    validate_jti(&jti)?;
    // Only team tokens revoke (a host or service credential is refused here with 401).
    caller.team(Role::Viewer)?;
    let platform = caller.is_platform_admin();
    let actor = caller.subject().to_string();
    let caller = caller.clone();
    let id = jti.clone();
    let (answer, expires) = state
        .db
        .write(move |c| {
            let at = now();
            let record = store::token(c, &id)?;
            if let Some(row) = &record {
                authorize(&caller, &row.team, Role::Admin)?;
            } else if !platform {
                return Err(ApiError::not_found(format!("token {id} not found")));
            }
            let expires_at = record.as_ref().map(|r| r.expires_at);
            let fresh = match &record {
                Some(_) => store::mark_revoked(c, &id, at, &actor)?,
                None => store::revocation_of(c, &id)?.is_none(),
            };
            if fresh {
                let team = record.as_ref().map(|r| r.team.clone());
                append(c, &id, team, expires_at, &actor, None, at)?;
            }
            let record = store::token(c, &id)?;
            let revoked_at = match record.as_ref().and_then(|r| r.revoked_at) {
                Some(t) => t,
                None => store::revocation_of(c, &id)?.map_or(at, |r| r.created_at),
            };
            let answer = RevokedToken {
                jti: id.clone(),
                revoked_at: to_utc(revoked_at),
                record: record.as_ref().map(to_record).transpose()?,
            };
            Ok((answer, expires_at))
        })
        .await?;
    // Committed: refuse it in this process at once (the feed brings it to the others).
    state
        .authority
        .revocations()
        .revoke(&jti, expires.map(|t| t.and_utc().timestamp()));
    Ok(answer)
}

/// Puts `jti` on the feed and tells history; call in the transaction that decides it.
fn append(
    c: &mut liftoff_kit::AnyConnection,
    jti: &str,
    team: Option<String>,
    expires_at: Option<chrono::NaiveDateTime>,
    actor: &str,
    reason: Option<&str>,
    at: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    store::append_revocation(
        c,
        RevocationRow {
            seq: 0,
            kind: RevocationKind::Token.as_str().to_string(),
            jti: Some(jti.to_string()),
            team: team.clone(),
            expires_at,
            created_by: actor.to_string(),
            created_at: at,
        },
    )?;
    let mut ev = outbox::event(crate::NAME, EventType::TokenRevoked);
    ev.team = team;
    ev.actor = Some(actor.to_string());
    ev.data = match reason {
        Some(r) => serde_json::json!({ "jti": jti, "reason": r }),
        None => serde_json::json!({ "jti": jti }),
    };
    outbox::enqueue(c, &ev)
}

/// A service revokes a credential it issued (host-registry: a deregistered host's), at once
/// in this process and within a tick everywhere. Revoking twice is harmless.
pub async fn revoke_credential(
    state: &State,
    caller: &Caller,
    req: RevokeCredential,
) -> Result<RevokedToken, ApiError> {
    caller.service()?;
    validate_credential(&req)?;
    let actor = caller.subject().to_string();
    let jti = req.jti.clone();
    let expires = req.expires_at.map(|t| t.timestamp());
    let revoked_at = state
        .db
        .write(move |c| put_on_feed(c, &actor, req))
        .await?
        .map_err(|team| {
            // A team token is revoked through its team's admins, never by a service.
            ApiError::conflict(
                "team_token",
                format!("{jti} is a team token of {team}; revoke it as a team admin"),
            )
        })?
        .at;
    state.authority.revocations().revoke(&jti, expires);
    Ok(RevokedToken {
        jti,
        revoked_at: to_utc(revoked_at),
        record: None,
    })
}

/// Takes a batch of a service's outbox events of type `credential.revocation` (host-registry:
/// the credentials of hosts it deregistered), each put on the feed as by [`revoke_credential`],
/// in one transaction; refused at once by this process. A credential already on the feed
/// (a redelivery) counts as a duplicate and changes nothing; a team token, which no service
/// may revoke, is left alone and counted as a duplicate too, so the sender's queue is never
/// stuck behind it.
pub async fn record_revocation_events(
    state: &State,
    caller: &Caller,
    batch: EventBatch,
) -> Result<IngestResult, ApiError> {
    caller.service()?;
    let mut reqs = Vec::with_capacity(batch.events.len());
    for ev in batch.events {
        if !ev.is(EventType::CredentialRevocation) {
            return Err(ApiError::invalid_field(format!(
                "event_type: {:?} is not a {}",
                ev.event_type,
                EventType::CredentialRevocation
            )));
        }
        let req: RevokeCredential = serde_json::from_value(ev.data).map_err(|e| {
            ApiError::invalid_field(format!("data: not a credential revocation: {e}"))
        })?;
        validate_credential(&req)?;
        reqs.push(req);
    }
    let actor = caller.subject().to_string();
    let refuse: Vec<(String, Option<i64>)> = reqs
        .iter()
        .map(|r| (r.jti.clone(), r.expires_at.map(|t| t.timestamp())))
        .collect();
    let outcomes = state
        .db
        .write(move |c| {
            reqs.into_iter()
                .map(|req| put_on_feed(c, &actor, req))
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    let mut result = IngestResult {
        accepted: 0,
        duplicates: 0,
    };
    for ((jti, expires), outcome) in refuse.iter().zip(&outcomes) {
        match outcome {
            Ok(Appended { fresh: true, .. }) => result.accepted += 1,
            Ok(Appended { fresh: false, .. }) => result.duplicates += 1,
            Err(team) => {
                tracing::warn!(%jti, %team, "a service asked to revoke a team token; left alone (a team's admins revoke its tokens)");
                result.duplicates += 1;
                continue;
            }
        }
        state.authority.revocations().revoke(jti, *expires);
    }
    Ok(result)
}

fn validate_credential(req: &RevokeCredential) -> Result<(), ApiError> {
    validate_jti(&req.jti)?;
    if let Some(r) = &req.reason {
        validate_text("reason", r, 1024).map_err(ApiError::invalid_field)?;
    }
    if let Some(t) = &req.team {
        liftoff_types::names::validate_name("team", t).map_err(ApiError::invalid_field)?;
    }
    Ok(())
}

/// A credential on the feed: since when, and whether this call put it there.
struct Appended {
    at: chrono::NaiveDateTime,
    fresh: bool,
}

/// Puts a service's credential on the feed unless it already is; call in a write transaction.
/// `Err(team)` (the inner one) when `jti` is a team token of `team`: not a service's to revoke.
fn put_on_feed(
    c: &mut liftoff_kit::AnyConnection,
    actor: &str,
    req: RevokeCredential,
) -> Result<Result<Appended, String>, ApiError> {
    if let Some(row) = store::token(c, &req.jti)? {
        return Ok(Err(row.team));
    }
    if let Some(existing) = store::revocation_of(c, &req.jti)? {
        return Ok(Ok(Appended {
            at: existing.created_at,
            fresh: false,
        }));
    }
    let at = now();
    let expires = req.expires_at.map(|t| t.naive_utc());
    append(
        c,
        &req.jti,
        req.team,
        expires,
        actor,
        req.reason.as_deref(),
        at,
    )?;
    Ok(Ok(Appended { at, fresh: true }))
}

fn to_revocation(row: &RevocationRow) -> Option<Revocation> {
    Some(Revocation {
        seq: row.seq,
        kind: RevocationKind::parse(&row.kind)?,
        jti: row.jti.clone(),
        team: row.team.clone(),
        expires_at: row.expires_at.map(to_utc),
    })
}

/// The feed after `after`. Entries for tokens that have expired anyway are left out (their
/// sequence numbers still count).
pub async fn revocations_after(
    db: &Db,
    after: i64,
    limit: i64,
) -> Result<RevocationPage, ApiError> {
    if after < 0 {
        return Err(ApiError::invalid_field("after: not negative"));
    }
    if !(1..=MAX_FEED_PAGE).contains(&limit) {
        return Err(ApiError::invalid_field(format!(
            "limit: 1 to {MAX_FEED_PAGE}"
        )));
    }
    let rows = db
        .run(move |c| store::revocations_after(c, after, limit))
        .await?;
    let next_after = rows.last().map_or(after, |r| r.seq);
    let horizon = now() - chrono::Duration::minutes(10);
    Ok(RevocationPage {
        more: rows.len() as i64 == limit,
        revocations: rows
            .iter()
            .filter(|r| r.expires_at.is_none_or(|e| e > horizon))
            .filter_map(to_revocation)
            .collect(),
        next_after,
    })
}

/// The feed read straight from deployment-api's database (this process, or any replica).
struct DbFeed(Db);

impl RevocationFeed for DbFeed {
    fn fetch(&self, after: i64, limit: i64) -> BoxFuture<'_, Result<RevocationPage, ApiError>> {
        Box::pin(revocations_after(&self.0, after, limit))
    }
}

pub fn feed(db: Db) -> Arc<dyn RevocationFeed> {
    Arc::new(DbFeed(db))
}
