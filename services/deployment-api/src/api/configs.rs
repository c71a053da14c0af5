//! `/v1/deployment-configs`: the built-ins and the team's custom configurations.

use actix_web::{HttpResponse, delete, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{CreateDeploymentConfig, DeploymentConfig, DeploymentConfigList};

use crate::{State, app};

/// The deployment configurations: the built-ins, then the team's own.
#[utoipa::path(
    tag = "deployment-configs",
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

/// Creates a custom configuration (team admin): minimum healthy hosts as `HOST_COUNT` or
/// `FLEET_PERCENT` (0 to 99), a zone mode (`striped` or `zone-at-a-time`), and an optional
/// first canary batch.
#[utoipa::path(
    tag = "deployment-configs",
    request_body = CreateDeploymentConfig,
    responses((status = 201, body = DeploymentConfig), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "already_exists")),
    security(("bearer" = []))
)]
#[post("/v1/deployment-configs")]
pub async fn create_config(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<CreateDeploymentConfig>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let c = app::configs::create(
        &state,
        team,
        caller.subject().to_string(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(c))
}

/// One configuration, built-in or the team's.
#[utoipa::path(
    tag = "deployment-configs",
    params(("name" = String, Path, description = "Configuration name")),
    responses((status = 200, body = DeploymentConfig), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/deployment-configs/{name}")]
pub async fn get_config(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    Ok(HttpResponse::Ok().json(app::configs::get(&state, team, name.into_inner()).await?))
}

/// Deletes a custom configuration (team admin). Refused while a deployment group or an
/// unfinished deployment uses it (409 `config_in_use`); built-ins cannot be deleted (422
/// `builtin_config`).
#[utoipa::path(
    tag = "deployment-configs",
    params(("name" = String, Path, description = "Configuration name")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "config_in_use"), (status = 422, body = ErrorBody, description = "builtin_config")),
    security(("bearer" = []))
)]
#[delete("/v1/deployment-configs/{name}")]
pub async fn delete_config(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    app::configs::delete(
        &state,
        team,
        caller.subject().to_string(),
        name.into_inner(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
