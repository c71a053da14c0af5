//! `/v1/gate-changes`: freezes and groups' deployment windows, pushed by deployment-api's
//! outbox, which the scheduler judges between the batches of running rollouts.

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
