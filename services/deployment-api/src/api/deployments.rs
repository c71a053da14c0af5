//! `/v1/deployments`.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{
    CreateDeployment, Deployment, DeploymentHostList, DeploymentList, DeploymentReason,
    DeploymentStatus, FREEZE_OVERRIDE_HEADER, FreezeOverride, RetryFailedHosts,
};
use liftoff_types::history::{EventBatch, IngestResult};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::store::deployments::ListFilter;
use crate::{State, app};

/// Starts a deployment of a revision to a group.
#[utoipa::path(
    tag = "deployments",
    request_body = CreateDeployment,
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: same answer, one deployment"),
        ("Liftoff-Freeze-Override" = Option<String>, Header, description = "An admin's written reason to deploy despite a freeze (printable ASCII); recorded in the audit log")
    ),
    responses(
        (status = 201, body = Deployment), (status = 200, body = Deployment, description = "Replayed idempotent request"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody, description = "forbidden, also a freeze override by a role below admin"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "deployment_in_progress, frozen (a freeze is in force)"), (status = 422, body = ErrorBody, description = "idempotency_key_reused")
    ),
    security(("bearer" = []))
)]
#[post("/v1/deployments")]
pub async fn create_deployment(
    state: web::Data<State>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<CreateDeployment>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map(str::to_string).map_err(|_| {
                ApiError::bad_request("invalid_header", "Idempotency-Key must be ASCII")
            })
        })
        .transpose()?;
    let freeze_override = req
        .headers()
        .get(FREEZE_OVERRIDE_HEADER)
        .map(|v| {
            v.to_str().map(str::to_string).map_err(|_| {
                ApiError::bad_request(
                    "invalid_header",
                    format!("{FREEZE_OVERRIDE_HEADER} must be printable ASCII"),
                )
            })
        })
        .transpose()?;
    if freeze_override.is_some() {
        caller.team(Role::Admin)?;
    }
    let (d, created) = app::deployments::create(
        &state,
        team,
        caller.subject().to_string(),
        body.into_inner(),
        key,
        freeze_override,
    )
    .await?;
    Ok(if created {
        HttpResponse::Created().json(d)
    } else {
        HttpResponse::Ok().json(d)
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    application: Option<String>,
    #[param(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    deployment_group: Option<String>,
    status: Option<DeploymentStatus>,
    /// Why the deployments exist: `user`, `rollback`, `scale_out`, `promotion`.
    reason: Option<DeploymentReason>,
    /// Created at or after (RFC 3339).
    created_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Created before (RFC 3339).
    created_before: Option<chrono::DateTime<chrono::Utc>>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The team's deployments, newest first.
#[utoipa::path(
    tag = "deployments",
    params(ListQuery),
    responses((status = 200, body = DeploymentList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/deployments")]
pub async fn list_deployments(
    state: web::Data<State>,
    caller: Caller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let q = q.into_inner();
    let filter = ListFilter {
        team,
        application: q.application,
        deployment_group: q.deployment_group,
        status: q.status,
        reason: q.reason.map(|r| r.as_str().to_string()),
        created_after: q.created_after.map(|t| t.naive_utc()),
        created_before: q.created_before.map(|t| t.naive_utc()),
        before_id: None,
        limit: q.limit.unwrap_or(app::deployments::DEFAULT_PAGE),
    };
    Ok(HttpResponse::Ok().json(app::deployments::list(&state, filter, q.cursor).await?))
}

/// A deployment with its per-host, per-event detail.
#[utoipa::path(
    tag = "deployments",
    params(("id" = Uuid, Path, description = "Deployment id")),
    responses((status = 200, body = Deployment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/deployments/{id}")]
pub async fn get_deployment(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    Ok(HttpResponse::Ok().json(app::deployments::view(&state, team, id.into_inner()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HostsQuery {
    /// Only this zone's hosts.
    zone: Option<String>,
    /// Only hosts in this state (`InProgress` includes `Dispatched`).
    status: Option<liftoff_types::scheduler::HostTargetStatus>,
    /// Only this host.
    host_id: Option<Uuid>,
    /// 1 to 1000, default 200.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of a deployment's hosts with their lifecycle events, by zone then host id: a large
/// fleet's hosts a few at a time (`GET /v1/deployments/{id}` answers all of them).
#[utoipa::path(
    tag = "deployments",
    params(("id" = Uuid, Path, description = "Deployment id"), HostsQuery),
    responses((status = 200, body = DeploymentHostList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/deployments/{id}/hosts")]
pub async fn list_deployment_hosts(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: web::Query<HostsQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let q = q.into_inner();
    let after = q
        .cursor
        .map(|c| {
            Uuid::parse_str(&c)
                .map_err(|_| ApiError::invalid_field("cursor: not a cursor from this API"))
        })
        .transpose()?;
    let page = app::deployments::HostPage {
        zone: q.zone,
        status: q.status,
        host: q.host_id,
        limit: q.limit,
        after,
    };
    Ok(
        HttpResponse::Ok()
            .json(app::deployments::hosts(&state, team, id.into_inner(), page).await?),
    )
}

/// Stops a deployment: nothing new starts; hosts already running finish.
#[utoipa::path(
    tag = "deployments",
    params(("id" = Uuid, Path, description = "Deployment id")),
    responses((status = 200, body = Deployment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/deployments/{id}/stop")]
pub async fn stop_deployment(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    Ok(HttpResponse::Ok().json(
        app::operations::stop(&state, team, caller.subject().to_string(), id.into_inner()).await?,
    ))
}

/// Lets a running deployment go on despite the freezes in force now (admin, with a written
/// reason recorded in the audit log as `freeze.overridden`): its rollout, paused between
/// batches by a freeze, resumes; freezes created later pause it again.
#[utoipa::path(
    tag = "deployments",
    params(("id" = Uuid, Path, description = "Deployment id")),
    request_body = FreezeOverride,
    responses(
        (status = 200, body = Deployment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "below admin"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not_running, not_frozen"), (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/deployments/{id}/freeze-override")]
pub async fn override_freeze(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<FreezeOverride>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let id = id.into_inner();
    let actor = caller.subject().to_string();
    app::freezes::override_running(&state, team.clone(), actor, id, body.into_inner().reason)
        .await?;
    Ok(HttpResponse::Ok().json(app::deployments::view(&state, team, id).await?))
}

/// Rolls a deployment back: a new deployment (reason `rollback`, `rollback_of` this one) of
/// the group's last good revision before it, the hosts that failed first. A running
/// deployment is stopped first; asking twice answers the same rollback.
#[utoipa::path(
    tag = "deployments",
    params(("id" = Uuid, Path, description = "Deployment id")),
    responses(
        (status = 201, body = Deployment, description = "The rollback deployment"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "no_previous_revision, deployment_in_progress"), (status = 503, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/deployments/{id}/rollback")]
pub async fn rollback_deployment(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let d = app::operations::rollback(&state, team, caller.subject().to_string(), id.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(d))
}

macro_rules! control {
    ($name:ident, $path:literal, $action:literal, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            tag = "deployments",
            params(("id" = Uuid, Path, description = "Deployment id")),
            responses(
                (status = 200, body = Deployment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
                (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<State>,
            caller: Caller,
            id: web::Path<Uuid>,
        ) -> Result<HttpResponse, ApiError> {
            let team = caller.team(Role::Deployer)?.to_string();
            let d = app::operations::control(
                &state, team, caller.subject().to_string(), id.into_inner(), $action, Vec::new(), None,
            )
            .await?;
            Ok(HttpResponse::Ok().json(d))
        }
    };
}

control!(
    pause_deployment,
    "/v1/deployments/{id}/pause",
    "pause",
    "Holds a running deployment: nothing new starts and it does not conclude; running hosts finish."
);
control!(
    resume_deployment,
    "/v1/deployments/{id}/resume",
    "resume",
    "Resumes a paused deployment where it was."
);
control!(
    approve_deployment,
    "/v1/deployments/{id}/approve",
    "approve",
    "Approves the rest of the fleet after the canary batch succeeded."
);

/// Gives the failed hosts (all, or those listed) another attempt, first in line.
#[utoipa::path(
    tag = "deployments",
    params(("id" = Uuid, Path, description = "Deployment id")),
    request_body(content = Option<RetryFailedHosts>, description = "Optional: only these hosts"),
    responses(
        (status = 200, body = Deployment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 503, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/deployments/{id}/retry-failed-hosts")]
pub async fn retry_failed_hosts(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    // No body, `null` and `{}` all mean every failed host (the schema allows each).
    let req: RetryFailedHosts = if body.iter().all(u8::is_ascii_whitespace) {
        RetryFailedHosts::default()
    } else {
        serde_json::from_slice::<Option<RetryFailedHosts>>(&body)
            .map_err(|e| {
                let code = if e.is_data() {
                    "invalid_request"
                } else {
                    "invalid_json"
                };
                ApiError::bad_request(code, e.to_string())
            })?
            .unwrap_or_default()
    };
    let d = app::operations::control(
        &state,
        team,
        caller.subject().to_string(),
        id.into_inner(),
        "retry-failed-hosts",
        req.hosts,
        None,
    )
    .await?;
    Ok(HttpResponse::Ok().json(d))
}

/// Takes a host out of a running deployment (and out of its availability arithmetic).
#[utoipa::path(
    tag = "deployments",
    params(("id" = Uuid, Path, description = "Deployment id"), ("host" = Uuid, Path, description = "Host id")),
    responses(
        (status = 200, body = Deployment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "host_running, host_finished, too_few_hosts (no host would be left to deploy to)"), (status = 503, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/v1/deployments/{id}/hosts/{host}/exclude")]
pub async fn exclude_host(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let (id, host) = path.into_inner();
    let d = app::operations::control(
        &state,
        team,
        caller.subject().to_string(),
        id,
        "exclude",
        Vec::new(),
        Some(host),
    )
    .await?;
    Ok(HttpResponse::Ok().json(d))
}

/// Rollout progress reported by the scheduler (service credential; its outbox calls this):
/// each `rollout.progress` event updates the deployment's status, outcome and per-host copy.
/// A report already applied, or older than the last applied, changes nothing.
#[utoipa::path(
    tag = "deployments",
    request_body = EventBatch,
    responses((status = 200, body = IngestResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody, description = "Over the size an outbox receiver takes"), (status = 415, body = ErrorBody, description = "Not JSON")),
    security(("bearer" = []))
)]
#[post("/v1/rollout-progress")]
pub async fn record_progress(
    state: web::Data<State>,
    caller: Caller,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    // An outbox batch, up to the size every outbox receiver takes (larger than the JSON cap of
    // ordinary routes: a report carries the hosts that changed, with their events).
    let batch: EventBatch =
        liftoff_kit::web::json_body(&req, payload, liftoff_kit::outbox::RECEIVE_BODY_LIMIT).await?;
    Ok(HttpResponse::Ok().json(app::progress::record(&state, batch).await?))
}
