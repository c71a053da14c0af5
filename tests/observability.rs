//! The monitoring files in `infra/` checked by the tools they are for: `promtool` validates the
//! Prometheus config and the alert rules and runs the alerts' unit tests; a real Prometheus
//! scrapes a control plane that ran a deployment over two real agents (one host's hook fails)
//! and answers every dashboard expression with data, finds every metric an alert names, and
//! holds the failed host and the deployment's duration as the test saw them; every panel of
//! the dashboard is drawn from its data (`docs/dashboard.svg`), each with some series.
//!
//! Needs Debian's `prometheus` package (`scripts/test` installs it); without it each test prints
//! one line saying it was skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, deploy, push_bundle, wait_enrolled,
};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform, free_port, wait_for};
use liftoff_types::scheduler::HostTargetStatus;
use serde_json::Value;

#[path = "observability_support/render.rs"]
mod render;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const INFRA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra");
const WEB: (&str, &str) = ("role", "web");
const WAIT: Duration = Duration::from_secs(120);

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn tool(name: &str, test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        // Past the harness's capture: a run without the tool says what it did not check.
        let _ = writeln!(
            std::io::stderr(),
            "observability::{test}: skipped, `{name}` is not installed (scripts/test installs Debian's prometheus)"
        );
    }
    found
}

fn infra(rel: &str) -> PathBuf {
    Path::new(INFRA).join(rel)
}

fn run_promtool(promtool: &Path, args: &[&str], dir: &Path) {
    let out = std::process::Command::new(promtool)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "promtool {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn promtool_accepts_the_config_and_the_rules_and_every_alert_has_a_passing_unit_test() {
    let Some(promtool) = tool("promtool", "promtool_accepts") else {
        return;
    };
    let dir = infra("prometheus");
    run_promtool(&promtool, &["check", "config", "prometheus.yml"], &dir);
    run_promtool(&promtool, &["check", "rules", "alerts.yml"], &dir);
    run_promtool(&promtool, &["test", "rules", "alerts_test.yml"], &dir);

    // Every alert has a runbook line and at least one unit test that expects it to fire.
    let rules = std::fs::read_to_string(dir.join("alerts.yml")).unwrap();
    let tests = std::fs::read_to_string(dir.join("alerts_test.yml")).unwrap();
    let alerts = alert_rules(&rules);
    assert!(alerts.len() >= 5, "{alerts:?}");
    for (name, _) in &alerts {
        assert!(
            tests.contains(&format!(
                "alertname: {name}\n        exp_alerts:\n          - "
            )),
            "alerts_test.yml has no test in which {name} fires"
        );
    }
    let runbooks = rules.matches("runbook:").count();
    assert_eq!(runbooks, alerts.len(), "every alert carries a runbook line");
}

/// `(alert name, expression)` of every rule in `alerts.yml`.
fn alert_rules(text: &str) -> Vec<(String, String)> {
    let doc: yaml_serde::Value = yaml_serde::from_str(text).unwrap();
    doc["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap().iter())
        .map(|r| {
            (
                r["alert"].as_str().unwrap().to_string(),
                r["expr"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `(panel title, expression)` of every target in the Grafana dashboard.
fn dashboard_queries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(infra("grafana/dashboards/liftoff.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let queries: Vec<(String, String)> = doc["panels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] != "row")
        .flat_map(|p| {
            let title = p["title"].as_str().unwrap().to_string();
            p["targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |t| (title.clone(), t["expr"].as_str().unwrap().to_string()))
        })
        .collect();
    assert!(
        queries.len() >= 15,
        "the dashboard has {} queries",
        queries.len()
    );
    queries
}

/// The metric names an expression reads (`liftoff_…`, and `up`).
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = expr.as_bytes();
    let mut i = 0;
    while let Some(at) = expr[i..].find("liftoff_") {
        let start = i + at;
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
            end += 1;
        }
        let name = &expr[start..end];
        // A histogram is exported as its _bucket/_sum/_count series.
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        names.insert(base.to_string());
        i = end;
    }
    if expr.contains("up{") {
        names.insert("up".to_string());
    }
    names
}

struct Prometheus {
    child: tokio::process::Child,
    url: String,
    http: reqwest::Client,
}

impl Prometheus {
    /// Scrapes each `(job, host:port)` every second.
    async fn start(bin: &Path, dir: &Path, targets: &[(&str, String)]) -> Self {
        std::fs::copy(infra("prometheus/alerts.yml"), dir.join("alerts.yml")).unwrap();
        let mut config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                          rule_files: [alerts.yml]\nscrape_configs:\n"
            .to_string();
        for (job, target) in targets {
            config.push_str(&format!(
                "  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
            ));
        }
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
        let p = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let (http, url) = (p.http.clone(), p.url.clone());
        wait_for("prometheus to be ready", Duration::from_secs(60), || {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let res = http.get(format!("{url}/-/ready")).send().await.ok()?;
                res.status().is_success().then_some(())
            }
        })
        .await;
        p
    }

    /// The result vector of an instant query (the query must be valid).
    async fn query(&self, expr: &str) -> Vec<Value> {
        let res: Value = self
            .http
            .get(format!("{}/api/v1/query", self.url))
            .query(&[("query", expr)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(res["status"], "success", "{expr}: {res}");
        res["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    async fn value(&self, expr: &str) -> Option<f64> {
        let result = self.query(expr).await;
        let v = result.first()?["value"][1].as_str()?.parse().ok()?;
        Some(v)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_answers_every_dashboard_query_and_alert_metric_after_a_deployment() {
    let Some(prometheus) = tool("prometheus", "prometheus_answers") else {
        return;
    };
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let mut agents = Vec::new();
    // host-ok serves its own metrics (`--metrics-listen`).
    let agent_metrics = format!("127.0.0.1:{}", free_port());
    for (name, zone) in [("host-ok", "zone-a"), ("host-bad", "zone-b")] {
        let mut opts =
            AgentOptions::new(&p.url, &token, zone, &p.dir.path().join(name)).tag(WEB.0, WEB.1);
        opts.poll_wait_secs = 1;
        if name == "host-ok" {
            opts = opts.arg("--metrics-listen").arg(agent_metrics.clone());
        }
        agents.push(AgentProcess::start(Path::new(BIN), &opts).unwrap());
    }
    wait_enrolled(&p, WEB, 2, WAIT).await;
    // Scraped from before the deployment, so the dashboard drawn at the end shows it.
    let dir = tempfile::tempdir().unwrap();
    let prom = Prometheus::start(
        &prometheus,
        dir.path(),
        &[
            ("liftoff", p.addr.to_string()),
            ("liftoff-agent", agent_metrics.clone()),
        ],
    )
    .await;
    let scraped_from = unix_now();
    // host-bad's AfterInstall fails: the marker sits in its install root.
    std::fs::write(p.dir.path().join("host-bad").join("fail-here"), b"").unwrap();
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let revision = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new(
            "AfterInstall",
            "test ! -e \"$LIFTOFF_INSTALL_ROOT/fail-here\"",
        )),
    )
    .await
    .unwrap();
    let started = Instant::now();
    let d = deploy(&p, "shop", "web", &revision, WAIT).await;
    let took = started.elapsed().as_secs_f64();
    let failed = d
        .hosts
        .iter()
        .filter(|h| h.status == HostTargetStatus::Failed)
        .count();
    assert_eq!(failed, 1, "one host fails its AfterInstall: {d:#?}");

    // Gauges refresh every few seconds and rates need two scrapes: wait for the deployment's
    // counters, then a little past the next gauge refresh.
    wait_for("the finished deployment in Prometheus", WAIT, || {
        let prom = &prom;
        async move {
            let n = prom
                .value("sum(liftoff_deployments_finished_total)")
                .await?;
            (n >= 1.0).then_some(())
        }
    })
    .await;
    wait_for("host gauges in Prometheus", WAIT, || {
        let prom = &prom;
        async move {
            let n = prom.value("sum(liftoff_hosts)").await?;
            (n >= 2.0).then_some(())
        }
    })
    .await;
    // Both hosts are in group shop/web: the scheduler counts them from its pushed copies.
    wait_for("the group's hosts in Prometheus", WAIT, || {
        let prom = &prom;
        async move {
            let n = prom
                .value(
                    "sum(liftoff_hosts_by_group{application=\"shop\", deployment_group=\"web\"})",
                )
                .await?;
            (n == 2.0).then_some(())
        }
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let mut missing = Vec::new();
    for (title, expr) in dashboard_queries() {
        if prom.query(&expr).await.is_empty() {
            missing.push(format!("panel {title:?}: `{expr}` returned no data"));
        }
    }
    let mut names = BTreeSet::new();
    for (_, expr) in dashboard_queries() {
        names.extend(metric_names(&expr));
    }
    let rules = std::fs::read_to_string(infra("prometheus/alerts.yml")).unwrap();
    for (alert, expr) in alert_rules(&rules) {
        let used = metric_names(&expr);
        assert!(!used.is_empty(), "{alert} names no metric: {expr}");
        // Valid PromQL, evaluated by the real server (firing or not).
        prom.query(&expr).await;
        names.extend(used);
    }
    for name in &names {
        let series = format!("count({{__name__=~\"{name}|{name}_bucket\"}})");
        if prom.query(&series).await.is_empty() {
            missing.push(format!(
                "no series named {name} (used by the dashboard or an alert)"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));

    // The values, as the test saw them.
    let failed_hosts = prom
        .value("sum(liftoff_deployments_hosts_total{outcome=\"failed\"})")
        .await;
    assert_eq!(failed_hosts, Some(1.0), "one host failed in the deployment");
    let failed_in_b = prom
        .value("sum(liftoff_deployments_hosts_total{outcome=\"failed\", zone=\"zone-b\"})")
        .await;
    assert_eq!(
        failed_in_b,
        Some(1.0),
        "the failed host is counted in its zone"
    );
    let ok_hosts = prom
        .value("sum(liftoff_deployments_hosts_total{outcome=\"succeeded\"})")
        .await;
    assert_eq!(ok_hosts, Some(1.0));
    let failures = prom
        .value("sum(liftoff_lifecycle_event_failures_total{event=\"AfterInstall\"})")
        .await;
    assert_eq!(
        failures,
        Some(1.0),
        "the failed AfterInstall is counted once"
    );
    let outcome = d.status.as_str();
    let count = prom
        .value(&format!(
            "sum(liftoff_deployments_duration_seconds_count{{outcome=\"{outcome}\"}})"
        ))
        .await;
    assert_eq!(count, Some(1.0), "one {outcome} deployment");
    let secs = prom
        .value("sum(liftoff_deployments_duration_seconds_sum)")
        .await
        .unwrap();
    assert!(
        secs > 0.0 && secs <= took + 1.0,
        "the deployment took {secs} s by the metric, at most {took} s by the test"
    );
    assert_eq!(
        prom.value("sum(liftoff_hosts)").await,
        Some(2.0),
        "two hosts enrolled"
    );
    // The agent's own metrics, as host-ok lived them: one command, its bundle, its hooks.
    let agent = |q: &str| format!("sum({q}{{job=\"liftoff-agent\"}})");
    assert_eq!(
        prom.value(&agent("liftoff_agent_commands_total")).await,
        Some(1.0),
        "host-ok ran one command"
    );
    assert_eq!(
        prom.value("sum(liftoff_agent_commands_total{status=\"Succeeded\"})")
            .await,
        Some(1.0)
    );
    let bytes = prom
        .value(&agent("liftoff_agent_bundle_download_bytes_total"))
        .await
        .unwrap();
    assert!(bytes > 0.0, "the bundle's bytes are counted");
    assert_eq!(
        prom.value("sum(liftoff_agent_hook_duration_seconds_count{event=\"AfterInstall\"})")
            .await,
        Some(1.0)
    );
    assert_eq!(
        prom.value(&agent("liftoff_agent_journal_recoveries_total"))
            .await,
        Some(0.0)
    );
    // The group's hosts by state are the fleet's (every host is in it).
    for state in ["InService", "Failed", "Lost"] {
        assert_eq!(
            prom.value(&format!(
                "sum(liftoff_hosts_by_group{{deployment_group=\"web\", state=\"{state}\"}})"
            ))
            .await,
            prom.value(&format!("sum(liftoff_hosts{{state=\"{state}\"}})"))
                .await,
            "{state} hosts in the group and in the fleet"
        );
    }
    let zones = prom.query("sum by (zone) (liftoff_hosts)").await;
    assert_eq!(zones.len(), 2, "hosts by zone: {zones:?}");

    // The dashboard drawn from this Prometheus's data: every panel has some.
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(infra("grafana/dashboards/liftoff.json")).unwrap(),
    )
    .unwrap();
    let (svg, empty) =
        render::dashboard(&prom.http, &prom.url, &doc, (scraped_from, unix_now(), 1.0)).await;
    assert!(empty.is_empty(), "panels drawn without data: {empty:?}");
    let out = std::env::var_os("LIFTOFF_DASHBOARD_SVG")
        .map_or_else(|| dir.path().join("dashboard.svg"), PathBuf::from);
    std::fs::write(&out, svg).unwrap();

    let mut prom = prom;
    let _ = prom.child.kill().await;
    for mut a in agents {
        a.kill9().await;
    }
    p.stop().await;
}

#[test]
fn kubernetes_manifests_validate_and_every_service_has_probes_limits_scraping_and_a_budget() {
    let Some(validate) = tool("kubernetes-validate", "kubernetes_manifests") else {
        return;
    };
    let manifest = infra("k8s/liftoff.yaml");
    let out = std::process::Command::new(validate)
        .args(["--strict", "--quiet"])
        .arg(&manifest)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && !said.contains("ERROR"),
        "kubernetes-validate --strict: {said}"
    );

    use serde::Deserialize;
    let text = std::fs::read_to_string(&manifest).unwrap();
    let docs: Vec<yaml_serde::Value> = yaml_serde::Deserializer::from_str(&text)
        .map(|d| yaml_serde::Value::deserialize(d).unwrap())
        .collect();
    let of_kind = |kind: &str| -> Vec<&yaml_serde::Value> {
        docs.iter()
            .filter(|d| d["kind"].as_str() == Some(kind))
            .collect()
    };
    let budgets: BTreeSet<&str> = of_kind("PodDisruptionBudget")
        .iter()
        .map(|b| {
            b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
                .as_str()
                .unwrap()
        })
        .collect();
    let deployments = of_kind("Deployment");
    assert_eq!(deployments.len(), 4, "the four services");
    for d in deployments {
        let name = d["metadata"]["name"].as_str().unwrap();
        let pod = &d["spec"]["template"];
        let c = &pod["spec"]["containers"][0];
        for probe in ["readinessProbe", "livenessProbe"] {
            assert!(
                c[probe]["httpGet"]["path"].is_string(),
                "{name}: no {probe}"
            );
        }
        assert!(
            c["resources"]["requests"]["cpu"].is_string(),
            "{name}: no CPU request"
        );
        assert!(
            c["resources"]["requests"]["memory"].is_string(),
            "{name}: no memory request"
        );
        assert!(
            c["resources"]["limits"]["memory"].is_string(),
            "{name}: no memory limit"
        );
        assert_eq!(
            pod["metadata"]["annotations"]["prometheus.io/scrape"].as_str(),
            Some("true"),
            "{name}: not scraped"
        );
        assert!(budgets.contains(name), "{name}: no PodDisruptionBudget");
    }
}
