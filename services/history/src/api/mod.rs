//! HTTP handlers of the history service.

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use liftoff_kit::ApiError;
use liftoff_kit::web::BearerSecurity;
use liftoff_types::ErrorBody;
use liftoff_types::history::*;
use liftoff_types::names::validate_name;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::State;

mod events;
mod hosts;
mod logs;
mod pins;

#[derive(OpenApi)]
#[openapi(
    info(title = "Liftoff history", version = "1", description = "The event log of everything that happened, and the questions asked of it."),
    paths(
        events::ingest, events::list_events, events::audit,
        hosts::host_revisions, hosts::revision_hosts, hosts::group_at,
        logs::upload_log, logs::deployment_logs,
        pins::list_pins, pins::pin, pins::unpin,
    ),
    components(schemas(
        ErrorBody, HistoryEvent, EventBatch, IngestResult, RecordedEvent, EventPage, HostRevision,
        HostRevisionList, HostRevisionAt, GroupDeploymentAt, GroupAtTime, AuditEntry, AuditPage,
        HookLogUpload, HookLog, HookLogPage, Pin, CreatePin, PinList,
    )),
    modifiers(&BearerSecurity),
    tags((name = "history", description = "Events and queries"), (name = "audit", description = "Who did what"), (name = "hook-logs", description = "Full hook output per host and event"), (name = "retention", description = "Pins that keep a revision's record"))
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.app_data(state)
        .service(events::ingest)
        .service(events::list_events)
        .service(events::audit)
        .service(hosts::host_revisions)
        .service(hosts::revision_hosts)
        .service(hosts::group_at)
        .service(logs::upload_log)
        .service(logs::deployment_logs)
        .service(pins::list_pins)
        .service(pins::pin)
        .service(pins::unpin)
        .route(
            "/openapi/history.json",
            web::get().to(|| async { liftoff_kit::web::openapi_json(ApiDoc::openapi()) }),
        );
}

/// Reads a JSON body of up to `limit` bytes (larger than the default cap of ordinary routes):
/// 413 past the cap, before parsing; 415 for another content type; 400 when it does not parse.
pub(crate) async fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected Content-Type: application/json",
        ));
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::too_large(format!(
            "body exceeds the limit of {limit} bytes"
        )));
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request("invalid_body", format!("body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::too_large(format!(
                "body exceeds the limit of {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| {
        if e.is_data() {
            ApiError::bad_request("invalid_request", e.to_string())
        } else {
            ApiError::bad_request("invalid_json", e.to_string())
        }
    })
}

pub(crate) fn name(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    if let Some(v) = &value {
        validate_name(field, v).map_err(ApiError::invalid_field)?;
    }
    Ok(value)
}
