//! Full hook output: the agent uploads it per command × event; people read it per deployment.

use actix_web::{HttpRequest, HttpResponse, get, put, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::history::{HookLogBatch, HookLogPage, HookLogUpload};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::json_body;
use crate::store::logs::LogFilter;
use crate::{State, app};

/// JSON escaping can grow text up to six times; the output itself is checked against the cap.
const UPLOAD_BODY_LIMIT: usize = crate::LOG_UPLOAD_BODY_LIMIT;

/// The agent of `host` stores the whole output of lifecycle `event` of `command` (host
/// credential; another host's command is a 403). Uploading again replaces it.
#[utoipa::path(
    tag = "hook-logs",
    params(
        ("host" = Uuid, Path, description = "Host id"),
        ("command" = Uuid, Path, description = "Command id"),
        ("event" = String, Path, description = "Lifecycle event, e.g. AfterInstall"),
    ),
    request_body = HookLogUpload,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/v1/history/hosts/{host}/commands/{command}/logs/{event}")]
pub async fn upload_log(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid, String)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (host, command, event) = path.into_inner();
    caller.host(host)?;
    let team = caller
        .claims
        .team
        .clone()
        .ok_or_else(|| ApiError::unauthorized("host credential without a team"))?;
    let body: HookLogUpload = json_body(&req, payload, UPLOAD_BODY_LIMIT).await?;
    app::logs::upload(&state, team, host, command, event, body).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The agent of `host` stores the outputs of several lifecycle events of `command` at once,
/// in one transaction (host credential; another host's command is a 403). Each event's log
/// replaces any stored before. The outputs together are at most 1 MiB; larger ones go alone
/// (to this route or the per-event one).
#[utoipa::path(
    tag = "hook-logs",
    params(
        ("host" = Uuid, Path, description = "Host id"),
        ("command" = Uuid, Path, description = "Command id"),
    ),
    request_body = HookLogBatch,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/v1/history/hosts/{host}/commands/{command}/logs")]
pub async fn upload_logs(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (host, command) = path.into_inner();
    caller.host(host)?;
    let team = caller
        .claims
        .team
        .clone()
        .ok_or_else(|| ApiError::unauthorized("host credential without a team"))?;
    let body: HookLogBatch = json_body(&req, payload, UPLOAD_BODY_LIMIT).await?;
    app::logs::upload_batch(&state, team, host, command, body).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    host_id: Option<Uuid>,
    /// Lifecycle event, e.g. `AfterInstall`.
    event: Option<String>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The full hook output of each host × event of a deployment, in upload order, each with
/// its size, the size on the host, and whether it was cut at the cap.
#[utoipa::path(
    tag = "hook-logs",
    params(("deployment" = Uuid, Path, description = "Deployment id"), LogQuery),
    responses((status = 200, body = HookLogPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/history/deployments/{deployment}/logs")]
pub async fn deployment_logs(
    state: web::Data<State>,
    caller: Caller,
    deployment: web::Path<Uuid>,
    q: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let q = q.into_inner();
    if let Some(e) = &q.event
        && (e.is_empty() || e.len() > 64 || !e.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(ApiError::invalid_field("event: a lifecycle event name"));
    }
    let after_id = app::query::seq_cursor(q.cursor.as_deref())?;
    let page = app::logs::list(
        &state,
        LogFilter {
            team,
            deployment_id: deployment.into_inner().to_string(),
            host_id: q.host_id.map(|h| h.to_string()),
            event: q.event,
            after_id,
            limit: app::query::limit(q.limit)?,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
