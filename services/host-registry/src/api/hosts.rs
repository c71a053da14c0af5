//! `/v1/hosts`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::registry::{
    HeardFeed, Heartbeat, HostCommandResult, HostList, HostRevisionReports, HostState,
    InstallOutcomes, UpdateHost,
};
use uuid::Uuid;

use crate::app::hosts::HostFilter;
use crate::{State, app};

/// Query parameters of `GET /v1/hosts` (documentation; parsed by hand to keep repeated keys).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct HostQuery {
    /// `key=value`; repeat for more. Same key twice means either value.
    tag: Option<Vec<String>>,
    zone: Option<String>,
    state: Option<HostState>,
    /// A host id; repeat for more.
    host: Option<Vec<Uuid>>,
    /// Service callers only: the team whose hosts to list.
    team: Option<String>,
    /// At most this many hosts (1 to 10000), the first in enrollment order; the answer's
    /// `next_cursor` then names the page after.
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Largest `limit` of `GET /v1/hosts`.
const MAX_LIMIT: usize = 10_000;

/// An agent's heartbeat (host credential of that host).
#[utoipa::path(
    tag = "hosts",
    params(("id" = Uuid, Path, description = "Host id")),
    request_body = Heartbeat,
    responses(
        (status = 200, body = liftoff_types::registry::HeartbeatResponse),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody), (status = 403, body = liftoff_types::ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/hosts/{id}/heartbeat")]
pub async fn heartbeat(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<Heartbeat>,
) -> Result<HttpResponse, ApiError> {
    let res = app::hosts::heartbeat(
        state.into_inner(),
        &caller,
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(res))
}

/// The hosts whose long polls a scheduler replica received (service credential): each counts
/// as a heartbeat of its host. Answers the heartbeat cadence and the hosts that should
/// heartbeat now (the registry has a scale-in request for them).
#[utoipa::path(
    tag = "hosts",
    request_body = HeardFeed,
    responses(
        (status = 200, body = liftoff_types::registry::HeardFeedResponse),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody),
        (status = 403, body = liftoff_types::ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/hosts/heard")]
pub async fn heard(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<HeardFeed>,
) -> Result<HttpResponse, ApiError> {
    let res = app::feed::receive(&state, &caller, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(res))
}

/// Lists the caller's hosts, filtered by tags (a group's selector), zone, state and id.
#[utoipa::path(
    tag = "hosts",
    params(HostQuery),
    responses((status = 200, body = HostList), (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/hosts")]
pub async fn list_hosts(
    state: web::Data<State>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let caller_team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let mut filter = HostFilter::default();
    let mut team = caller_team.clone();
    for (k, v) in liftoff_kit::web::query_pairs(&req)? {
        match k.as_str() {
            "tag" => {
                let (tk, tv) =
                    liftoff_types::names::parse_tag_pair(&v).map_err(ApiError::invalid_field)?;
                filter.selector.entry(tk).or_default().push(tv);
            }
            "zone" => filter.zone = Some(v),
            "host" => {
                filter.ids.push(Uuid::parse_str(&v).map_err(|_| {
                    ApiError::invalid_field(format!("host: {v:?} is not a host id"))
                })?)
            }
            "limit" => {
                filter.limit = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            ApiError::invalid_field(format!(
                                "limit: {v:?} is not a number from 1 to {MAX_LIMIT}"
                            ))
                        })?,
                )
            }
            "cursor" => {
                filter.after =
                    Some(Uuid::parse_str(&v).map_err(|_| {
                        ApiError::invalid_field("cursor: not a cursor from this API")
                    })?)
            }
            "state" => {
                filter.state = Some(HostState::parse(&v).ok_or_else(|| {
                    ApiError::invalid_field(format!("state: unknown state {v:?}"))
                })?)
            }
            // A team token is always scoped to its own team; only services pick one.
            "team" if caller_team.is_none() => team = Some(v),
            "team" => {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    "team is not a parameter for team tokens",
                ));
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!("unknown parameter {other:?}"),
                ));
            }
        }
    }
    let (hosts, next_cursor) = app::hosts::list(&state, team, filter).await?;
    Ok(HttpResponse::Ok().json(HostList { hosts, next_cursor }))
}

/// One host, with the installs of its latest group-membership change (404 for another
/// team's host). `state` says whether it is ready for traffic (`InService`); history gets a
/// `host.state_changed` event on every change.
#[utoipa::path(
    tag = "hosts",
    params(("id" = Uuid, Path, description = "Host id")),
    responses((status = 200, body = liftoff_types::registry::Host), (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody), (status = 404, body = liftoff_types::ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/hosts/{id}")]
pub async fn get_host(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let host = app::hosts::get(&state, team, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(host))
}

/// Deregisters a host: its credential stops working at once (team admin).
#[utoipa::path(
    tag = "hosts",
    params(("id" = Uuid, Path, description = "Host id")),
    responses((status = 200, body = liftoff_types::registry::Host), (status = 401, body = liftoff_types::ErrorBody), (status = 403, body = liftoff_types::ErrorBody), (status = 404, body = liftoff_types::ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/v1/hosts/{id}")]
pub async fn deregister(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let host =
        app::hosts::deregister(&state, team, caller.subject().to_string(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(host))
}

/// Operator edits: the host's tags (team admin). Groups the new tags enter get their revision
/// installed; the host is held out of service (`Pending`, `Installing`) until then.
#[utoipa::path(
    tag = "hosts",
    params(("id" = Uuid, Path, description = "Host id")),
    request_body = UpdateHost,
    responses(
        (status = 200, body = liftoff_types::registry::Host),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody),
        (status = 403, body = liftoff_types::ErrorBody), (status = 404, body = liftoff_types::ErrorBody),
        (status = 409, body = liftoff_types::ErrorBody, description = "host_busy: it is installing")
    ),
    security(("bearer" = []))
)]
#[patch("/v1/hosts/{id}")]
pub async fn update_host(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<UpdateHost>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let host = app::hosts::update(
        state.into_inner(),
        team,
        caller.subject().to_string(),
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(host))
}

/// Installs the host's groups' revisions again, e.g. after a failed install (team admin).
#[utoipa::path(
    tag = "hosts",
    params(("id" = Uuid, Path, description = "Host id")),
    responses(
        (status = 200, body = liftoff_types::registry::Host),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody),
        (status = 403, body = liftoff_types::ErrorBody), (status = 404, body = liftoff_types::ErrorBody),
        (status = 409, body = liftoff_types::ErrorBody, description = "host_busy: not Failed or InService")
    ),
    security(("bearer" = []))
)]
#[post("/v1/hosts/{id}/reinstall")]
pub async fn reinstall_host(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let host = app::hosts::reinstall(
        state.into_inner(),
        team,
        caller.subject().to_string(),
        id.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(host))
}

/// The agent's answer to a command it got with a heartbeat (host credential of that host).
#[utoipa::path(
    tag = "hosts",
    params(("id" = Uuid, Path, description = "Host id"), ("command" = Uuid, Path, description = "Command id")),
    request_body = HostCommandResult,
    responses(
        (status = 200, description = "Recorded (a repeated answer changes nothing)"),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody),
        (status = 403, body = liftoff_types::ErrorBody), (status = 404, body = liftoff_types::ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/hosts/{id}/commands/{command}/result")]
pub async fn command_result(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<HostCommandResult>,
) -> Result<HttpResponse, ApiError> {
    let (host, command) = path.into_inner();
    app::scale_in::command_result(&state, &caller, host, command, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"command_id": command, "recorded": true})))
}

/// Deployments that succeeded on hosts, from the scheduler (service credential): each host's
/// current revision per application becomes the latest of them. Repeated or out-of-order
/// reports change nothing; reports for unknown hosts are ignored.
#[utoipa::path(
    tag = "hosts",
    request_body = HostRevisionReports,
    responses(
        (status = 200, body = liftoff_types::registry::HostRevisionsRecorded),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/hosts/revisions")]
pub async fn report_revisions(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<HostRevisionReports>,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let res = app::inventory::record(&state, body.into_inner().reports).await?;
    Ok(HttpResponse::Ok().json(res))
}

/// How hosts' parts of deployments, and rollouts, ended, from the scheduler (service
/// credential): each settles the scale-out installs it concludes. An outcome already received
/// (the same `event_id`) changes nothing.
#[utoipa::path(
    tag = "hosts",
    request_body = InstallOutcomes,
    responses(
        (status = 200, body = liftoff_types::registry::InstallOutcomesRecorded),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/hosts/install-outcomes")]
pub async fn record_install_outcomes(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<InstallOutcomes>,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let res = app::outcomes::record(&state.into_inner(), body.into_inner().outcomes).await?;
    Ok(HttpResponse::Ok().json(res))
}

/// The installs deployment-api planned for hosts (service credential; its outbox calls this):
/// `scale_out.planned` events, each a `ScaleOutPlan` answering the registry's
/// `scale_out.requested`. A plan starts the host's installs only while the host is still at
/// the request's epoch; a repeat, or a plan for an older evaluation, changes nothing.
#[utoipa::path(
    tag = "hosts",
    request_body = liftoff_types::history::EventBatch,
    responses(
        (status = 200, body = liftoff_types::history::IngestResult),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody),
        (status = 403, body = liftoff_types::ErrorBody),
        (status = 413, body = liftoff_types::ErrorBody, description = "Over the size an outbox receiver takes"),
        (status = 415, body = liftoff_types::ErrorBody, description = "Not JSON")
    ),
    security(("bearer" = []))
)]
#[post("/v1/hosts/scale-out-plans")]
pub async fn record_scale_out_plans(
    state: web::Data<State>,
    caller: Caller,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let batch: liftoff_types::history::EventBatch =
        liftoff_kit::web::json_body(&req, payload, liftoff_kit::outbox::RECEIVE_BODY_LIMIT).await?;
    Ok(HttpResponse::Ok().json(app::lifecycle::record_plans(&state, batch).await?))
}
