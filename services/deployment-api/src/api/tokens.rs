//! `/v1/tokens`: revocation by `jti`, and the revocation feed services follow.

use actix_web::{HttpResponse, get, post, web};
use liftoff_kit::{ApiError, Caller};
use liftoff_types::ErrorBody;
use liftoff_types::history::{EventBatch, IngestResult};
use liftoff_types::tokens::{RevocationPage, RevokeCredential, RevokedToken};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::{State, app};

/// Revokes a token: refused at once by this process, by every service within a tick. A team's
/// admins revoke its tokens; platform administrators any token id. Revoking twice is harmless.
#[utoipa::path(
    tag = "tokens",
    params(("jti" = String, Path, description = "The token's id (`jti`)")),
    responses((status = 200, body = RevokedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/tokens/{jti}/revoke")]
pub async fn revoke_token(
    state: web::Data<State>,
    caller: Caller,
    jti: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(app::tokens::revoke(&state, &caller, jti.into_inner()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `next_after` of the previous page (default 0: from the start).
    after: Option<i64>,
    /// 1 to 1000, default 1000.
    limit: Option<i64>,
}

/// Revocations after a sequence number, in commit order (service credential). Every service
/// pulls this at start and each tick.
#[utoipa::path(
    tag = "tokens",
    params(FeedQuery),
    responses((status = 200, body = RevocationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/tokens/revocations")]
pub async fn revocations(
    state: web::Data<State>,
    caller: Caller,
    q: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let page = app::tokens::revocations_after(
        &state.db,
        q.after.unwrap_or(0),
        q.limit.unwrap_or(app::tokens::MAX_FEED_PAGE),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A service revokes a credential it issued, e.g. host-registry a deregistered host's
/// (service credential): it joins the feed like any revoked token, refused at once by this
/// process and by every service within a tick. Revoking twice is harmless.
#[utoipa::path(
    tag = "tokens",
    request_body = RevokeCredential,
    responses((status = 200, body = RevokedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody, description = "team_token: a team token is revoked by its team's admins")),
    security(("bearer" = []))
)]
#[post("/v1/tokens/revocations")]
pub async fn revoke_credential(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<RevokeCredential>,
) -> Result<HttpResponse, ApiError> {
    let res = app::tokens::revoke_credential(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(res))
}

/// Takes a batch of credential revocations from a service's outbox (`credential.revocation`
/// events whose `data` is a `RevokeCredential`; service credential): host-registry's, for the
/// hosts it deregistered. Each joins the feed like any revoked token, in one transaction, and
/// is refused at once by this process. A credential already on the feed (a redelivery)
/// changes nothing and counts as a duplicate.
#[utoipa::path(
    tag = "tokens",
    request_body = EventBatch,
    responses((status = 200, body = IngestResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody, description = "Over the size an outbox receiver takes"), (status = 415, body = ErrorBody, description = "Not JSON")),
    security(("bearer" = []))
)]
#[post("/v1/tokens/revocation-events")]
pub async fn record_revocation_events(
    state: web::Data<State>,
    caller: Caller,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let batch: EventBatch =
        liftoff_kit::web::json_body(&req, payload, liftoff_kit::outbox::RECEIVE_BODY_LIMIT).await?;
    Ok(HttpResponse::Ok()
        .json(app::tokens::record_revocation_events(&state, &caller, batch).await?))
}
