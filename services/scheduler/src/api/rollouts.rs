//! `/v1/rollouts`: the hand-off from deployment-api.

use actix_web::{HttpResponse, get, post, put, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::scheduler::{CreateRollout, Rollout};
use uuid::Uuid;

use crate::{State, app};

/// Creates the rollout of a deployment (service credential). Idempotent.
#[utoipa::path(
    tag = "rollouts",
    params(("id" = Uuid, Path, description = "Deployment id")),
    request_body = CreateRollout,
    responses((status = 200, body = Rollout), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody, description = "Exists with another specification"), (status = 503, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/v1/rollouts/{id}")]
pub async fn put_rollout(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<CreateRollout>,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let r = app::rollouts::create(&state, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// A rollout with every host and lifecycle event.
#[utoipa::path(
    tag = "rollouts",
    params(("id" = Uuid, Path, description = "Deployment id")),
    responses((status = 200, body = Rollout), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/rollouts/{id}")]
pub async fn get_rollout(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let r = app::rollouts::view(&state, id.into_inner(), team).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Stops a rollout (service credential).
#[utoipa::path(
    tag = "rollouts",
    params(("id" = Uuid, Path, description = "Deployment id")),
    responses((status = 200, body = Rollout), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/rollouts/{id}/stop")]
pub async fn stop_rollout(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let r = app::rollouts::stop(&state, id.into_inner(), None).await?;
    Ok(HttpResponse::Ok().json(r))
}
