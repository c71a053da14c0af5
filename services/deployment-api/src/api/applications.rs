//! `/v1/applications`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{
    Application, ApplicationDeleted, ApplicationList, CreateApplication, UpdateApplication,
};

use super::paging::PageQuery;
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
    params(PageQuery),
    responses((status = 200, body = ApplicationList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications")]
pub async fn list_applications(
    state: web::Data<State>,
    caller: Caller,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let page = q.into_inner().page()?;
    Ok(HttpResponse::Ok().json(app::applications::list(&state, team, page).await?))
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

/// Changes an application's description or its stage order (team admin). A stage order must
/// name the stage of every group; `[]` removes it.
#[utoipa::path(
    tag = "applications",
    params(("app" = String, Path, description = "Application name")),
    request_body = UpdateApplication,
    responses((status = 200, body = Application), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "unknown_stage")),
    security(("bearer" = []))
)]
#[patch("/v1/applications/{app}")]
pub async fn update_application(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    body: web::Json<UpdateApplication>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let a = app::applications::update(
        &state,
        team,
        caller.subject().to_string(),
        name.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(a))
}

/// Deletes an application (team admin): its deployment groups, its revisions, the records of
/// its finished deployments, and bundle bytes no other application shares. Refused (409
/// `deployments_active`) while one of its deployments is unfinished. History keeps every
/// event about it; hosts keep running what they run.
#[utoipa::path(
    tag = "applications",
    params(("app" = String, Path, description = "Application name")),
    responses((status = 200, body = ApplicationDeleted), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "deployments_active")),
    security(("bearer" = []))
)]
#[delete("/v1/applications/{app}")]
pub async fn delete_application(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let d = app::applications::delete(
        &state,
        team,
        caller.subject().to_string(),
        name.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(d))
}
