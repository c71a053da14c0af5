//! `/v1/agents/{host}/commands`: what agents call, each with its own host credential.

use std::time::Duration;

use actix_web::{HttpResponse, get, post, web};
use liftoff_kit::{ApiError, Caller};
use liftoff_types::ErrorBody;
use liftoff_types::scheduler::{
    AckResponse, CommandBatch, CommandState, CompleteCommand, EventReport, EventReportBatch,
    HEARD_HEADER,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::{State, app};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PollQuery {
    /// Seconds to wait for a command (0 to 30, default 20).
    wait_secs: Option<u64>,
}

/// Long-polls for the host's commands. The answer's status and headers go at once (a poll is the
/// host's heartbeat: `Liftoff-Heard: true` says the scheduler passes it on to the registry), the
/// body when a command is ready or the wait ends. A credential revoked during the wait ends it
/// with an empty answer; the next poll is refused with 401.
#[utoipa::path(
    tag = "agents",
    params(("host" = Uuid, Path, description = "Host id"), PollQuery),
    responses(
        (status = 200, body = CommandBatch, headers(("Liftoff-Heard" = String, description = "`true` when the poll counts as the host's heartbeat (sent before the body)"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/v1/agents/{host}/commands")]
pub async fn poll(
    state: web::Data<State>,
    caller: Caller,
    host: web::Path<Uuid>,
    q: web::Query<PollQuery>,
) -> Result<HttpResponse, ApiError> {
    let host = host.into_inner();
    caller.host(host)?;
    let wait = q.wait_secs.unwrap_or(20);
    if wait > 30 {
        return Err(ApiError::invalid_field("wait_secs: at most 30"));
    }
    let jti = caller.claims.jti.clone();
    let heard = app::poll::arrive(&state, host, &jti)?;
    let body = futures_util::stream::once(async move {
        let batch = app::poll::poll(&state, host, &jti, Duration::from_secs(wait))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        serde_json::to_vec(&batch)
            .map(web::Bytes::from)
            .map_err(std::io::Error::other)
    });
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((HEARD_HEADER, if heard { "true" } else { "false" }))
        .streaming(body))
}

/// Acknowledges a command before running it; run it only if `proceed` is true.
#[utoipa::path(
    tag = "agents",
    params(("host" = Uuid, Path, description = "Host id"), ("command" = Uuid, Path, description = "Command id")),
    responses((status = 200, body = AckResponse), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/agents/{host}/commands/{command}/ack")]
pub async fn ack(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (host, command) = path.into_inner();
    caller.host(host)?;
    Ok(HttpResponse::Ok().json(app::commands::ack(&state, host, command).await?))
}

/// Reports the start or the end of one lifecycle event.
#[utoipa::path(
    tag = "agents",
    params(("host" = Uuid, Path, description = "Host id"), ("command" = Uuid, Path, description = "Command id")),
    request_body = EventReport,
    responses((status = 200, body = CommandState), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/agents/{host}/commands/{command}/events")]
pub async fn report_event(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<EventReport>,
) -> Result<HttpResponse, ApiError> {
    let (host, command) = path.into_inner();
    caller.host(host)?;
    Ok(HttpResponse::Ok()
        .json(app::commands::report_event(&state, host, command, body.into_inner()).await?))
}

/// Reports several lifecycle events of one command at once (the end of one event with the
/// start of the next), applied in order in one transaction: all of them or none.
#[utoipa::path(
    tag = "agents",
    params(("host" = Uuid, Path, description = "Host id"), ("command" = Uuid, Path, description = "Command id")),
    request_body = EventReportBatch,
    responses((status = 200, body = CommandState), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/agents/{host}/commands/{command}/event-batch")]
pub async fn report_events(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<EventReportBatch>,
) -> Result<HttpResponse, ApiError> {
    let (host, command) = path.into_inner();
    caller.host(host)?;
    Ok(HttpResponse::Ok().json(
        app::commands::report_events(&state, host, command, body.into_inner().reports).await?,
    ))
}

/// Completes a command with the host's outcome.
#[utoipa::path(
    tag = "agents",
    params(("host" = Uuid, Path, description = "Host id"), ("command" = Uuid, Path, description = "Command id")),
    request_body = CompleteCommand,
    responses((status = 200, body = CommandState), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/agents/{host}/commands/{command}/complete")]
pub async fn complete(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<CompleteCommand>,
) -> Result<HttpResponse, ApiError> {
    let (host, command) = path.into_inner();
    caller.host(host)?;
    Ok(HttpResponse::Ok()
        .json(app::commands::complete(&state, host, command, body.into_inner()).await?))
}
