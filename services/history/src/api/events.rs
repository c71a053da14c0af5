//! `/v1/events` (ingest and the log) and `/v1/audit`.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::history::{AuditPage, EventBatch, EventPage, IngestResult};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{json_body, name};
use crate::store::events::{EventFilter, TypeMatch};
use crate::{State, app};

/// Largest batch body an outbox may deliver.
pub const INGEST_BODY_LIMIT: usize = crate::INGEST_BODY_LIMIT;

/// Delivers events from a service's outbox (service credential). Idempotent by `event_id`.
#[utoipa::path(
    tag = "history",
    request_body = EventBatch,
    responses((status = 200, body = IngestResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/events")]
pub async fn ingest(
    state: web::Data<State>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let batch: EventBatch = json_body(&req, payload, INGEST_BODY_LIMIT).await?;
    let res = app::ingest::ingest(&state, batch.events).await?;
    Ok(HttpResponse::Ok().json(res))
}

fn order(o: Option<&str>, default_newest_first: bool) -> Result<bool, ApiError> {
    match o {
        None => Ok(default_newest_first),
        Some("asc") => Ok(false),
        Some("desc") => Ok(true),
        Some(o) => Err(ApiError::invalid_field(format!(
            "order: {o:?} is not asc or desc"
        ))),
    }
}

/// `deployment.created` matches exactly; `deployment.*` matches every type starting
/// `deployment.`.
fn type_match(field: &str, t: Option<String>) -> Result<Option<TypeMatch>, ApiError> {
    let Some(t) = t else { return Ok(None) };
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    };
    match t.strip_suffix('*') {
        Some(prefix) if ok(prefix) => Ok(Some(TypeMatch::Prefix(prefix.to_string()))),
        None if ok(&t) => Ok(Some(TypeMatch::Exact(t))),
        _ => Err(ApiError::invalid_field(format!(
            "{field}: {t:?} is not an event type (e.g. deployment.created, or deployment.* for all)"
        ))),
    }
}

fn times(
    since: Option<&str>,
    until: Option<&str>,
) -> Result<(Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>), ApiError> {
    let since = since.map(|s| app::query::time("since", s)).transpose()?;
    let until = until.map(|s| app::query::time("until", s)).transpose()?;
    Ok((since, until))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    deployment_id: Option<Uuid>,
    host_id: Option<Uuid>,
    #[param(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    application: Option<String>,
    #[param(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    deployment_group: Option<String>,
    revision_id: Option<Uuid>,
    /// Exact type, or a prefix ending in `*` (`host.*`).
    event_type: Option<String>,
    /// `deployment-api`, `scheduler`, `host-registry`.
    source: Option<String>,
    /// Token subject that caused the event.
    actor: Option<String>,
    /// RFC 3339; events that occurred at or after it.
    #[param(format = DateTime)]
    since: Option<String>,
    /// RFC 3339; events that occurred before it.
    #[param(format = DateTime)]
    until: Option<String>,
    /// `asc` (log order, default) or `desc` (newest first).
    #[param(pattern = "^(asc|desc)$")]
    order: Option<String>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Events visible to the caller's team, filtered, in log order (`seq`), with cursor pagination.
/// A page once read never gains an event later: appends are serialized, so `seq` order is
/// commit order.
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
    let (since, until) = times(q.since.as_deref(), q.until.as_deref())?;
    let page = app::query::events(
        &state,
        EventFilter {
            team,
            deployment_id: q.deployment_id.map(|d| d.to_string()),
            host_id: q.host_id.map(|h| h.to_string()),
            application: name("application", q.application)?,
            deployment_group: name("deployment_group", q.deployment_group)?,
            revision_id: q.revision_id.map(|r| r.to_string()),
            source: name("source", q.source)?,
            actor: q.actor,
            with_actor: false,
            event_type: type_match("event_type", q.event_type)?,
            since,
            until,
            after_seq: app::query::seq_cursor(q.cursor.as_deref())?,
            newest_first: order(q.order.as_deref(), false)?,
            limit: app::query::limit(q.limit)?,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Token subject.
    actor: Option<String>,
    /// Event type, or a prefix ending in `*` (`deployment.*`).
    action: Option<String>,
    #[param(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    application: Option<String>,
    #[param(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    deployment_group: Option<String>,
    deployment_id: Option<Uuid>,
    revision_id: Option<Uuid>,
    host_id: Option<Uuid>,
    /// RFC 3339; at or after.
    #[param(format = DateTime)]
    since: Option<String>,
    /// RFC 3339; before.
    #[param(format = DateTime)]
    until: Option<String>,
    /// `desc` (newest first, default) or `asc`.
    #[param(pattern = "^(asc|desc)$")]
    order: Option<String>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Who (token subject and team) did what, when, to which object; the caller's team only.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/audit")]
pub async fn audit(
    state: web::Data<State>,
    caller: Caller,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let q = q.into_inner();
    if let Some(a) = &q.actor {
        liftoff_types::names::validate_text("actor", a, 256).map_err(ApiError::invalid_field)?;
    }
    let (since, until) = times(q.since.as_deref(), q.until.as_deref())?;
    let page = app::audit::audit(
        &state,
        EventFilter {
            team,
            deployment_id: q.deployment_id.map(|d| d.to_string()),
            host_id: q.host_id.map(|h| h.to_string()),
            application: name("application", q.application)?,
            deployment_group: name("deployment_group", q.deployment_group)?,
            revision_id: q.revision_id.map(|r| r.to_string()),
            source: None,
            actor: q.actor,
            with_actor: true,
            event_type: type_match("action", q.action)?,
            since,
            until,
            after_seq: app::query::seq_cursor(q.cursor.as_deref())?,
            newest_first: order(q.order.as_deref(), true)?,
            limit: app::query::limit(q.limit)?,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
