//! Health analysis end to end: a real Prometheus (Debian's `prometheus`) scrapes a metrics
//! endpoint this test controls; a group's analysis queries it during each deployment over a
//! simulated fleet (the real agent code running real hooks) and for a bake after each batch.
//! An error rate that rises mid-rollout stops the deployment (`HEALTH_CHECK_FAILED`) and the
//! group rolls back; a low one lets it succeed with its measurements recorded. Bad input is
//! refused with 400 and changes nothing; the CLI sets, changes and removes the analysis.
//!
//! Without `prometheus` on PATH the Prometheus test prints that it was skipped, or fails when
//! `LIFTOFF_REQUIRE_PROMETHEUS=1` (as `scripts/test` sets).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rollout_common/mod.rs"]
mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::*;
use liftoff_platform::ServiceSettings;
use liftoff_testkit::{TestPlatform, free_port, wait_for};
use liftoff_types::analysis::{AnalysisState, HealthAnalysis, MeasurementOutcome};
use liftoff_types::deployments::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const QUERY: &str = "app_error_ratio > 0.05";

fn prometheus_bin() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("prometheus"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("LIFTOFF_REQUIRE_PROMETHEUS").as_deref() != Ok("1"),
            "LIFTOFF_REQUIRE_PROMETHEUS=1 but `prometheus` is not on PATH"
        );
        let _ = writeln!(
            std::io::stderr(),
            "health_analysis: skipped, `prometheus` is not installed (scripts/test installs Debian's prometheus)"
        );
    }
    found
}

/// Loopback is where this test's Prometheus and receivers live.
fn settings() -> ServiceSettings {
    let mut s = ServiceSettings::default();
    let local: liftoff_kit::egress::Cidr = "127.0.0.1".parse().unwrap();
    s.deployment_api.bundle_fetch.allow = vec![local];
    s.scheduler.analysis_allow = vec![local];
    // A restarted control plane takes the rollout over once the old lease runs out.
    s.scheduler.lease_ttl = Duration::from_secs(2);
    s
}

/// A metrics endpoint serving the gauge `app_error_ratio`, which the test sets.
async fn metrics_server(ratio: Arc<AtomicU64>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let ratio = ratio.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let v = f64::from_bits(ratio.load(Ordering::SeqCst));
                let body = format!(
                    "# TYPE app_error_ratio gauge\napp_error_ratio{{service=\"shop\"}} {v}\n"
                );
                let res = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(res.as_bytes()).await;
            });
        }
    });
    addr
}

/// A Prometheus scraping `target` every second; killed on drop.
async fn start_prometheus(
    bin: &PathBuf,
    dir: &std::path::Path,
    target: &str,
) -> (tokio::process::Child, String) {
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['{target}']\n"
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let port = free_port();
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let child = tokio::process::Command::new(bin)
        .arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    // Ready, and the gauge scraped once (a query before that is an empty result: passed).
    wait_for(
        "prometheus to scrape the app",
        Duration::from_secs(60),
        || {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let v: serde_json::Value = http
                    .get(format!("{url}/api/v1/query"))
                    .query(&[("query", "app_error_ratio")])
                    .send()
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                (v["data"]["result"].as_array()?.len() == 1).then_some(())
            }
        },
    )
    .await;
    (child, url)
}

fn set(ratio: &AtomicU64, v: f64) {
    ratio.store(v.to_bits(), Ordering::SeqCst);
}

async fn fleet(p: &TestPlatform) -> Vec<Sim> {
    let token = p.enrollment_token().await.unwrap();
    let mut sims = Vec::new();
    for zone in ["zone-a", "zone-b"] {
        let root = p.dir.path().join(format!("web-{zone}"));
        sims.push(Sim::spawn(
            &p.url,
            &[],
            &token,
            zone,
            &[("role", "web")],
            &root,
            &format!("web-{zone}"),
            2,
        ));
    }
    wait_hosts(&p.registry(), "role", "web", 4).await;
    sims
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rising_error_rate_stops_the_deployment_and_rolls_it_back_a_low_one_lets_it_succeed() {
    let Some(bin) = prometheus_bin() else {
        return;
    };
    let ratio = Arc::new(AtomicU64::new(0f64.to_bits()));
    let target = metrics_server(ratio.clone()).await;
    let prom_dir = tempfile::tempdir().unwrap();
    let (_prom, prom_url) = start_prometheus(&bin, prom_dir.path(), &target).await;

    let mut p = TestPlatform::start_with(settings()).await.unwrap();
    let api = p.api();
    let _sims = fleet(&p).await;
    let analysis = HealthAnalysis {
        query: QUERY.into(),
        prometheus_url: prom_url.clone(),
        interval_secs: 1,
        failure_limit: 2,
        inconclusive_limit: 5,
        bake_secs: 5,
    };
    // First the analysis comes from the group's configuration (the group has none), with a
    // limit of 3 failures where the group's own, set later, has 2.
    let config = api
        .create_config(&CreateDeploymentConfig {
            name: "half-watched".into(),
            minimum_healthy: MinimumHealthy::FleetPercent(50),
            zone_mode: None,
            zone_bake_secs: None,
            canary_batch_size: None,
            health_analysis: Some(HealthAnalysis {
                failure_limit: 3,
                ..analysis.clone()
            }),
        })
        .await
        .unwrap();
    assert_eq!(config.health_analysis.as_ref().unwrap().failure_limit, 3);
    setup(
        &api,
        "shop",
        ("role", "web"),
        "half-watched",
        true,
        ConcurrencyPolicy::Reject,
    )
    .await;

    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", RECORD)],
    )
    .await;
    let v2 = push(
        &api,
        p.dir.path(),
        "shop",
        "v2",
        &[("ApplicationStart", RECORD)],
    )
    .await;

    // (2) The error rate stays low: two batches of two, each baked, and success, across a
    // restart of the control plane in the middle of the analysis (the configuration's).
    let d1 = deploy(&api, "shop", &v1).await;
    wait_until(&api, d1.deployment_id, "two measurements", 90, |d| {
        d.analysis.as_ref().is_some_and(|a| a.passed >= 2)
    })
    .await;
    p.restart(settings()).await.unwrap();
    let d1 = wait_done(&api, d1.deployment_id, 120).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");
    let a1 = d1
        .analysis
        .clone()
        .expect("the deployment shows its analysis");
    assert_eq!(a1.state, AnalysisState::Passed, "{a1:#?}");
    assert_eq!((a1.failed, a1.inconclusive), (0, 0), "{a1:#?}");
    // Two bakes of 5 s at one measurement a second.
    assert!(
        a1.passed >= 4,
        "measurements recorded during the bakes: {a1:#?}"
    );
    assert!(
        a1.measurements
            .iter()
            .all(|m| m.outcome == MeasurementOutcome::Passed)
    );
    // The CLI shows the same.
    let (ok, st) = cli(
        &p.url,
        &p.admin_token,
        &["status", &d1.deployment_id.to_string()],
    )
    .await;
    assert!(ok, "{st}");
    assert_eq!(st["analysis"]["state"], "passed", "{st}");
    assert_eq!(st["analysis"]["query"], QUERY);

    // (1) The group gets an analysis of its own, which wins over the configuration's. The
    // error rate rises once the first batch is in: HEALTH_CHECK_FAILED after the group's 2
    // failures (not the configuration's 3), then the group's automatic rollback to v1.
    let g = api
        .update_group(
            "shop",
            "web",
            &UpdateDeploymentGroup {
                health_analysis: Some(Some(analysis.clone())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(g.health_analysis.as_ref().unwrap().query, QUERY);
    let d2 = deploy(&api, "shop", &v2).await;
    wait_until(&api, d2.deployment_id, "the first batch of v2", 90, |d| {
        d.overview.succeeded >= 1
    })
    .await;
    set(&ratio, 0.5);
    let d2 = wait_done(&api, d2.deployment_id, 90).await;
    assert_eq!(d2.status, DeploymentStatus::Failed, "{d2:#?}");
    let err = d2.error.clone().unwrap();
    assert_eq!(err.code, "HEALTH_CHECK_FAILED", "{err:?}");
    assert!(err.message.contains(QUERY), "{err:?}");
    let a2 = d2.analysis.clone().unwrap();
    assert_eq!(a2.state, AnalysisState::Failed);
    assert_eq!(a2.failed, 2, "{a2:#?}");
    let breach = a2
        .measurements
        .iter()
        .find(|m| m.outcome == MeasurementOutcome::Failed)
        .unwrap();
    assert!(
        breach.value.as_deref().unwrap().contains("0.5"),
        "{breach:?}"
    );
    // The second batch never started.
    assert_eq!(d2.overview.skipped, 2, "{d2:#?}");

    let rb = wait_for("the automatic rollback", Duration::from_secs(30), || {
        let api = api.clone();
        async move {
            api.list_deployments(Some("shop"), None, None, Some(10), None)
                .await
                .ok()?
                .deployments
                .into_iter()
                .find(|d| d.reason == DeploymentReason::Rollback)
        }
    })
    .await;
    assert_eq!(rb.rollback_of, Some(d2.deployment_id));
    assert_eq!(rb.revision_id, v1.revision_id);
    let rb = wait_done(&api, rb.deployment_id, 90).await;
    // A rollback runs no analysis: the fleet goes back while the query still breaches.
    assert_eq!(rb.status, DeploymentStatus::Succeeded, "{rb:#?}");
    assert!(rb.analysis.is_none());
    assert_eq!(rb.overview.succeeded, 4, "every host ends on v1: {rb:#?}");

    // History holds each measurement and the stop.
    let hist = p.history();
    for kind in ["deployment.analysis.measured", "deployment.analysis.failed"] {
        let ev = wait_for(kind, Duration::from_secs(30), || {
            let hist = hist.clone();
            async move {
                hist.events(&liftoff_client::EventQuery {
                    deployment_id: Some(d2.deployment_id),
                    event_type: Some(kind.into()),
                    ..Default::default()
                })
                .await
                .ok()
                .and_then(|page| page.events.into_iter().next())
            }
        })
        .await;
        assert_eq!(ev.event.deployment_id, Some(d2.deployment_id));
    }
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_prometheus_url_or_query_is_refused_and_changes_nothing() {
    // No Prometheus needed: nothing is queried.
    let p = TestPlatform::start_with(ServiceSettings::default())
        .await
        .unwrap();
    let http = p.http();
    let url = format!("{}/v1/applications", p.url);
    let auth = format!("Bearer {}", p.admin_token);
    let res = http
        .post(&url)
        .header("authorization", &auth)
        .json(&json!({"name": "shop"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let groups = format!("{url}/shop/deployment-groups");
    let cases = [
        (
            json!({"query": "  ", "prometheus_url": "https://prometheus.example.com"}),
            "invalid_field",
        ),
        (
            json!({"query": QUERY, "prometheus_url": "not a url"}),
            "invalid_field",
        ),
        (
            json!({"query": QUERY, "prometheus_url": "ftp://prometheus.example.com"}),
            "prometheus_url_forbidden",
        ),
        (
            json!({"query": QUERY, "prometheus_url": "http://169.254.169.254/"}),
            "prometheus_url_forbidden",
        ),
        (
            json!({"query": QUERY, "prometheus_url": "http://127.0.0.1:9090"}),
            "prometheus_url_forbidden",
        ),
        (
            json!({"query": QUERY, "prometheus_url": "http://user@10.0.0.1/"}),
            "prometheus_url_forbidden",
        ),
        (
            json!({"query": QUERY, "prometheus_url": "https://prometheus.example.com", "interval_secs": 0}),
            "invalid_field",
        ),
        (
            json!({"query": QUERY, "prometheus_url": "https://prometheus.example.com", "failure_limit": 0}),
            "invalid_field",
        ),
    ];
    for (analysis, code) in &cases {
        let res = http
            .post(&groups)
            .header("authorization", &auth)
            .json(
                &json!({"name": "web", "selector": {"role": ["web"]}, "health_analysis": analysis}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{analysis}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], *code, "{analysis}: {body}");
    }
    // Nothing was created.
    let res = http
        .get(format!("{groups}/web"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // A group without analysis; a bad update leaves it without.
    let res = http
        .post(&groups)
        .header("authorization", &auth)
        .json(&json!({"name": "web", "selector": {"role": ["web"]}}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    for (analysis, _) in &cases {
        let res = http
            .patch(format!("{groups}/web"))
            .header("authorization", &auth)
            .json(&json!({"health_analysis": analysis}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{analysis}");
    }
    let g: DeploymentGroup = http
        .get(format!("{groups}/web"))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(g.health_analysis.is_none(), "{g:?}");
    // A good one is taken; unknown fields are not.
    let res = http
        .patch(format!("{groups}/web"))
        .header("authorization", &auth)
        .json(&json!({"health_analysis": {"query": QUERY, "prometheus_url": "https://prometheus.example.com", "threshold": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_sets_changes_shows_and_removes_a_groups_analysis() {
    let p = TestPlatform::start_with(settings()).await.unwrap();
    let (ok, _) = cli(&p.url, &p.admin_token, &["app", "create", "shop"]).await;
    assert!(ok);
    let (ok, g) = cli(
        &p.url,
        &p.admin_token,
        &[
            "group",
            "create",
            "--app",
            "shop",
            "web",
            "--selector",
            "role=web",
            "--auto-rollback",
            "--health-query",
            QUERY,
            "--health-prometheus",
            "http://127.0.0.1:9090",
            "--health-interval",
            "5s",
            "--health-failures",
            "2",
            "--health-bake",
            "1m",
            "--health-inconclusive-limit",
            "4",
        ],
    )
    .await;
    assert!(ok, "{g}");
    let a = &g["health_analysis"];
    assert_eq!(a["query"], QUERY, "{g}");
    assert_eq!(a["prometheus_url"], "http://127.0.0.1:9090/");
    assert_eq!(
        (a["interval_secs"].as_u64(), a["failure_limit"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(
        (a["bake_secs"].as_u64(), a["inconclusive_limit"].as_u64()),
        (Some(60), Some(4))
    );
    // One flag changes one setting; the rest stay.
    let (ok, g) = cli(
        &p.url,
        &p.admin_token,
        &[
            "group",
            "update",
            "--app",
            "shop",
            "web",
            "--health-failures",
            "3",
        ],
    )
    .await;
    assert!(ok, "{g}");
    assert_eq!(g["health_analysis"]["failure_limit"], 3);
    assert_eq!(g["health_analysis"]["query"], QUERY);
    let (ok, g) = cli(
        &p.url,
        &p.admin_token,
        &["group", "get", "--app", "shop", "web"],
    )
    .await;
    assert!(ok);
    assert_eq!(g["health_analysis"]["interval_secs"], 5);
    // A refused URL: non-zero exit, nothing changed.
    let (ok, err) = cli(
        &p.url,
        &p.admin_token,
        &[
            "group",
            "update",
            "--app",
            "shop",
            "web",
            "--health-prometheus",
            "http://169.254.169.254/",
        ],
    )
    .await;
    assert!(!ok);
    assert_eq!(err["error"]["code"], "prometheus_url_forbidden", "{err}");
    let (_, g) = cli(
        &p.url,
        &p.admin_token,
        &["group", "get", "--app", "shop", "web"],
    )
    .await;
    assert_eq!(
        g["health_analysis"]["prometheus_url"],
        "http://127.0.0.1:9090/"
    );
    // Removed.
    let (ok, g) = cli(
        &p.url,
        &p.admin_token,
        &["group", "update", "--app", "shop", "web", "--no-health"],
    )
    .await;
    assert!(ok, "{g}");
    assert!(g["health_analysis"].is_null(), "{g}");
    // A configuration takes the same flags and is held to the same rules.
    let (ok, c) = cli(
        &p.url,
        &p.admin_token,
        &[
            "config",
            "create",
            "watched",
            "--min-healthy-percent",
            "50",
            "--health-query",
            QUERY,
            "--health-prometheus",
            "http://127.0.0.1:9090",
            "--health-failures",
            "2",
        ],
    )
    .await;
    assert!(ok, "{c}");
    assert_eq!(c["health_analysis"]["query"], QUERY, "{c}");
    assert_eq!(c["health_analysis"]["failure_limit"], 2, "{c}");
    let (ok, c) = cli(&p.url, &p.admin_token, &["config", "get", "watched"]).await;
    assert!(ok, "{c}");
    assert_eq!(
        c["health_analysis"]["prometheus_url"],
        "http://127.0.0.1:9090/"
    );
    let (ok, err) = cli(
        &p.url,
        &p.admin_token,
        &[
            "config",
            "create",
            "metadata",
            "--min-healthy-percent",
            "50",
            "--health-query",
            QUERY,
            "--health-prometheus",
            "http://169.254.169.254/",
        ],
    )
    .await;
    assert!(!ok);
    assert_eq!(err["error"]["code"], "prometheus_url_forbidden", "{err}");
    let (ok, err) = cli(&p.url, &p.admin_token, &["config", "get", "metadata"]).await;
    assert!(!ok, "a refused configuration is not created: {err}");
    // A group without an analysis needs both the query and the server.
    let (ok, _) = cli(
        &p.url,
        &p.admin_token,
        &[
            "group",
            "update",
            "--app",
            "shop",
            "web",
            "--health-failures",
            "3",
        ],
    )
    .await;
    assert!(!ok);
    p.stop().await;
}
