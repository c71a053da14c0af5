//! `/v1/history/pins`: revisions whose record retention keeps forever.

use actix_web::{HttpResponse, delete, get, put, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::history::{CreatePin, Pin, PinList};
use uuid::Uuid;

use crate::{State, app};

/// The team's pinned revisions.
#[utoipa::path(
    tag = "retention",
    responses((status = 200, body = PinList), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/history/pins")]
pub async fn list_pins(state: web::Data<State>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    Ok(HttpResponse::Ok().json(app::retention::list_pins(&state, team).await?))
}

/// Keeps revision `r`'s record (events, spans, hook logs) past retention (deployer).
/// 201 when pinned now, 200 when it already was.
#[utoipa::path(
    tag = "retention",
    params(("revision" = Uuid, Path, description = "Revision id")),
    request_body = CreatePin,
    responses((status = 201, body = Pin), (status = 200, body = Pin), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/v1/history/pins/{revision}")]
pub async fn pin(
    state: web::Data<State>,
    caller: Caller,
    revision: web::Path<Uuid>,
    body: web::Json<CreatePin>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let (p, created) = app::retention::pin(
        &state,
        team,
        caller.subject().to_string(),
        revision.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(if created {
        HttpResponse::Created().json(p)
    } else {
        HttpResponse::Ok().json(p)
    })
}

/// Removes a pin (deployer); answers the pin removed.
#[utoipa::path(
    tag = "retention",
    params(("revision" = Uuid, Path, description = "Revision id")),
    responses((status = 200, body = Pin), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/v1/history/pins/{revision}")]
pub async fn unpin(
    state: web::Data<State>,
    caller: Caller,
    revision: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let p = app::retention::unpin(
        &state,
        team,
        caller.subject().to_string(),
        revision.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(p))
}
