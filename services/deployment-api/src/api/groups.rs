//! `/v1/applications/{app}/deployment-groups` and `/v1/deployment-configs`.

use actix_web::{HttpResponse, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{
    CreateDeploymentConfig, CreateDeploymentGroup, DeploymentConfig, DeploymentConfigList,
    DeploymentGroup, DeploymentGroupList,
};

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
    params(("app" = String, Path, description = "Application name")),
    responses((status = 200, body = DeploymentGroupList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/deployment-groups")]
pub async fn list_groups(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let deployment_groups = app::groups::list(&state, team, name.into_inner()).await?;
    Ok(HttpResponse::Ok().json(DeploymentGroupList { deployment_groups }))
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

/// The deployment configurations.
#[utoipa::path(
    tag = "deployment-groups",
    responses((status = 200, body = DeploymentConfigList), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/deployment-configs")]
pub async fn list_configs(
    state: web::Data<State>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    Ok(HttpResponse::Ok().json(DeploymentConfigList {
        deployment_configs: app::configs::list(&state, team).await?,
    }))
}

/// Creates one of the team's own deployment configurations.
#[utoipa::path(
    tag = "deployment-groups",
    request_body = CreateDeploymentConfig,
    responses((status = 201, body = DeploymentConfig), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/deployment-configs")]
pub async fn create_config(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<CreateDeploymentConfig>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let c = app::configs::create(
        &state,
        team,
        caller.subject().to_string(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(c))
}
