//! `/v1/scale-out-requests`: the host registry's scale-out requests, delivered by its outbox
//! (service credential).

use actix_web::{HttpResponse, post, web};
use liftoff_kit::{ApiError, Caller};
use liftoff_types::ErrorBody;
use liftoff_types::history::{EventBatch, IngestResult};

use crate::{State, app};

/// `scale_out.requested` events (each a `ScaleOutRequest`): for each group the host entered, a
/// single-host `scale_out` deployment of the group's last successful revision, or the
/// deployment running in the group; the plan goes back to the registry through this service's
/// outbox (`scale_out.planned`). The same key answers the same installs.
#[utoipa::path(
    tag = "scale-out",
    request_body = EventBatch,
    responses(
        (status = 200, body = IngestResult),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "Over the size an outbox receiver takes"),
        (status = 415, body = ErrorBody, description = "Not JSON")
    ),
    security(("bearer" = []))
)]
#[post("/v1/scale-out-requests")]
pub async fn scale_out(
    state: web::Data<State>,
    caller: Caller,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let batch: EventBatch =
        liftoff_kit::web::json_body(&req, payload, liftoff_kit::outbox::RECEIVE_BODY_LIMIT).await?;
    let res = app::scale_out::receive(&state, caller.subject().to_string(), batch).await?;
    Ok(HttpResponse::Ok().json(res))
}
