//! What peers push to the scheduler: `/v1/gate-changes`, freezes and groups' deployment
//! windows from deployment-api's outbox, judged between the batches of running rollouts; and
//! `/v1/host-liveness`, hosts host-registry declared lost or back.

use actix_web::{HttpResponse, post, web};
use liftoff_kit::{ApiError, Caller};
use liftoff_types::ErrorBody;
use liftoff_types::history::{EventBatch, IngestResult};

use crate::{State, app};

/// Takes a batch of gate changes (`gate.freeze`, `gate.windows`; service credential),
/// each applied once by event id, in order; the running rollouts they concern are stepped at
/// once (paused before their next batch, or resumed).
#[utoipa::path(
    tag = "rollouts",
    request_body = EventBatch,
    responses((status = 200, body = IngestResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/gate-changes")]
pub async fn record_gate_changes(
    state: web::Data<State>,
    caller: Caller,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let batch: EventBatch =
        liftoff_kit::web::json_body(&req, payload, liftoff_kit::outbox::RECEIVE_BODY_LIMIT).await?;
    Ok(HttpResponse::Ok().json(app::gates::record(&state, batch).await?))
}

/// Takes a batch of host liveness changes (`host.liveness`, pushed by host-registry's outbox;
/// service credential): hosts declared lost, or back. A change older than the one recorded for
/// its host changes nothing (answered as a duplicate).
#[utoipa::path(
    tag = "rollouts",
    request_body = EventBatch,
    responses((status = 200, body = IngestResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/host-liveness")]
pub async fn record_host_liveness(
    state: web::Data<State>,
    caller: Caller,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let batch: EventBatch =
        liftoff_kit::web::json_body(&req, payload, liftoff_kit::outbox::RECEIVE_BODY_LIMIT).await?;
    Ok(HttpResponse::Ok().json(app::liveness::record(&state, batch).await?))
}
