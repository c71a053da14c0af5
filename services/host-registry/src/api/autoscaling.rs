//! `/v1/autoscaling`: signed lifecycle-hook events and the answers recorded for them.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use liftoff_kit::{ApiError, Caller, Role};
use liftoff_types::autoscaling::{AutoscalingEventAccepted, LifecycleActionList};

use crate::app::autoscaling::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::{State, app};

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Accepts a scale-out or scale-in event: the generic shape (`AutoscalingEvent`) or an
/// EventBridge "EC2 Instance-launch/terminate Lifecycle Action" event as it is. Signed with
/// `X-Liftoff-Signature: v1=<hex HMAC-SHA256 of "{timestamp}.{raw body}">` and
/// `X-Liftoff-Timestamp: <unix seconds>` (5 minutes tolerance). A repeated event id answers
/// 200 with `duplicate: true` and does nothing.
#[utoipa::path(
    tag = "autoscaling",
    request_body = liftoff_types::autoscaling::AutoscalingEvent,
    params(
        ("X-Liftoff-Timestamp" = i64, Header, description = "Unix seconds when the event was signed"),
        ("X-Liftoff-Signature" = String, Header, description = "v1=<hex HMAC-SHA256>; several comma-separated are tried")
    ),
    responses(
        (status = 202, body = AutoscalingEventAccepted, description = "Accepted; the action is under way or answered"),
        (status = 200, body = AutoscalingEventAccepted, description = "A replayed event id: nothing done"),
        (status = 400, body = liftoff_types::ErrorBody), (status = 401, body = liftoff_types::ErrorBody, description = "invalid_signature"),
        (status = 403, body = liftoff_types::ErrorBody, description = "No signing secret configured"),
        (status = 413, body = liftoff_types::ErrorBody), (status = 415, body = liftoff_types::ErrorBody),
        (status = 422, body = liftoff_types::ErrorBody, description = "unsupported_event")
    ),
    security(("autoscaling_signature" = []))
)]
#[post("/v1/autoscaling/events")]
pub async fn event(
    state: web::Data<State>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let json = header(&req, "content-type").is_some_and(|ct| {
        ct.trim()
            .to_ascii_lowercase()
            .starts_with("application/json")
    });
    if !json {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected Content-Type: application/json",
        ));
    }
    let accepted = app::autoscaling::intake(
        &state,
        header(&req, TIMESTAMP_HEADER),
        header(&req, SIGNATURE_HEADER),
        body.to_vec(),
    )
    .await?;
    Ok(if accepted.duplicate {
        HttpResponse::Ok().json(accepted)
    } else {
        HttpResponse::Accepted().json(accepted)
    })
}

/// Lifecycle actions and the CONTINUE/ABANDON answers recorded for them, newest first: those
/// of the team's hosts (every one for platform admins).
#[utoipa::path(
    tag = "autoscaling",
    responses(
        (status = 200, body = LifecycleActionList),
        (status = 401, body = liftoff_types::ErrorBody), (status = 403, body = liftoff_types::ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/v1/autoscaling/lifecycle-actions")]
pub async fn lifecycle_actions(
    state: web::Data<State>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let team = caller.team(Role::Viewer)?.to_string();
    let scope = if caller.claims.platform {
        None
    } else {
        Some(team)
    };
    let lifecycle_actions = app::autoscaling::list(&state, scope).await?;
    Ok(HttpResponse::Ok().json(LifecycleActionList { lifecycle_actions }))
}

/// Documents the HMAC signature that authenticates autoscaling events.
pub struct SignatureSecurity;

impl utoipa::Modify for SignatureSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "autoscaling_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Liftoff-Signature",
                "v1=<hex HMAC-SHA256 of \"<X-Liftoff-Timestamp>.<raw body>\"> with a configured autoscaling secret",
            ))),
        );
    }
}
