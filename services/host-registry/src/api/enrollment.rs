//! `/v1/enrollment-tokens` and `/v1/hosts/enroll`.

use actix_web::{HttpResponse, delete, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::registry::{CreateEnrollmentToken, EnrollRequest, EnrollmentTokenList};
use uuid::Uuid;

use crate::{State, app};

/// Creates an enrollment token for the caller's team (team admin).
#[utoipa::path(
    operation_id = "create_enrollment_token",
    tag = "enrollment",
    request_body = CreateEnrollmentToken,
    responses(
        (status = 201, body = liftoff_types::registry::EnrollmentToken, description = "The token; its secret is shown only now"),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody), (status = 403, body = liftoff_types::ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/enrollment-tokens")]
pub async fn create_token(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<CreateEnrollmentToken>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let token =
        app::enrollment::create_token(&state, &team, caller.subject(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(token))
}

/// An agent exchanges an enrollment token for a host id and its own credential.
#[utoipa::path(
    tag = "enrollment",
    request_body = EnrollRequest,
    responses(
        (status = 201, body = liftoff_types::registry::EnrollResponse),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody, description = "Token invalid, expired or used up")
    ),
    // Public: the enrollment token in the body is the credential.
    security(())
)]
#[post("/v1/hosts/enroll")]
pub async fn enroll(
    state: web::Data<State>,
    body: web::Json<EnrollRequest>,
) -> Result<HttpResponse, ApiError> {
    let res = app::enrollment::enroll(state.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(res))
}

/// The team's enrollment tokens, newest first (never their secrets; team admin).
#[utoipa::path(
    operation_id = "list_enrollment_tokens",
    tag = "enrollment",
    responses(
        (status = 200, body = EnrollmentTokenList),
        (status = 401, body = liftoff_types::ErrorBody), (status = 403, body = liftoff_types::ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/v1/enrollment-tokens")]
pub async fn list_tokens(
    state: web::Data<State>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let enrollment_tokens = app::enrollment::list_tokens(&state, team).await?;
    Ok(HttpResponse::Ok().json(EnrollmentTokenList { enrollment_tokens }))
}

/// Revokes an enrollment token: no host enrolls with it any more (team admin). Hosts that
/// enrolled with it keep their own credentials.
#[utoipa::path(
    operation_id = "revoke_enrollment_token",
    tag = "enrollment",
    params(("id" = Uuid, Path, description = "Token id")),
    responses(
        (status = 200, body = liftoff_types::registry::EnrollmentToken),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody),
        (status = 403, body = liftoff_types::ErrorBody), (status = 404, body = liftoff_types::ErrorBody)
    ),
    security(("bearer" = []))
)]
#[delete("/v1/enrollment-tokens/{id}")]
pub async fn revoke_token(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let t =
        app::enrollment::revoke_token(&state, team, caller.subject().to_string(), id.into_inner())
            .await?;
    Ok(HttpResponse::Ok().json(t))
}
