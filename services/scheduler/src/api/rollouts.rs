//! `/v1/rollouts`: the hand-off from deployment-api, and the operator controls it passes on.

use actix_web::{HttpResponse, get, post, put, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::scheduler::{CreateRollout, Rollout, RolloutAction, RolloutDetail};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::{State, app};

/// Creates the rollout of a deployment (service credential). Idempotent.
#[utoipa::path(
    tag = "rollouts",
    params(("id" = Uuid, Path, description = "Deployment id")),
    request_body = CreateRollout,
    responses((status = 200, body = Rollout), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody, description = "Exists with another specification"), (status = 503, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/v1/rollouts/{id}")]
pub async fn put_rollout(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<CreateRollout>,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let r = app::rollouts::create(&state, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DetailQuery {
    /// `summary` (no hosts), `hosts` (hosts without events) or `full` (the default).
    detail: Option<RolloutDetail>,
}

/// A rollout with every host and lifecycle event (or less, with `detail`).
#[utoipa::path(
    tag = "rollouts",
    params(("id" = Uuid, Path, description = "Deployment id"), DetailQuery),
    responses((status = 200, body = Rollout), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/rollouts/{id}")]
pub async fn get_rollout(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: web::Query<DetailQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team_or_service(Role::Viewer)?.map(str::to_string);
    let detail = q.detail.unwrap_or_default();
    let r = app::rollouts::view(&state, id.into_inner(), team, detail).await?;
    Ok(HttpResponse::Ok().json(r))
}

macro_rules! control {
    ($name:ident, $path:literal, $doc:literal, $f:path) => {
        #[doc = $doc]
        #[utoipa::path(
            tag = "rollouts",
            params(("id" = Uuid, Path, description = "Deployment id")),
            request_body = RolloutAction,
            responses((status = 200, body = Rollout), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<State>,
            caller: Caller,
            id: web::Path<Uuid>,
            body: web::Json<RolloutAction>,
        ) -> Result<HttpResponse, ApiError> {
            caller.service()?;
            let r = $f(&state, id.into_inner(), body.into_inner()).await?;
            Ok(HttpResponse::Ok().json(r))
        }
    };
}

control!(
    stop_rollout,
    "/v1/rollouts/{id}/stop",
    "Stops a rollout: nothing new starts; running hosts finish (service credential).",
    app::control::stop
);
control!(
    pause_rollout,
    "/v1/rollouts/{id}/pause",
    "Holds a rollout: nothing new starts and it does not conclude until resumed.",
    app::control::pause
);
control!(
    resume_rollout,
    "/v1/rollouts/{id}/resume",
    "Resumes a paused rollout.",
    app::control::resume
);
control!(
    approve_rollout,
    "/v1/rollouts/{id}/approve",
    "Approves the rest of the fleet after the canary batch.",
    app::control::approve
);
control!(
    retry_rollout_failed_hosts,
    "/v1/rollouts/{id}/retry-failed-hosts",
    "Gives the failed hosts (all, or `hosts`) another attempt, first in line.",
    app::control::retry_failed
);

/// Takes a host out of a running rollout (and out of its availability arithmetic).
#[utoipa::path(
    tag = "rollouts",
    params(("id" = Uuid, Path, description = "Deployment id"), ("host" = Uuid, Path, description = "Host id")),
    request_body = RolloutAction,
    responses((status = 200, body = Rollout), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/rollouts/{id}/hosts/{host}/exclude")]
pub async fn exclude_rollout_host(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<RolloutAction>,
) -> Result<HttpResponse, ApiError> {
    caller.service()?;
    let (id, host) = path.into_inner();
    let r = app::control::exclude(&state, id, host, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(r))
}
