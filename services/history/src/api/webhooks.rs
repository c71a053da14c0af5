//! `/v1/webhooks`: a team's subscriptions, their deliveries and attempts.

use actix_web::{HttpResponse, delete, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::ErrorBody;
use liftoff_types::webhooks::{
    CreateWebhook, DeliveryPage, DeliveryStatus, RotateWebhookSecret, Webhook, WebhookDelivery,
    WebhookList, WebhookWithSecret,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::{State, app};

/// Subscribes a URL to event types (deployer). The answer holds the signing secret, shown
/// this once. The URL must pass the same address rules as revision URLs (400
/// `webhook_url_forbidden`); patterns must name known types (400 `unknown_event_type`).
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    responses((status = 201, body = WebhookWithSecret), (status = 400, body = ErrorBody, description = "invalid_field, unknown_event_type, webhook_url_forbidden"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "too_many_webhooks")),
    security(("bearer" = []))
)]
#[post("/v1/webhooks")]
pub async fn create_webhook(
    state: web::Data<State>,
    caller: Caller,
    body: web::Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let w = app::webhooks::create(
        &state,
        team,
        caller.subject().to_string(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created().json(w))
}

/// The team's subscriptions (never their secrets).
#[utoipa::path(
    tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 401, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/webhooks")]
pub async fn list_webhooks(
    state: web::Data<State>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    Ok(HttpResponse::Ok().json(app::webhooks::list(&state, team).await?))
}

/// One subscription.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 200, body = Webhook), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    Ok(HttpResponse::Ok().json(app::webhooks::get(&state, team, id.into_inner()).await?))
}

/// Removes a subscription and what it had not delivered yet (deployer).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 200, body = Webhook), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/v1/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let w =
        app::webhooks::delete(&state, team, caller.subject().to_string(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(w))
}

/// A new signing secret, shown this once (deployer). For `overlap_secs` (default a day)
/// deliveries carry a second signature made with the old secret.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id")),
    request_body = RotateWebhookSecret,
    responses((status = 200, body = WebhookWithSecret), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<RotateWebhookSecret>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let w = app::webhooks::rotate(
        &state,
        team,
        caller.subject().to_string(),
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(w))
}

/// Queues a `webhook.test` event to the subscription (deployer), through the same queue,
/// signing and retries as real events.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 202, body = WebhookDelivery), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let d =
        app::webhooks::test(&state, team, caller.subject().to_string(), id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(d))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `pending`, `delivered` or `dead` (any case: `Dead` as in the answers works too).
    status: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A subscription's deliveries, newest first, each with every attempt (status, latency, the
/// start of the answer, the error).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id"), DeliveryQuery),
    responses((status = 200, body = DeliveryPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/v1/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<State>,
    caller: Caller,
    id: web::Path<Uuid>,
    q: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let q = q.into_inner();
    let status = q
        .status
        .map(|s| {
            DeliveryStatus::parse(&s).ok_or_else(|| {
                ApiError::invalid_field(format!("status: {s:?} is not pending, delivered or dead"))
            })
        })
        .transpose()?;
    let page =
        app::webhooks::deliveries(&state, team, id.into_inner(), status, q.limit, q.cursor).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Queues a delivered or dead-lettered delivery again (deployer); 409 `delivery_pending`
/// while it is still queued.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "Webhook id"), ("delivery" = Uuid, Path, description = "Delivery id")),
    responses((status = 202, body = WebhookDelivery), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/v1/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    state: web::Data<State>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Deployer)?.to_string();
    let (id, delivery) = path.into_inner();
    let d = app::webhooks::redeliver(&state, team, id, delivery).await?;
    Ok(HttpResponse::Accepted().json(d))
}
