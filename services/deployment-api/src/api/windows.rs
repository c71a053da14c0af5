//! `/v1/applications/{app}/deployment-groups/{group}/windows`: when a group's deployments may start.

use actix_web::{HttpResponse, get, put, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{DeploymentWindows, SetDeploymentWindows};

use crate::{State, app};

/// The group's deployment windows, whether one is open now, and when the next opens.
#[utoipa::path(
    tag = "deployment-groups",
    params(("app" = String, Path, description = "Application name"), ("group" = String, Path, description = "Deployment group name")),
    responses((status = 200, body = DeploymentWindows), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/deployment-groups/{group}/windows")]
pub async fn get_windows(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let (app, group) = path.into_inner();
    Ok(HttpResponse::Ok().json(app::windows::get(&state, team, app, group).await?))
}

/// Sets the group's deployment windows (team admin) and what happens outside them: `wait`
/// (queued, starts when a window opens) or `refuse` (409 `outside_window`). An empty list
/// removes the gate; a bad spec is refused (400) and changes nothing.
#[utoipa::path(
    tag = "deployment-groups",
    params(("app" = String, Path, description = "Application name"), ("group" = String, Path, description = "Deployment group name")),
    request_body = SetDeploymentWindows,
    responses((status = 200, body = DeploymentWindows), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/v1/applications/{app}/deployment-groups/{group}/windows")]
pub async fn set_windows(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<SetDeploymentWindows>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let (app, group) = path.into_inner();
    let w = app::windows::set(
        &state,
        team,
        caller.subject().to_string(),
        app,
        group,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(w))
}

/// The application's own deployment windows: those of every group without windows of its own.
#[utoipa::path(
    tag = "applications",
    params(("app" = String, Path, description = "Application name")),
    responses((status = 200, body = DeploymentWindows), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/windows")]
pub async fn get_app_windows(
    state: web::Data<State>,
    caller: Caller,
    app: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    Ok(HttpResponse::Ok().json(app::windows::get_app(&state, team, app.into_inner()).await?))
}

/// Sets the application's deployment windows (team admin): every group without windows of
/// its own follows them. An empty list removes them; a bad spec is refused (400) and changes
/// nothing.
#[utoipa::path(
    tag = "applications",
    params(("app" = String, Path, description = "Application name")),
    request_body = SetDeploymentWindows,
    responses((status = 200, body = DeploymentWindows), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/v1/applications/{app}/windows")]
pub async fn set_app_windows(
    state: web::Data<State>,
    caller: Caller,
    app: web::Path<String>,
    body: web::Json<SetDeploymentWindows>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let w = app::windows::set_app(
        &state,
        team,
        caller.subject().to_string(),
        app.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(w))
}
