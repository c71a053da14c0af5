//! `/v1/whoami`: the presented team token's team, role and expiry, so a client (the web
//! console) shows only the controls that role may use and knows when to sign in again.

use actix_web::{HttpResponse, get};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::tokens::{TeamRole, Whoami};

/// The presented team token: team, role, subject, expiry.
#[utoipa::path(
    tag = "teams",
    responses(
        (status = 200, body = Whoami, description = "The token's team and role"),
        (status = 401, body = ErrorBody, description = "No valid team token")
    ),
    security(("bearer" = []))
)]
#[get("/v1/whoami")]
pub async fn whoami(caller: Caller) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let role = caller
        .claims
        .role
        .as_deref()
        .and_then(TeamRole::parse)
        .ok_or_else(|| ApiError::unauthorized("token has no valid role"))?;
    let expires_at = chrono::DateTime::from_timestamp(caller.claims.exp, 0)
        .ok_or_else(|| ApiError::unauthorized("token has no valid expiry"))?;
    Ok(HttpResponse::Ok().json(Whoami {
        team,
        role,
        subject: caller.subject().to_string(),
        platform: caller.is_platform_admin(),
        expires_at,
    }))
}
