//! A known path asked with a method it does not answer is 405 Method Not Allowed, with the
//! JSON error body and an `Allow` header listing what it does answer; an unknown path stays a
//! JSON 404. Over real HTTP, for routes of every service and the operational ones, on the
//! whole control plane and on one service running alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;

use liftoff_kit::{DbUrl, PeerUrls};
use liftoff_platform::ServiceSettings;
use liftoff_testkit::TestPlatform;
use serde_json::Value;
use uuid::Uuid;

/// Sends `method path` without a token; returns status, `Allow` and the error code.
async fn ask(base: &str, method: &str, path: &str) -> (u16, Option<String>, String, Value) {
    let res = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{base}{path}"))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let allow = res
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_string());
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert!(
        content_type.starts_with("application/json"),
        "{method} {path}: JSON error body expected, got {content_type:?}: {body}"
    );
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (status, allow, code, body)
}

async fn expect_405(base: &str, method: &str, path: &str, allow: &str) {
    let (status, got_allow, code, body) = ask(base, method, path).await;
    assert_eq!(status, 405, "{method} {path}: {body}");
    assert_eq!(code, "method_not_allowed", "{method} {path}: {body}");
    assert_eq!(got_allow.as_deref(), Some(allow), "{method} {path}: Allow");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(path),
        "{method} {path}: the message names the path: {body}"
    );
}

async fn expect_404(base: &str, method: &str, path: &str) {
    let (status, allow, code, body) = ask(base, method, path).await;
    assert_eq!(status, 404, "{method} {path}: {body}");
    assert_eq!(code, "not_found", "{method} {path}: {body}");
    assert_eq!(allow, None, "{method} {path}: no Allow on a 404");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_method_is_405_with_allow_and_an_unknown_path_404_on_every_service() {
    let p = TestPlatform::start().await.expect("platform");
    let u = &p.url;
    let host = Uuid::new_v4();
    // deployment-api
    expect_405(u, "DELETE", "/v1/deployments", "GET, POST").await;
    expect_405(u, "PUT", "/v1/applications/shop", "GET, PATCH, DELETE").await;
    expect_405(u, "GET", "/v1/tokens/abc/revoke", "POST").await;
    // scheduler
    expect_405(u, "DELETE", &format!("/v1/agents/{host}/commands"), "GET").await;
    expect_405(u, "PUT", &format!("/v1/rollouts/{host}/stop"), "POST").await;
    // host-registry
    expect_405(u, "PUT", &format!("/v1/hosts/{host}"), "GET, PATCH, DELETE").await;
    expect_405(u, "GET", "/v1/autoscaling/events", "POST").await;
    // history
    expect_405(u, "DELETE", "/v1/events", "GET, POST").await;
    expect_405(u, "POST", "/v1/audit", "GET").await;
    // operational routes
    expect_405(u, "POST", "/healthz", "GET").await;
    expect_405(u, "DELETE", "/openapi/scheduler.json", "GET").await;

    // The right method still reaches the route (here: 401 without a token).
    let (status, _, code, _) = ask(u, "GET", "/v1/deployments").await;
    assert_eq!((status, code.as_str()), (401, "unauthorized"));
    // Unknown paths, whatever the method, stay 404.
    expect_404(u, "GET", "/v1/nope").await;
    expect_404(u, "DELETE", "/v1/nope").await;
    expect_404(u, "GET", &format!("/v1/hosts/{host}/nope")).await;
    expect_404(u, "POST", "/openapi/nope.json").await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_running_alone_answers_405_for_its_own_routes_only() {
    let dir = tempfile::tempdir().unwrap();
    let pg = liftoff_testkit::pg_database().await;
    let db = match &pg {
        Some(pg) => DbUrl::for_service(&pg.url, "scheduler").unwrap(),
        None => DbUrl::Sqlite(dir.path().join("scheduler.db")),
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let authority = liftoff_kit::Authority::from_secret(&[7u8; 32]);
    let settings = ServiceSettings::default();
    let (a, peers, s) = (authority.clone(), PeerUrls::all(&url), settings.clone());
    let svc = tokio::task::spawn_blocking(move || {
        liftoff_platform::build_service("scheduler", db, a, &peers, &s)
    })
    .await
    .unwrap()
    .unwrap();
    let running = liftoff_platform::serve(listener, vec![svc], authority, &settings).unwrap();
    let host = Uuid::new_v4();
    expect_405(&url, "POST", &format!("/v1/agents/{host}/commands"), "GET").await;
    expect_405(&url, "POST", "/metrics", "GET").await;
    // Another service's routes are not here at all.
    expect_404(&url, "GET", "/v1/hosts").await;
    expect_404(&url, "DELETE", "/v1/deployments").await;
    expect_404(&url, "GET", "/openapi/history.json").await;
    running.stop().await;
}
