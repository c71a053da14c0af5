//! `/v1/teams`: teams and the tokens minted for them (platform administrators, team admins).

use actix_web::{HttpResponse, get, post, web};
use liftoff_kit::{ApiError, Caller};
use liftoff_types::ErrorBody;
use liftoff_types::tokens::{CreateTeam, CreateToken, CreatedToken, Team, TeamList, TokenList};

use crate::{State, app};

/// Creates a team (platform administrator).
#[utoipa::path(
    tag = "teams",
    request_body = CreateTeam,
    responses((status = 201, body = Team), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/teams")]
pub async fn create_team(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<CreateTeam>,
) -> Result<HttpResponse, ApiError> {
    let team = app::teams::create(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(team))
}

/// Every team (platform administrator), or the caller's own.
#[utoipa::path(
    tag = "teams",
    responses((status = 200, body = TeamList), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/teams")]
pub async fn list_teams(state: web::Data<State>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let teams = app::teams::list(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(TeamList { teams }))
}

/// One team (its members, platform administrators; 404 for anyone else).
#[utoipa::path(
    tag = "teams",
    params(("team" = String, Path, description = "Team name")),
    responses((status = 200, body = Team), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/teams/{team}")]
pub async fn get_team(
    state: web::Data<State>,
    caller: Caller,
    team: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(app::teams::get(&state, &caller, team.into_inner()).await?))
}

/// Disables a team: its tokens are refused (401) by every service from now on (platform
/// administrator).
#[utoipa::path(
    tag = "teams",
    params(("team" = String, Path, description = "Team name")),
    responses((status = 200, body = Team), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "own_team")),
    security(("bearer" = []))
)]
#[post("/v1/teams/{team}/disable")]
pub async fn disable_team(
    state: web::Data<State>,
    caller: Caller,
    team: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let t = app::teams::set_disabled(&state, &caller, team.into_inner(), true).await?;
    Ok(HttpResponse::Ok().json(t))
}

/// Enables a disabled team again (platform administrator).
#[utoipa::path(
    tag = "teams",
    params(("team" = String, Path, description = "Team name")),
    responses((status = 200, body = Team), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/teams/{team}/enable")]
pub async fn enable_team(
    state: web::Data<State>,
    caller: Caller,
    team: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let t = app::teams::set_disabled(&state, &caller, team.into_inner(), false).await?;
    Ok(HttpResponse::Ok().json(t))
}

/// Mints a team token (the team's admins, platform administrators). The token is in this
/// answer only; what is recorded is its id, team, role, subject, expiry and creator.
#[utoipa::path(
    tag = "teams",
    params(("team" = String, Path, description = "Team name")),
    request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "team_disabled")),
    security(("bearer" = []))
)]
#[post("/v1/teams/{team}/tokens")]
pub async fn create_token(
    state: web::Data<State>,
    caller: Caller,
    team: web::Path<String>,
    body: web::Json<CreateToken>,
) -> Result<HttpResponse, ApiError> {
    let t = app::tokens::create(&state, &caller, team.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(t))
}

/// The tokens minted for a team, newest first (the team's admins, platform administrators).
#[utoipa::path(
    tag = "teams",
    params(("team" = String, Path, description = "Team name")),
    responses((status = 200, body = TokenList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/teams/{team}/tokens")]
pub async fn list_tokens(
    state: web::Data<State>,
    caller: Caller,
    team: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tokens = app::tokens::list(&state, &caller, team.into_inner()).await?;
    Ok(HttpResponse::Ok().json(TokenList { tokens }))
}
