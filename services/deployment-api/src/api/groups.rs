//! `/v1/applications/{app}/deployment-groups`.

use actix_web::{HttpResponse, get, patch, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{
    CreateDeploymentGroup, DeploymentGroup, DeploymentGroupList, UpdateDeploymentGroup,
};

use super::paging::PageQuery;
use crate::{State, app};

/// Creates a deployment group (team admin).
#[utoipa::path(
    tag = "deployment-groups",
    params(("app" = String, Path, description = "Application name")),
    request_body = CreateDeploymentGroup,
    responses((status = 201, body = DeploymentGroup), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/applications/{app}/deployment-groups")]
pub async fn create_group(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    body: web::Json<CreateDeploymentGroup>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let g = app::groups::create(
        &state,
        team,
        caller.subject().to_string(),
        name.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(g))
}

/// The application's deployment groups.
#[utoipa::path(
    tag = "deployment-groups",
    params(("app" = String, Path, description = "Application name"), PageQuery),
    responses((status = 200, body = DeploymentGroupList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/deployment-groups")]
pub async fn list_groups(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let page = q.into_inner().page()?;
    Ok(HttpResponse::Ok().json(app::groups::list(&state, team, name.into_inner(), page).await?))
}

/// One deployment group, with the revision new hosts get.
#[utoipa::path(
    tag = "deployment-groups",
    params(("app" = String, Path, description = "Application name"), ("group" = String, Path, description = "Group name")),
    responses((status = 200, body = DeploymentGroup), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/deployment-groups/{group}")]
pub async fn get_group(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let (a, g) = path.into_inner();
    Ok(HttpResponse::Ok().json(app::groups::get(&state, team, a, g).await?))
}

/// Changes a group's selector, configuration, auto-rollback, concurrency policy or stage
/// (team admin). A running deployment keeps what it started with.
#[utoipa::path(
    tag = "deployment-groups",
    params(("app" = String, Path, description = "Application name"), ("group" = String, Path, description = "Group name")),
    request_body = UpdateDeploymentGroup,
    responses((status = 200, body = DeploymentGroup), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "unknown_stage")),
    security(("bearer" = []))
)]
#[patch("/v1/applications/{app}/deployment-groups/{group}")]
pub async fn update_group(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<UpdateDeploymentGroup>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let (a, g) = path.into_inner();
    let group = app::groups::update(
        &state,
        team,
        caller.subject().to_string(),
        a,
        g,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(group))
}
