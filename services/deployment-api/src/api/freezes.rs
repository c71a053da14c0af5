//! `/v1/freezes`: deployment freezes of the team or of one application.

use actix_web::{HttpResponse, delete, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{CreateFreeze, Freeze, FreezeList};
use uuid::Uuid;

use crate::{State, app};

/// Freezes deployments (deployer) of the team, or of one application, until a time: they are
/// refused (409 `frozen`) unless an admin overrides with a written reason.
#[utoipa::path(
    tag = "freezes",
    request_body = CreateFreeze,
    responses((status = 201, body = Freeze), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/freezes")]
pub async fn create_freeze(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<CreateFreeze>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let f = app::freezes::create(
        &state,
        team,
        caller.subject().to_string(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(f))
}

/// The freezes in force now.
#[utoipa::path(
    tag = "freezes",
    responses((status = 200, body = FreezeList), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/freezes")]
pub async fn list_freezes(
    state: web::Data<State>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    Ok(HttpResponse::Ok().json(app::freezes::list(&state, team).await?))
}

/// Lifts a freeze now (admin); it stays on record.
#[utoipa::path(
    tag = "freezes",
    params(("id" = Uuid, Path, description = "Freeze id")),
    responses((status = 200, body = Freeze), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/v1/freezes/{id}")]
pub async fn lift_freeze(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let f = app::freezes::lift(&state, team, caller.subject().to_string(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(f))
}
