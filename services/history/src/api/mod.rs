//! HTTP handlers of the history service.

use actix_web::{HttpResponse, get, post, web};
use liftoff_kit::web::BearerSecurity;
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::history::*;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};
use uuid::Uuid;

use crate::store::events::EventFilter;
use crate::{State, app};

#[derive(OpenApi)]
#[openapi(
    info(title = "Liftoff history", version = "1", description = "The event log of everything that happened, and the questions asked of it."),
    paths(ingest, list_events, host_revisions),
    components(schemas(ErrorBody, HistoryEvent, EventBatch, IngestResult, RecordedEvent, EventPage, HostRevision, HostRevisionList)),
    modifiers(&BearerSecurity),
    tags((name = "history", description = "Events and queries"))
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<State>) {
    cfg.app_data(state)
        .service(ingest)
        .service(list_events)
        .service(host_revisions)
        .route(
            "/openapi/history.json",
            web::get().to(|| async { liftoff_kit::web::openapi_json(ApiDoc::openapi()) }),
        );
}

/// Delivers events from a service's outbox (service credential). Idempotent by `event_id`.
#[utoipa::path(
    tag = "history",
    request_body = EventBatch,
    responses((status = 200, body = IngestResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/events")]
pub async fn ingest(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<EventBatch>,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let res = app::ingest::ingest(&state, body.into_inner().events).await?;
    Ok(HttpResponse::Ok().json(res))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    deployment_id: Option<Uuid>,
    host_id: Option<Uuid>,
    application: Option<String>,
    event_type: Option<String>,
    /// `asc` (log order, default) or `desc` (newest first).
    order: Option<String>,
    /// 1 to 1000, default 100.
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Events visible to the caller's team, filtered, in a stable order, with cursor pagination.
#[utoipa::path(
    tag = "history",
    params(EventQuery),
    responses((status = 200, body = EventPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/events")]
pub async fn list_events(
    state: web::Data<State>,
    caller: Caller,
    q: web::Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let q = q.into_inner();
    let newest_first = match q.order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(o) => {
            return Err(ApiError::invalid_field(format!(
                "order: {o:?} is not asc or desc"
            )));
        }
    };
    let after_seq = q
        .cursor
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::invalid_field("cursor: not a cursor from this API"))
        })
        .transpose()?;
    let page = app::query::events(
        &state,
        EventFilter {
            team,
            deployment_id: q.deployment_id.map(|d| d.to_string()),
            host_id: q.host_id.map(|h| h.to_string()),
            application: q.application,
            event_type: q.event_type,
            after_seq,
            newest_first,
            limit: q.limit.unwrap_or(app::query::DEFAULT_LIMIT),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HostRevisionQuery {
    application: Option<String>,
    revision_id: Option<Uuid>,
}

/// Which revision of which application each host runs now, and since when.
#[utoipa::path(
    tag = "history",
    params(HostRevisionQuery),
    responses((status = 200, body = HostRevisionList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/history/hosts")]
pub async fn host_revisions(
    state: web::Data<State>,
    caller: Caller,
    q: web::Query<HostRevisionQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let q = q.into_inner();
    let hosts = app::query::host_revisions(
        &state,
        team,
        q.application,
        q.revision_id.map(|r| r.to_string()),
    )
    .await?;
    Ok(HttpResponse::Ok().json(HostRevisionList { hosts }))
}
