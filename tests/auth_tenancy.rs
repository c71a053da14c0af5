//! Generated from the four committed OpenAPI documents: every route with a path parameter is
//! called with team B's admin token on team A's real objects, and must answer 404 (or 401 where
//! the route takes no team token at all, which A's own token then shows too), and change
//! nothing A owns. Routes added later are covered as soon as their contract is committed; a
//! path parameter or required query parameter this test does not know how to fill fails it,
//! naming what to add to the tables below.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth_support;

use auth_support::*;
use liftoff_testkit::TestPlatform;
use reqwest::Method;
use serde_json::{Value, json};

const SERVICES: [&str; 4] = ["deployment-api", "scheduler", "host-registry", "history"];

/// How to get a real id of team A for a path parameter, by the segment before it and its name.
fn path_value(key: &str, a: &Tenant) -> Option<String> {
    Some(match key {
        "applications/{app}" | "applications/{name}" => a.app.clone(),
        "revisions/{id}" | "revisions/{r}" | "revisions/{revision}" => a.revision.to_string(),
        "deployment-groups/{group}" | "deployment-groups/{g}" => a.group.clone(),
        "deployments/{id}" | "deployments/{deployment}" | "rollouts/{id}" => {
            a.deployment?.to_string()
        }
        "deployment-configs/{name}" => a.config.clone(),
        "pins/{revision}" => a.revision.to_string(),
        "logs/{event}" => "BeforeInstall".to_string(),
        "hosts/{id}" | "hosts/{host}" | "agents/{host}" => a.hosts[0].host_id.to_string(),
        "commands/{command}" | "commands/{id}" => a.command?.to_string(),
        "teams/{team}" => a.team.clone(),
        "tokens/{jti}" => a.viewer_jti.clone(),
        "enrollment-tokens/{id}" => a.enrollment_token.to_string(),
        "freezes/{id}" => a.freeze?.to_string(),
        "webhooks/{id}" => a.webhook?.to_string(),
        "deliveries/{delivery}" => a.delivery?.to_string(),
        "stages/{stage}" => "staging".to_string(),
        // The fixture makes no promotion request (that needs a stage with a success); another
        // team's real request is checked in tests/deployment_api_promotion.rs.
        "promotion-requests/{id}" => a.revision.to_string(),
        _ => return None,
    })
}

/// Values of required query parameters, by name.
fn query_value(name: &str, a: &Tenant) -> Option<String> {
    Some(match name {
        "at" | "since" | "until" => chrono::Utc::now().to_rfc3339(),
        "application" | "app" => a.app.clone(),
        "deployment_group" | "group" => a.group.clone(),
        "revision_id" | "revision" => a.revision.to_string(),
        "host_id" | "host" => a.hosts[0].host_id.to_string(),
        "deployment_id" => a.deployment?.to_string(),
        _ => return None,
    })
}

/// Bodies that must be valid beyond their schema (validated before the tenant lookup).
fn body_override(schema: &str, a: &Tenant) -> Option<Value> {
    Some(match schema {
        "CreateDeploymentGroup" => json!({"name": "probe", "selector": {"role": [a.team]}}),
        "Promote" => json!({"from": "staging", "to": "prod"}),
        "RegisterRevisionUrl" => json!({
            "url": "https://bundles.example.invalid/b.tar.gz", "sha256": "0".repeat(64)
        }),
        "CreateDeployment" => json!({
            "application": a.app, "deployment_group": a.group, "revision": a.revision.to_string()
        }),
        _ => return None,
    })
}

/// A value the schema accepts: required properties only, first enum value, plain names.
fn example(doc: &Value, schema: &Value, a: &Tenant, depth: usize) -> Value {
    assert!(depth < 16, "schema nests too deep: {schema}");
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        if let Some(v) = body_override(name, a) {
            return v;
        }
        return example(doc, &doc["components"]["schemas"][name], a, depth + 1);
    }
    if let Some(v) = schema.get("example") {
        return v.clone();
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        return e[0].clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).and_then(Value::as_array).and_then(|v| {
            v.iter()
                .find(|s| s.get("type") != Some(&json!("null")))
                .or(v.first())
        }) {
            return example(doc, first, a, depth + 1);
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut out = json!({});
        for s in all {
            if let Value::Object(m) = example(doc, s, a, depth + 1) {
                out.as_object_mut().unwrap().extend(m);
            }
        }
        return out;
    }
    let ty = match schema.get("type") {
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_string(),
        Some(Value::String(t)) => t.clone(),
        _ => "object".to_string(),
    };
    match ty.as_str() {
        "object" => {
            let mut out = serde_json::Map::new();
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                out.insert(
                    name.to_string(),
                    example(doc, &schema["properties"][name], a, depth + 1),
                );
            }
            Value::Object(out)
        }
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => json!(uuid::Uuid::new_v4()),
            Some("date-time") => json!(chrono::Utc::now().to_rfc3339()),
            _ => json!("probe"),
        },
        "integer" | "number" => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .max(1)
        ),
        "boolean" => json!(false),
        "array" => json!([]),
        _ => Value::Null,
    }
}

struct Call {
    service: &'static str,
    method: Method,
    route: String,
    url: String,
    body: Option<(String, Vec<u8>)>,
}

/// Every GET without a path parameter (the lists and queries), once plain and once with every
/// query filter this test can fill set to A's objects.
fn list_calls(p: &TestPlatform, a: &Tenant) -> Vec<Call> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi");
    let mut calls = Vec::new();
    for service in SERVICES {
        let text = std::fs::read_to_string(format!("{dir}/{service}.json")).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        for (route, item) in doc["paths"].as_object().unwrap() {
            let Some(op) = item.get("get") else { continue };
            if route.contains('{') {
                continue;
            }
            let mut required = Vec::new();
            let mut all = Vec::new();
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["in"] != "query" {
                    continue;
                }
                let name = param["name"].as_str().unwrap();
                let value = query_value(name, a);
                if let Some(v) = &value {
                    all.push(format!("{name}={}", liftoff_client::enc(v)));
                }
                if param["required"] == json!(true) {
                    let v = value.unwrap_or_else(|| {
                        panic!("{service} GET {route}: no value for required query parameter {name:?} (add it to query_value)")
                    });
                    required.push(format!("{name}={}", liftoff_client::enc(&v)));
                }
            }
            for q in [required, all] {
                calls.push(Call {
                    service,
                    method: Method::GET,
                    route: route.clone(),
                    url: format!("{}{route}?{}", p.url, q.join("&")),
                    body: None,
                });
            }
        }
    }
    calls
}

/// Every operation with a path parameter in the committed contracts, filled with A's ids.
fn calls(p: &TestPlatform, a: &Tenant) -> (Vec<Call>, Vec<String>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi");
    let mut calls = Vec::new();
    let mut unknown = Vec::new();
    for service in SERVICES {
        let text = std::fs::read_to_string(format!("{dir}/{service}.json"))
            .unwrap_or_else(|e| panic!("{dir}/{service}.json: {e}"));
        let doc: Value = serde_json::from_str(&text).unwrap();
        for (route, item) in doc["paths"].as_object().unwrap() {
            if !route.contains('{') {
                continue;
            }
            for (method, op) in item.as_object().unwrap() {
                let Ok(method) = method.to_uppercase().parse::<Method>() else {
                    continue;
                };
                let mut path = String::new();
                let mut prev = "";
                let mut ok = true;
                for seg in route.split('/').filter(|s| !s.is_empty()) {
                    path.push('/');
                    if seg.starts_with('{') {
                        let key = format!("{prev}/{seg}");
                        match path_value(&key, a) {
                            Some(v) => path.push_str(&liftoff_client::enc(&v)),
                            None => {
                                unknown.push(format!(
                                    "{service} {method} {route}: no fixture for path parameter {key:?} (add it to path_value)"
                                ));
                                ok = false;
                            }
                        }
                    } else {
                        path.push_str(seg);
                    }
                    prev = seg;
                }
                let mut query = Vec::new();
                for param in op["parameters"].as_array().into_iter().flatten() {
                    if param["in"] == "query" && param["required"] == json!(true) {
                        let name = param["name"].as_str().unwrap();
                        match query_value(name, a) {
                            Some(v) => query.push(format!("{name}={}", liftoff_client::enc(&v))),
                            None => {
                                unknown.push(format!(
                                    "{service} {method} {route}: no value for required query parameter {name:?} (add it to query_value)"
                                ));
                                ok = false;
                            }
                        }
                    }
                }
                if !ok {
                    continue;
                }
                let content = &op["requestBody"]["content"];
                let body = if let Some(s) = content.get("application/json") {
                    Some((
                        "application/json".to_string(),
                        serde_json::to_vec(&example(&doc, &s["schema"], a, 0)).unwrap(),
                    ))
                } else if content.get("application/octet-stream").is_some() {
                    Some((
                        "application/octet-stream".to_string(),
                        std::fs::read(bundle_file(p, "probe")).unwrap(),
                    ))
                } else {
                    None
                };
                let url = if query.is_empty() {
                    format!("{}{path}", p.url)
                } else {
                    format!("{}{path}?{}", p.url, query.join("&"))
                };
                calls.push(Call {
                    service,
                    method,
                    route: route.clone(),
                    url,
                    body,
                });
            }
        }
    }
    (calls, unknown)
}

async fn send(http: &reqwest::Client, c: &Call, token: &str) -> (u16, String) {
    let mut rb = http.request(c.method.clone(), &c.url).bearer_auth(token);
    if let Some((ct, bytes)) = &c.body {
        rb = rb.header("content-type", ct).body(bytes.clone());
    }
    let res = rb.send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_with_a_path_id_hides_other_teams_objects() {
    let p = TestPlatform::start_with(still_settings())
        .await
        .expect("platform");
    let mut a = tenant(&p, "alpha", 2, true).await;
    gates(&p, &mut a).await;
    let b = tenant(&p, "beta", 1, false).await;
    let (calls, unknown) = calls(&p, &a);
    assert!(
        unknown.is_empty(),
        "routes this test cannot fill yet:\n{}",
        unknown.join("\n")
    );
    flush_history(&p).await;
    let before = snapshot(&p, &a).await;
    let http = p.http();
    let mut failures = Vec::new();
    let mut hidden = 0;
    let mut refused = 0;
    let mut per_service = std::collections::BTreeMap::new();
    for c in &calls {
        *per_service.entry(c.service).or_insert(0) += 1;
        let (status, text) = send(&http, c, &b.admin).await;
        match status {
            404 => hidden += 1,
            401 => {
                // Only where the route takes no team token at all: A's own is refused too.
                let (own, own_text) = send(&http, c, &a.viewer).await;
                if own == 401 {
                    refused += 1;
                } else {
                    failures.push(format!(
                        "{} {} {}: 401 for team B but {own} for team A ({own_text}); expected 404",
                        c.service, c.method, c.route
                    ));
                }
            }
            other => failures.push(format!(
                "{} {} {}: expected 404, got {other}: {text}",
                c.service, c.method, c.route
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} routes let team B near team A's objects:\n{}",
        failures.len(),
        calls.len(),
        failures.join("\n")
    );
    // Lists and queries: nothing of A's shows, even when asked for by name or id.
    let mut secrets = vec![
        a.app.clone(),
        a.group.clone(),
        a.revision.to_string(),
        a.viewer_jti.clone(),
        a.enrollment_token.to_string(),
        a.deployment.unwrap().to_string(),
        a.command.unwrap().to_string(),
    ];
    secrets.extend(a.hosts.iter().map(|h| h.host_id.to_string()));
    let lists = list_calls(&p, &a);
    for c in &lists {
        let (status, text) = send(&http, c, &b.admin).await;
        if status == 401 && send(&http, c, &a.viewer).await.0 == 401 {
            continue;
        }
        if status != 200 && status != 404 {
            failures.push(format!("{} GET {}: {status}: {text}", c.service, c.url));
        }
        for s in &secrets {
            if text.contains(s.as_str()) {
                failures.push(format!(
                    "{} GET {} shows team A's {s}: {text}",
                    c.service, c.url
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "team B's lists show team A's objects:\n{}",
        failures.join("\n")
    );
    assert!(lists.len() >= 10, "lists exercised: {}", lists.len());
    flush_history(&p).await;
    assert_eq!(
        before,
        snapshot(&p, &a).await,
        "team B's calls changed what team A owns"
    );
    println!("routes with a path id exercised per service: {per_service:?}");
    assert!(
        hidden >= 15 && refused >= 4,
        "expected most routes to hide A's objects and the agent routes to refuse team tokens: {hidden} hidden, {refused} refused"
    );
    p.stop().await;
}
