//! What peers push to the scheduler: `/v1/gate-changes`, freezes and groups' deployment
//! windows from deployment-api's outbox, judged between the batches of running rollouts; and
//! `/v1/host-changes`, hosts host-registry enrolled, changed, declared lost or deregistered.

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

/// Takes a batch of host changes pushed by host-registry's outbox (service credential): a
/// host's membership as it stands after a change (`host.membership`: team, zone, tags, state),
/// or, from a registry before that push, a host declared lost or back (`host.liveness`). A
/// change older than the one recorded for its host changes nothing (answered as a duplicate).
/// Hosts that joined or left a running rollout's group are applied to it before the answer.
#[utoipa::path(
    tag = "rollouts",
    request_body = EventBatch,
    responses((status = 200, body = IngestResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/host-changes")]
pub async fn record_host_changes(
    state: web::Data<State>,
    caller: Caller,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let batch: EventBatch =
        liftoff_kit::web::json_body(&req, payload, liftoff_kit::outbox::RECEIVE_BODY_LIMIT).await?;
    Ok(HttpResponse::Ok().json(app::members::record(&state, batch).await?))
}
