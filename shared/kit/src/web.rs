//! Web glue shared by every service: JSON errors for extractor failures, the 404 fallback,
//! health, readiness and metrics endpoints, and per-request metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::error::ApiError;

/// Default JSON body cap for ordinary API routes (enforced per route by `admission`).
pub const DEFAULT_JSON_LIMIT: usize = 256 * 1024;

/// The JSON extractor's own cap: the largest per-route cap of any JSON route (an event report
/// carries a 64 KiB output tail, up to six times that once JSON-escaped).
pub const MAX_JSON_LIMIT: usize = 1024 * 1024;

/// JSON bodies: 400 `invalid_json` for syntax, 400 `invalid_request` for shape (unknown or
/// missing fields), 413 over the cap, 415 for a wrong content type.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { length, limit } => ApiError::too_large(format!(
            "body of {length} bytes exceeds the limit of {limit}"
        )),
        JsonPayloadError::Overflow { limit } => {
            ApiError::too_large(format!("body exceeds the limit of {limit} bytes"))
        }
        JsonPayloadError::Payload(actix_web::error::PayloadError::Overflow) => {
            ApiError::too_large("body exceeds the limit of this route")
        }
        JsonPayloadError::ContentType => ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "expected Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::bad_request("invalid_request", e.to_string())
        }
        JsonPayloadError::Deserialize(e) => ApiError::bad_request("invalid_json", e.to_string()),
        other => ApiError::bad_request("invalid_json", other.to_string()),
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        ApiError::bad_request("invalid_path", format!("malformed path parameter: {err}")).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        ApiError::bad_request("invalid_query", format!("malformed query: {err}")).into()
    })
}

/// Registers the extractor error handlers on an app or scope.
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(json_config(MAX_JSON_LIMIT))
        .app_data(path_config())
        .app_data(query_config());
}

/// The fallback for unknown routes: a JSON 404.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "no route for {} {}",
        req.method(),
        req.path()
    )))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Databases whose reachability makes the process ready.
#[derive(Clone, Default)]
pub struct Readiness(pub Vec<(String, Db)>);

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

pub async fn readyz(
    req: HttpRequest,
    ready: web::Data<Readiness>,
) -> Result<HttpResponse, ApiError> {
    // A process that follows the revocation feed is ready once it has read it.
    if let Some(authority) = req.app_data::<web::Data<crate::auth::Authority>>()
        && authority.revocations().is_pending()
    {
        return Err(ApiError::unavailable(
            "token revocations not loaded yet from deployment-api",
        ));
    }
    for (name, db) in &ready.0 {
        db.ping()
            .await
            .map_err(|e| ApiError::unavailable(format!("{name}: {}", e.message)))?;
    }
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}

pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::telemetry::metrics_handle().render())
}

/// Registers `/healthz`, `/readyz` and `/metrics`.
pub fn configure_operations(cfg: &mut web::ServiceConfig, readiness: Readiness) {
    cfg.app_data(web::Data::new(readiness))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

/// Counts requests and their latency by route pattern and status.
pub async fn request_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = res.status().as_u16().to_string();
    metrics::counter!("liftoff_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("liftoff_http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    Ok(res)
}

/// Adds the bearer security scheme to a service's OpenAPI document, and the answers of the
/// admission middleware every route can give: 429 (with `Retry-After`) and, for routes with a
/// body, 413.
pub struct BearerSecurity;

impl utoipa::Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder, header::Header};
        let error = || Content::new(Some(Ref::from_schema_name("ErrorBody")));
        let limited = ResponseBuilder::new()
            .description("Rate limited (per team, host or peer address); retry later")
            .content("application/json", error())
            .header(
                "Retry-After",
                Header::new(ObjectBuilder::new().schema_type(Type::Integer)),
            )
            .build();
        let too_large = ResponseBuilder::new()
            .description("The body exceeds this route's cap")
            .content("application/json", error())
            .build();
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let responses = &mut op.responses.responses;
                responses
                    .entry("429".into())
                    .or_insert_with(|| RefOr::T(limited.clone()));
                if op.request_body.is_some() {
                    responses
                        .entry("413".into())
                        .or_insert_with(|| RefOr::T(too_large.clone()));
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Query pairs in order, repeated keys kept (`?tag=a=1&tag=b=2`).
pub fn query_pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .map_err(|e| ApiError::bad_request("invalid_query", format!("malformed query: {e}")))
}

/// Serves a service's OpenAPI document.
pub fn openapi_json(doc: utoipa::openapi::OpenApi) -> HttpResponse {
    HttpResponse::Ok().json(doc)
}
