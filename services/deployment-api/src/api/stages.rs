//! `/v1/applications/{app}/stages` and `/v1/applications/{app}/promote`.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{Promote, Promotion, StageList};

use crate::{State, app};

/// The application's stages in order, each with its groups and the revision that last
/// succeeded there.
#[utoipa::path(
    tag = "stages",
    params(("app" = String, Path, description = "Application name")),
    responses((status = 200, body = StageList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/stages")]
pub async fn list_stages(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let stages = app::stages::list(&state, team, name.into_inner()).await?;
    Ok(HttpResponse::Ok().json(StageList { stages }))
}

/// Deploys to every group of stage `to` the revision that last succeeded in stage `from`
/// (reason `promotion`). With a declared stage order, `to` must follow `from`.
#[utoipa::path(
    tag = "stages",
    params(
        ("app" = String, Path, description = "Application name"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: same answer, each target deployment started once")
    ),
    request_body = Promote,
    responses(
        (status = 201, body = Promotion), (status = 200, body = Promotion, description = "Replayed idempotent request"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such application, or a stage without groups"),
        (status = 409, body = ErrorBody, description = "no_successful_revision, deployment_in_progress, idempotency_key_in_use"),
        (status = 422, body = ErrorBody, description = "unknown_stage, promotion_out_of_order, idempotency_key_reused")
    ),
    security(("bearer" = []))
)]
#[post("/v1/applications/{app}/promote")]
pub async fn promote(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    req: HttpRequest,
    body: web::Json<Promote>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map(str::to_string).map_err(|_| {
                ApiError::bad_request("invalid_header", "Idempotency-Key must be ASCII")
            })
        })
        .transpose()?;
    let (p, created) = app::stages::promote(
        &state,
        team,
        caller.subject().to_string(),
        name.into_inner(),
        body.into_inner(),
        key,
    )
    .await?;
    Ok(if created {
        HttpResponse::Created().json(p)
    } else {
        HttpResponse::Ok().json(p)
    })
}
