//! `liftoff bench throughput` runs end to end and prints the JSON a script reads: a smoke test
//! of the benchmark (small, short; it asserts what was measured exists, never how fast), on
//! SQLite and, with `LIFTOFF_TEST_DATABASE_URL`, on a fresh PostgreSQL database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use liftoff_testkit::{PgDatabase, postgres_url};

fn bench(args: &[&str], database_url: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_liftoff"));
    cmd.args(["--json", "bench", "throughput"]).args(args);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    cmd.output().expect("run liftoff bench throughput")
}

#[test]
fn bench_throughput_reports_deployments_latency_cpu_and_failures() {
    let pg = postgres_url().map(|u| PgDatabase::create(&u).expect("database"));
    // One team for both applications: the watchers' polls every 50 ms fit its default budget.
    let out = bench(
        &[
            "--apps",
            "2",
            "--hosts-per-app",
            "2",
            "--seconds",
            "3",
            "--hook-ms",
            "20",
            "--teams",
            "1",
        ],
        pg.as_ref().map(|p| p.url.as_str()),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed: {stderr}");
    if let Some(db) = &pg {
        liftoff_testkit::assert_bench_left_no_trace(&db.url);
    }
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    for field in [
        "deployments_per_s",
        "latency_p50_s",
        "latency_p99_s",
        "control_plane_cpu_s",
    ] {
        assert!(report[field].as_f64().unwrap() > 0.0, "{field}: {report}");
    }
    assert!(
        report["deployments_succeeded"].as_u64().unwrap() >= 2,
        "{report}"
    );
    assert!(report["latency_p99_s"].as_f64() >= report["latency_p50_s"].as_f64());
    assert_eq!(report["failures"], serde_json::json!({}), "{report}");
    assert_eq!(report["teams"], 1);
    assert_eq!(
        report["database"],
        if pg.is_some() { "postgres" } else { "sqlite" }
    );
}

#[test]
fn bench_throughput_refuses_bad_arguments_before_starting_anything() {
    for args in [
        &["--apps", "2", "--teams", "3"][..],
        &["--apps", "0"][..],
        &["--hosts-per-app", "101"][..],
        &["--poll-ms", "1"][..],
    ] {
        let out = bench(args, None);
        assert!(!out.status.success(), "{args:?} was accepted");
        // With --json the error is JSON on stdout, like every command's.
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON error");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("must be"), "{args:?}: {answer}");
        assert!(
            answer.get("deployments_per_s").is_none(),
            "{args:?} printed a report"
        );
    }
}
