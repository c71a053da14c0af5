//! One deployment is one trace. A real `liftoff up` and two real `liftoff agent` processes
//! export their spans over OTLP/HTTP to a collector in this test process; one deployment of a
//! bundle whose hook writes `$TRACEPARENT` to a file must give one trace id on the API request
//! that created it, deployment-api's hand-off, the scheduler's rollout and dispatch of each
//! host, each agent's command, lifecycle events and scripts, and the hook-log uploads; each
//! hook's `TRACEPARENT` names that trace and its own script's span. On SQLite, or on
//! PostgreSQL when `LIFTOFF_TEST_DATABASE_URL` names a server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod collector;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use collector::{Collector, ReceivedSpan};
use liftoff_client::{Client, DeploymentApiClient, RegistryClient};
use liftoff_testkit::agent::{TestBundle, TestHook};
use liftoff_testkit::{AgentOptions, AgentProcess, PgDatabase, postgres_url, wait_for};
use liftoff_types::deployments::{
    CreateApplication, CreateDeployment, CreateDeploymentGroup, DeploymentStatus,
};
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WAIT: Duration = Duration::from_secs(120);

/// Spans leave every process within 200 ms instead of the batch exporter's 5 s default.
const OTEL_ENV: [(&str, &str); 1] = [("OTEL_BSP_SCHEDULE_DELAY", "200")];

/// `liftoff up` exporting to `collector`; its URL and admin token.
async fn start_up(
    collector: &Collector,
    dir: &Path,
    database_url: Option<&str>,
) -> (tokio::process::Child, String, String) {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(["up", "--listen", "127.0.0.1:0", "--json"])
        .arg("--data-dir")
        .arg(dir)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.url)
        .env("RUST_LOG", "info")
        .envs(OTEL_ENV)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.with_extension("log")).unwrap())
        .kill_on_drop(true);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let mut up = cmd.spawn().unwrap();
    let mut lines = BufReader::new(up.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&first).unwrap();
    let url = info["url"].as_str().unwrap().to_string();
    let token = std::fs::read_to_string(info["admin_token_path"].as_str().unwrap()).unwrap();
    (up, url, token.trim().to_string())
}

fn sigterm(pid: Option<u32>) {
    if let Some(pid) = pid {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_deployment_is_one_trace_from_the_api_request_to_the_hooks() {
    let collector = Collector::start().await;
    let pg = postgres_url().map(|server| PgDatabase::create(&server).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (mut up, url, token) = start_up(
        &collector,
        &dir.path().join("up"),
        pg.as_ref().map(|p| p.url.as_str()),
    )
    .await;
    let client = Client::new(&url, Some(token)).unwrap();
    let (api, registry) = (
        DeploymentApiClient::new(client.clone()),
        RegistryClient::new(client),
    );

    // Two real agents in two zones, exporting their own spans.
    let enroll = registry
        .create_enrollment_token(&liftoff_types::registry::CreateEnrollmentToken {
            uses: Some(2),
            ..Default::default()
        })
        .await
        .unwrap()
        .token
        .unwrap();
    let mut agents = Vec::new();
    // host-b runs the slim `liftoff-agent` when it was built beside `liftoff` (cargo build
    // --workspace), which sets up its exporter apart from `liftoff agent`.
    let slim = Path::new(BIN).with_file_name("liftoff-agent");
    let slim = slim.is_file().then_some(slim);
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "host-b runs {}",
        slim.as_deref().map_or(
            "`liftoff agent` (no liftoff-agent built)".to_string(),
            |p| p.display().to_string()
        )
    );
    for (name, zone) in [("host-a", "zone-a"), ("host-b", "zone-b")] {
        let mut opts = AgentOptions::new(&url, &enroll, zone, &dir.path().join(name))
            .tag("role", "web")
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.url);
        for (k, v) in OTEL_ENV {
            opts = opts.env(k, v);
        }
        opts.poll_wait_secs = 1;
        let bin = match (&slim, name) {
            (Some(slim), "host-b") => slim.as_path(),
            _ => Path::new(BIN),
        };
        agents.push(AgentProcess::start(bin, &opts).unwrap());
    }
    let selector = [("role".to_string(), "web".to_string())];
    wait_for("2 hosts to enroll", WAIT, || {
        let (registry, selector) = (registry.clone(), selector.clone());
        async move {
            let n = registry.list_hosts(&selector, None).await.ok()?.hosts.len();
            (n >= 2).then_some(())
        }
    })
    .await;

    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .unwrap();
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "web".into(),
            selector: [("role".to_string(), vec!["web".to_string()])].into(),
            deployment_config: Some("AllAtOnce".into()),
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
        },
    )
    .await
    .unwrap();
    // The team's own hook joins the trace through TRACEPARENT.
    let bundle = TestBundle::new("v1").hook(TestHook::new(
        "AfterInstall",
        "printf '%s' \"$TRACEPARENT\" > \"$LIFTOFF_INSTALL_ROOT/traceparent\"",
    ));
    let bundle_dir = dir.path().join("bundle");
    bundle.write(&bundle_dir).unwrap();
    let archive = dir.path().join("bundle.tar.gz");
    liftoff_testkit::pack(&bundle_dir, &archive).unwrap();
    let revision = api
        .push_revision("shop", &archive, Some("v1"), None, None)
        .await
        .unwrap();
    let created = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "web".into(),
                revision: revision.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    let deployment_id = created.deployment_id.to_string();
    let done = wait_for("the deployment to finish", WAIT, || {
        let api = api.clone();
        async move {
            api.get_deployment(created.deployment_id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await;
    assert_eq!(done.status, DeploymentStatus::Succeeded, "{done:#?}");

    // The hooks saw TRACEPARENT.
    let seen: Vec<String> = ["host-a", "host-b"]
        .iter()
        .map(|h| std::fs::read_to_string(dir.path().join(h).join("traceparent")).unwrap())
        .collect();

    // Every process flushes its spans on the way out (and every 200 ms before).
    for a in &agents {
        a.sigterm();
    }
    for a in &mut agents {
        assert!(
            a.wait_exit(Duration::from_secs(30)).await.is_some(),
            "an agent did not stop on SIGTERM"
        );
    }
    sigterm(up.id());
    let status = tokio::time::timeout(Duration::from_secs(30), up.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "liftoff up exits cleanly: {status}");

    let spans = collector.spans();
    let request = spans
        .iter()
        .find(|s| {
            s.service == "liftoff"
                && s.attr("http.route") == Some("/v1/deployments")
                && s.attr("http.request.method").or(s.attr("http.method")) == Some("POST")
        })
        .unwrap_or_else(|| panic!("no span of POST /v1/deployments: {}", names(&spans)));
    let trace = request.trace_id.clone();
    let tree = collector.tree(
        &trace,
        &[
            "deployment_id",
            "host_id",
            "zone",
            "event",
            "script",
            "http.route",
        ],
    );
    // Past the harness's capture, so a run shows the trace it checked.
    let _ = writeln!(std::io::stderr(), "trace {trace}:\n{tree}");

    let in_trace = |name: &str| -> Vec<&ReceivedSpan> {
        spans
            .iter()
            .filter(|s| s.name == name && s.trace_id == trace)
            .collect()
    };
    let expect = |name: &str, n: usize| {
        let found = in_trace(name);
        assert!(
            found.len() >= n,
            "{n} `{name}` span(s) expected in trace {trace}, found {}:\n{tree}",
            found.len()
        );
        for s in &found {
            assert_eq!(
                s.attr("deployment_id"),
                Some(deployment_id.as_str()),
                "`{name}` carries the deployment id: {s:?}"
            );
        }
        found
    };
    expect("deployment.hand_off", 1);
    expect("rollout.create", 1);
    let dispatched = expect("rollout.dispatch", 2);
    let commands = expect("agent.command", 2);
    let events = expect("agent.lifecycle_event", 2 * 7);
    let scripts = expect("agent.hook_script", 2);
    expect("agent.hook_log_upload", 2);
    for s in dispatched.iter().chain(&commands) {
        assert!(
            s.attr("host_id").is_some() && s.attr("zone").is_some(),
            "{s:?}"
        );
    }
    let zones: std::collections::BTreeSet<_> =
        commands.iter().filter_map(|s| s.attr("zone")).collect();
    assert_eq!(zones.len(), 2, "one command per zone: {commands:?}");
    assert!(
        events
            .iter()
            .any(|s| s.attr("event") == Some("AfterInstall")),
        "lifecycle events carry their name"
    );
    // The agents' spans are the agents' own, exported by them.
    assert!(commands.iter().all(|s| s.service == "liftoff-agent"));
    // The scheduler heard the agents within the trace too (their acks and reports).
    assert!(
        spans.iter().any(|s| s.trace_id == trace
            && s.service == "liftoff"
            && s.attr("http.route")
                .is_some_and(|r| r.starts_with("/v1/agents/"))),
        "the scheduler's handling of the agents' calls is in the trace:\n{tree}"
    );
    // History took the hook logs within the trace.
    assert!(
        spans.iter().any(|s| s.trace_id == trace
            && s.service == "liftoff"
            && s.attr("http.route").is_some_and(|r| r.contains("log"))),
        "history's hook-log intake is in the trace:\n{tree}"
    );

    // Each hook's TRACEPARENT: this trace, and the span of the script that ran it.
    for tp in &seen {
        let parts: Vec<&str> = tp.trim().split('-').collect();
        assert_eq!(parts.len(), 4, "W3C traceparent: {tp:?}");
        assert_eq!(parts[0], "00", "{tp}");
        assert_eq!(
            parts[1], trace,
            "the hook's trace is the deployment's: {tp}"
        );
        assert!(
            scripts.iter().any(|s| s.span_id == parts[2]),
            "the hook's parent is its script's span: {tp}\n{tree}"
        );
    }
    // The agents' log lines of the command carry the trace id.
    for a in &agents {
        let log = a.log_text();
        assert!(
            log.lines().any(|l| l.contains("running command")
                && l.contains("trace_id")
                && l.contains(&trace)),
            "the agent's log names the trace: {log}"
        );
    }
    drop(pg);
}

fn names(spans: &[ReceivedSpan]) -> String {
    spans
        .iter()
        .map(|s| format!("{} {:?}", s.name, s.attributes))
        .collect::<Vec<_>>()
        .join("\n")
}
