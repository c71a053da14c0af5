//! `/v1/applications`.

use actix_web::{HttpResponse, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{Application, ApplicationList, CreateApplication};

use crate::{State, app};

/// Creates an application in the caller's team (team admin).
#[utoipa::path(
    tag = "applications",
    request_body = CreateApplication,
    responses((status = 201, body = Application), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/applications")]
pub async fn create_application(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<CreateApplication>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?;
    let a = app::applications::create(&state, team, caller.subject(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(a))
}

/// The caller's applications.
#[utoipa::path(
    tag = "applications",
    responses((status = 200, body = ApplicationList), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications")]
pub async fn list_applications(
    state: web::Data<State>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let applications = app::applications::list(&state, team).await?;
    Ok(HttpResponse::Ok().json(ApplicationList { applications }))
}

/// One application (404 for another team's).
#[utoipa::path(
    tag = "applications",
    params(("app" = String, Path, description = "Application name")),
    responses((status = 200, body = Application), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}")]
pub async fn get_application(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    Ok(HttpResponse::Ok().json(app::applications::get(&state, team, name.into_inner()).await?))
}
