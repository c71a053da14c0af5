//! Web glue shared by every service: JSON errors for extractor failures, the 404/405 fallback,
//! health, readiness and metrics endpoints, and per-request metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::ResourceDef;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use futures_util::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
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

/// Reads a JSON body of up to `limit` bytes (larger than the default cap of ordinary routes):
/// 413 past the cap, before parsing; 415 for another content type; 400 when it does not parse.
pub async fn json_body<T: DeserializeOwned>(
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

/// The methods each route of a server answers: a request for a known path with another
/// method is answered 405 with `Allow`, not 404. Built from the services' OpenAPI documents
/// (generated from the handlers, so they list every API route) and the operational routes.
#[derive(Clone, Default)]
pub struct RouteMethods {
    routes: Vec<(ResourceDef, Vec<Method>)>,
}

impl RouteMethods {
    /// Adds that `pattern` (actix syntax, `/v1/hosts/{id}`) answers `method`.
    pub fn add(&mut self, pattern: &str, method: Method) {
        match self
            .routes
            .iter_mut()
            .find(|(d, _)| d.pattern() == Some(pattern))
        {
            Some((_, methods)) if methods.contains(&method) => {}
            Some((_, methods)) => methods.push(method),
            None => self.routes.push((ResourceDef::new(pattern), vec![method])),
        }
    }

    /// Adds every operation of an OpenAPI document (its paths use the same `{name}` syntax).
    pub fn add_openapi(&mut self, doc: &utoipa::openapi::OpenApi) {
        for (path, item) in &doc.paths.paths {
            let ops = [
                (Method::GET, &item.get),
                (Method::PUT, &item.put),
                (Method::POST, &item.post),
                (Method::DELETE, &item.delete),
                (Method::PATCH, &item.patch),
                (Method::HEAD, &item.head),
                (Method::OPTIONS, &item.options),
            ];
            for (method, op) in ops {
                if op.is_some() {
                    self.add(path, method);
                }
            }
        }
    }

    /// The methods `path` answers, in a stable order (empty: no route has this path).
    pub fn allowed(&self, path: &str) -> Vec<Method> {
        let mut out: Vec<Method> = Vec::new();
        for (def, methods) in &self.routes {
            if def.is_match(path) {
                for m in methods {
                    if !out.contains(m) {
                        out.push(m.clone());
                    }
                }
            }
        }
        let rank = |m: &Method| {
            ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
                .iter()
                .position(|n| *n == m.as_str())
                .unwrap_or(usize::MAX)
        };
        out.sort_by_key(rank);
        out
    }
}

/// The fallback for requests no route took: a JSON 405 with `Allow` when the path exists
/// with other methods, else a JSON 404.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    let allowed = req
        .app_data::<web::Data<RouteMethods>>()
        .map(|r| r.allowed(req.path()))
        .unwrap_or_default();
    // The router itself knows every path it serves, documented or not.
    if !allowed.is_empty() || req.resource_map().has_resource(req.path()) {
        let allow = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let mut res = ApiError::new(
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!(
                "{} is not allowed on {} (allowed: {})",
                req.method(),
                req.path(),
                if allow.is_empty() {
                    "none listed"
                } else {
                    &allow
                }
            ),
        )
        .error_response();
        if let Ok(v) = HeaderValue::from_str(&allow) {
            res.headers_mut().insert(header::ALLOW, v);
        }
        return res;
    }
    ApiError::not_found(format!("no route for {} {}", req.method(), req.path())).error_response()
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
        db.ready().await.map_err(|e| {
            // Always 503 (a load balancer's contract), keeping the reason's code.
            let mut out = ApiError::unavailable(format!("{name}: {}", e.message));
            if e.is_storage_full() {
                out.code = e.code;
            }
            out
        })?;
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

/// Serves a service's OpenAPI document, completed with the shared conventions.
pub fn openapi_json(doc: utoipa::openapi::OpenApi) -> HttpResponse {
    HttpResponse::Ok().json(crate::contract::finished(&doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_methods_list_what_a_path_answers() {
        let mut r = RouteMethods::default();
        r.add("/v1/hosts/{id}", Method::GET);
        r.add("/v1/hosts/{id}", Method::DELETE);
        r.add("/v1/hosts/{id}", Method::GET);
        r.add("/v1/hosts/enroll", Method::POST);
        r.add("/healthz", Method::GET);
        assert_eq!(
            r.allowed("/v1/hosts/abc"),
            vec![Method::GET, Method::DELETE]
        );
        // A literal path that a pattern also matches answers both routes' methods.
        assert_eq!(
            r.allowed("/v1/hosts/enroll"),
            vec![Method::GET, Method::POST, Method::DELETE]
        );
        assert!(r.allowed("/v1/hosts/abc/nope").is_empty());
        assert!(r.allowed("/nope").is_empty());
    }
}
