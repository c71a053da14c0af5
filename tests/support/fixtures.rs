//! Shared set-up of the deployment-api resource tests: an application with a group, a
//! pushed revision, hosts that enroll but never poll (their deployments stay in progress until
//! stopped), and raw HTTP calls that return the status and the JSON body.

#![allow(dead_code)]

use std::collections::BTreeMap;

use liftoff_client::DeploymentApiClient;
use liftoff_testkit::TestPlatform;
use liftoff_types::deployments::*;
use liftoff_types::registry::EnrollRequest;
use reqwest::StatusCode;
use serde_json::Value;

pub fn sel(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
        .collect()
}

pub async fn app_group(p: &TestPlatform, config: Option<&str>, stage: Option<&str>) {
    let api = p.api();
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: Some("the shop".into()),
    })
    .await
    .expect("app");
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "web".into(),
            selector: sel(&[("role", &["web"])]),
            deployment_config: config.map(str::to_string),
            auto_rollback: None,
            concurrency_policy: None,
            stage: stage.map(str::to_string),
            health_analysis: None,
        },
    )
    .await
    .expect("group");
}

pub async fn push(p: &TestPlatform, version: &str) -> Revision {
    let dir = p.dir.path().join(format!("bundle-{version}"));
    liftoff_testkit::write_bundle(&dir, version, &[("BeforeInstall", "true")]).expect("bundle");
    let out = p.dir.path().join(format!("{version}.tar.gz"));
    liftoff_testkit::pack(&dir, &out).expect("pack");
    p.api()
        .push_revision("shop", &out, Some(version), Some("a revision"), None)
        .await
        .expect("push")
}

/// A host in the group that never polls: its deployments stay in progress until stopped.
pub async fn silent_host(p: &TestPlatform) {
    silent_host_named(p, "silent").await
}

pub async fn silent_host_named(p: &TestPlatform, name: &str) {
    let token = p.enrollment_token().await.expect("token");
    p.registry()
        .enroll(&EnrollRequest {
            enrollment_token: token,
            hostname: name.into(),
            zone: "zone-a".into(),
            tags: BTreeMap::from([("role".to_string(), "web".to_string())]),
            agent_version: None,
        })
        .await
        .expect("enroll");
}

pub async fn deploy(api: &DeploymentApiClient, rev: &Revision, config: Option<&str>) -> Deployment {
    api.create_deployment(
        &CreateDeployment {
            file_exists_behavior: None,
            application: "shop".into(),
            deployment_group: "web".into(),
            revision: rev.revision_id.to_string(),
            config: config.map(str::to_string),
            description: None,
        },
        None,
    )
    .await
    .expect("deploy")
}

pub async fn send(
    p: &TestPlatform,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    send_as(p, &p.admin_token, method, path, body).await
}

pub async fn send_as(
    p: &TestPlatform,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rb = p
        .http()
        .request(method, format!("{}{path}", p.url))
        .bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let res = rb.send().await.expect("send");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}
