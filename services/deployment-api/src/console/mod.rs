//! The web console: one HTML page, one hand-written script and one stylesheet, compiled into
//! the binary (no build step, nothing loaded from another origin). The page is a client of the
//! public API like any other: it calls `/v1/...` with the team token the person signs in with.
//! These routes are not API, so they are added with `.route` and stay out of `openapi/`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const INDEX: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("console.js");
const STYLE: &str = include_str!("console.css");

/// Only this origin, for everything: scripts, styles, images, API calls; no framing.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("referrer-policy", "no-referrer"))
        .body(body)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/",
        web::get().to(|| async { asset("text/html; charset=utf-8", INDEX) }),
    )
    .route(
        "/console/console.js",
        web::get().to(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
    )
    .route(
        "/console/console.css",
        web::get().to(|| async { asset("text/css; charset=utf-8", STYLE) }),
    );
}
