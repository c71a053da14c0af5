//! `/v1/applications/{app}/stages` and `/v1/applications/{app}/promote`.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::deployments::{
    Promote, Promotion, PromotionRequest, PromotionRequestList, PromotionRequestStatus,
    RejectPromotion, StageApproval, StageList,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::stages::Promoted;
use crate::{State, app};

/// The application's stages in order, each with its groups and the revision that last
/// succeeded there.
#[utoipa::path(
    tag = "stages",
    params(("app" = String, Path, description = "Application name")),
    responses((status = 200, body = StageList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/stages")]
pub async fn list_stages(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let stages = app::stages::list(&state, team, name.into_inner()).await?;
    Ok(HttpResponse::Ok().json(StageList { stages }))
}

/// Deploys to every group of stage `to` the revision that last succeeded in stage `from`
/// (reason `promotion`). With a declared stage order, `to` must follow `from`.
#[utoipa::path(
    tag = "stages",
    params(
        ("app" = String, Path, description = "Application name"),
        ("Idempotency-Key" = Option<String>, Header, description = "Same key and body: same answer, each target deployment started once")
    ),
    request_body = Promote,
    responses(
        (status = 201, body = Promotion), (status = 200, body = Promotion, description = "Replayed idempotent request"),
        (status = 202, body = PromotionRequest, description = "Stage `to` requires approval: the promotion waits as a request"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such application, or a stage without groups"),
        (status = 409, body = ErrorBody, description = "no_successful_revision, deployment_in_progress, idempotency_key_in_use"),
        (status = 422, body = ErrorBody, description = "unknown_stage, promotion_out_of_order, idempotency_key_reused")
    ),
    security(("bearer" = []))
)]
#[post("/v1/applications/{app}/promote")]
pub async fn promote(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    req: HttpRequest,
    body: web::Json<Promote>,
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
    Ok(
        match app::stages::promote(
            &state,
            team,
            caller.subject().to_string(),
            name.into_inner(),
            body.into_inner(),
            key,
        )
        .await?
        {
            Promoted::Started(p, true) => HttpResponse::Created().json(p),
            Promoted::Started(p, false) => HttpResponse::Ok().json(p),
            Promoted::Requested(r, _) => HttpResponse::Accepted().json(r),
        },
    )
}

/// Makes every promotion into the stage wait for the approval of someone other than its
/// requester (team admin).
#[utoipa::path(
    tag = "stages",
    params(("app" = String, Path, description = "Application name"), ("stage" = String, Path, description = "Stage name")),
    request_body = StageApproval,
    responses((status = 200, body = StageApproval), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "No such application or stage")),
    security(("bearer" = []))
)]
#[put("/v1/applications/{app}/stages/{stage}/approval")]
pub async fn set_stage_approval(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: web::Json<StageApproval>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let (app, stage) = path.into_inner();
    let a = app::promotions::set_approval(
        &state,
        team,
        caller.subject().to_string(),
        app,
        stage,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(a))
}

/// Promotions into the stage start at once again (team admin).
#[utoipa::path(
    tag = "stages",
    params(("app" = String, Path, description = "Application name"), ("stage" = String, Path, description = "Stage name")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/v1/applications/{app}/stages/{stage}/approval")]
pub async fn clear_stage_approval(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Admin)?.to_string();
    let (app, stage) = path.into_inner();
    app::promotions::clear_approval(&state, team, caller.subject().to_string(), app, stage).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// Only requests in this status (`expired`: pending past its expiry).
    status: Option<PromotionRequestStatus>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The application's promotion requests, newest first.
#[utoipa::path(
    tag = "stages",
    params(("app" = String, Path, description = "Application name"), RequestQuery),
    responses((status = 200, body = PromotionRequestList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/applications/{app}/promotion-requests")]
pub async fn list_promotion_requests(
    state: web::Data<State>,
    caller: Caller,
    name: web::Path<String>,
    q: web::Query<RequestQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let q = q.into_inner();
    let page = crate::app::paging::Page::new(q.limit, q.cursor)?;
    Ok(HttpResponse::Ok()
        .json(app::promotions::list(&state, team, name.into_inner(), q.status, page).await?))
}

/// One promotion request.
#[utoipa::path(
    tag = "stages",
    params(("id" = Uuid, Path, description = "Promotion request id")),
    responses((status = 200, body = PromotionRequest), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/promotion-requests/{id}")]
pub async fn get_promotion_request(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    Ok(HttpResponse::Ok().json(app::promotions::get(&state, team, id.into_inner()).await?))
}

/// Approves a promotion request and starts its deployments: a deployer or admin who is not
/// its requester (two-person rule), before it expires.
#[utoipa::path(
    tag = "stages",
    params(("id" = Uuid, Path, description = "Promotion request id")),
    responses(
        (status = 200, body = PromotionRequest), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "two_person_rule: the requester cannot approve; or a viewer"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "approval_expired, already_decided, deployment_in_progress")
    ),
    security(("bearer" = []))
)]
#[post("/v1/promotion-requests/{id}/approve")]
pub async fn approve_promotion_request(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let r = app::promotions::approve(&state, team, caller.subject().to_string(), id.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Rejects a pending promotion request, saying why (its requester may withdraw it too).
#[utoipa::path(
    tag = "stages",
    params(("id" = Uuid, Path, description = "Promotion request id")),
    request_body = RejectPromotion,
    responses(
        (status = 200, body = PromotionRequest), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "approval_expired, already_decided")
    ),
    security(("bearer" = []))
)]
#[post("/v1/promotion-requests/{id}/reject")]
pub async fn reject_promotion_request(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<RejectPromotion>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let r = app::promotions::reject(
        &state,
        team,
        caller.subject().to_string(),
        id.into_inner(),
        body.into_inner().reason,
    )
    .await?;
    Ok(HttpResponse::Ok().json(r))
}
