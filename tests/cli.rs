//! The command line as users type it, against a real control plane and a real agent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/cli.rs"]
mod cli_support;

use std::path::Path;
use std::time::Duration;

use liftoff_testkit::{AgentProcess, TestPlatform, wait_for, write_bundle};
use serde_json::Value;

use cli_support::{BIN, Cli};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_deployment_path_works_from_the_command_line() {
    let p = TestPlatform::start().await.expect("platform");
    let cli = Cli { p: &p };
    assert_eq!(cli.ok(&["app", "create", "shop"]).await["name"], "shop");
    let good = p.dir.path().join("good");
    write_bundle(
        &good,
        "v1",
        &[
            ("BeforeInstall", "echo hello from $LIFECYCLE_EVENT"),
            ("ValidateService", "true"),
        ],
    )
    .expect("bundle");
    let rev = cli
        .ok(&[
            "revision",
            "push",
            "--app",
            "shop",
            good.to_str().expect("utf-8"),
        ])
        .await;
    let rev_id = rev["revision_id"]
        .as_str()
        .expect("revision_id")
        .to_string();
    cli.ok(&[
        "group",
        "create",
        "--app",
        "shop",
        "web",
        "--selector",
        "role=web",
    ])
    .await;
    let token = cli.ok(&["enroll-token", "create"]).await["token"]
        .as_str()
        .expect("token")
        .to_string();
    let agent = AgentProcess::spawn(
        Path::new(BIN),
        &p.url,
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("host"),
    )
    .expect("agent");
    let hosts = wait_for("the agent to enroll", Duration::from_secs(60), || async {
        let (_, json) = cli.run(&["hosts"]).await;
        json["hosts"].as_array().filter(|h| !h.is_empty()).cloned()
    })
    .await;
    for field in ["host_id", "zone", "tags", "state"] {
        assert!(
            hosts[0].get(field).is_some(),
            "hosts --json lacks {field}: {hosts:?}"
        );
    }
    assert_eq!(hosts[0]["zone"], "zone-a");
    assert_eq!(hosts[0]["tags"]["role"], "web");

    let done = cli
        .ok(&[
            "deploy",
            "--app",
            "shop",
            "--group",
            "web",
            "--revision",
            &rev_id,
            "--wait",
        ])
        .await;
    assert_eq!(done["status"], "Succeeded", "{done}");
    assert_eq!(done["hosts"][0]["status"], "Succeeded");
    let id = done["deployment_id"]
        .as_str()
        .expect("deployment_id")
        .to_string();
    assert_eq!(cli.ok(&["status", &id]).await["status"], "Succeeded");

    // Without --wait: the id at once.
    let started = cli
        .ok(&[
            "deploy",
            "--app",
            "shop",
            "--group",
            "web",
            "--revision",
            &rev_id,
        ])
        .await;
    let id2 = started["deployment_id"]
        .as_str()
        .expect("deployment_id")
        .to_string();
    wait_for("the second deployment", Duration::from_secs(60), || async {
        let (_, s) = cli.run(&["status", &id2]).await;
        (s["status"] == "Succeeded").then_some(())
    })
    .await;

    // A failing deployment exits non-zero with the final state.
    let bad = p.dir.path().join("bad");
    write_bundle(&bad, "v2", &[("AfterInstall", "exit 7")]).expect("bundle");
    let bad_rev = cli
        .ok(&[
            "revision",
            "push",
            "--app",
            "shop",
            bad.to_str().expect("utf-8"),
        ])
        .await["revision_id"]
        .as_str()
        .expect("id")
        .to_string();
    let (code, failed) = cli
        .run(&[
            "deploy",
            "--app",
            "shop",
            "--group",
            "web",
            "--revision",
            &bad_rev,
            "--wait",
        ])
        .await;
    assert_ne!(code, 0);
    assert_eq!(failed["status"], "Failed");
    assert_eq!(failed["hosts"][0]["error_code"], "script-failed");

    // Bad input: a JSON error and a non-zero exit.
    let (code, err) = cli.run(&["app", "create", "Not Valid"]).await;
    assert_ne!(code, 0);
    assert_eq!(err["error"]["code"], "invalid_field");
    let (code, err) = cli
        .run(&[
            "revision",
            "push",
            "--app",
            "nope",
            good.to_str().expect("utf-8"),
        ])
        .await;
    assert_ne!(code, 0);
    assert_eq!(err["error"]["code"], "not_found");
    agent.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_commands_without_a_token_say_how_to_get_one() {
    let out = tokio::process::Command::new(BIN)
        .args(["app", "list", "--json"])
        .env_remove("LIFTOFF_TOKEN")
        .env("LIFTOFF_DATA_DIR", "/nonexistent/liftoff")
        .output()
        .await
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("LIFTOFF_TOKEN")),
        "{json}"
    );
}

/// The README's first command, as a new user runs it: default (relative) data dir.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_from_a_fresh_directory_with_the_default_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(BIN)
        .args([
            "demo",
            "--hosts",
            "3",
            "--zones",
            "2",
            "--exit",
            "--listen",
            "127.0.0.1:0",
        ])
        .current_dir(dir.path())
        .env_remove("LIFTOFF_DATA_DIR")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("=== summary"), "{stdout}");
    assert_eq!(
        stdout.matches(" runs v2 ").count(),
        3,
        "every host runs v2:\n{stdout}"
    );
    assert!(dir.path().join(".liftoff/admin.token").exists());
}

/// `liftoff … | head` closing the pipe early ends the command quietly (as SIGPIPE does for
/// other tools), never with a panic about a failed write.
#[test]
fn a_client_command_whose_reader_hangs_up_ends_without_a_panic() {
    let port = liftoff_testkit::free_port();
    let mut child = std::process::Command::new(BIN)
        .args(["hosts", "--json"])
        .env("LIFTOFF_URL", format!("http://127.0.0.1:{port}"))
        .env("LIFTOFF_TOKEN", "not-used")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is written.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

/// The same for a command that succeeds: its output has nowhere to go, and it ends with
/// success, quietly, as `cmd | head` users expect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_successful_command_whose_reader_hangs_up_ends_quietly_with_success() {
    let p = TestPlatform::start().await.expect("platform");
    Cli { p: &p }.ok(&["app", "create", "shop"]).await;
    let mut child = tokio::process::Command::new(BIN)
        .args(["app", "list", "--json"])
        .env("LIFTOFF_URL", &p.url)
        .env("LIFTOFF_TOKEN", &p.admin_token)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    p.stop().await;
}

/// `liftoff up` started with the usual umask 022 keeps its data (bundles, hook output, the audit
/// log, the signing secret) to itself: the directory 0700, every file 0600, the SQLite WAL and
/// shared-memory files included; a directory an older version left open is reported and closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liftoff_up_keeps_its_data_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let up = |data: &Path| {
        let port = liftoff_testkit::free_port();
        let child = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!(
                "umask 022; exec \"{BIN}\" up --listen 127.0.0.1:{port} --data-dir \"{}\"",
                data.display()
            ))
            .env_remove("LIFTOFF_DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        (child, port)
    };
    let wait_up = |port: u16| async move {
        wait_for(
            "liftoff up to answer",
            Duration::from_secs(60),
            || async move {
                reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
            },
        )
        .await;
    };
    let modes = |data: &Path| -> Vec<(String, u32)> {
        let mut out = vec![(
            ".".to_string(),
            std::fs::metadata(data).unwrap().permissions().mode() & 0o777,
        )];
        for e in std::fs::read_dir(data).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_file() {
                out.push((
                    e.file_name().to_string_lossy().into_owned(),
                    m.permissions().mode() & 0o777,
                ));
            }
        }
        out.sort();
        out
    };
    let stop = |mut child: std::process::Child| {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = child.wait();
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
        }
        stderr
    };

    let (child, port) = up(&data);
    wait_up(port).await;
    let got = modes(&data);
    stop(child);
    assert!(
        got.iter().any(|(n, _)| n.ends_with(".db-wal"))
            && got.iter().any(|(n, _)| n == "history.db"),
        "{got:?}"
    );
    for (name, mode) in &got {
        let want = if name == "." { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{name} has mode {mode:o}: {got:?}");
    }

    // As an older version left it: open to every user.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        data.join("history.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let (child, port) = up(&data);
    wait_up(port).await;
    let got = modes(&data);
    let stderr = stop(child);
    assert!(
        stderr.contains("warning") && stderr.contains("history.db"),
        "{stderr}"
    );
    for (name, mode) in &got {
        assert_eq!(mode & 0o077, 0, "{name} has mode {mode:o}: {got:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_fleet_reports_an_idle_fleet_as_one_json_object() {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.args(["bench", "fleet", "--hosts", "6", "--hosts-per-agent", "4"])
        .args(["--settle-secs", "1", "--measure-secs", "2", "--json"]);
    // Given a server, the bench runs in a database of its own: the one named stays as it was.
    let pg = liftoff_testkit::postgres_url()
        .map(|u| liftoff_testkit::PgDatabase::create(&u).expect("database"));
    if let Some(db) = &pg {
        cmd.args(["--database-url", &db.url]);
    }
    let pg_used = pg.is_some();
    let out = cmd.output().await.expect("run liftoff bench fleet");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench fleet failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_str(&stdout).expect("one JSON object");
    if let Some(db) = &pg {
        liftoff_testkit::assert_bench_left_no_trace(&db.url);
    }
    drop(pg);
    assert_eq!(r["hosts"], 6);
    assert_eq!(r["database"], if pg_used { "postgres" } else { "sqlite" });
    assert_eq!(r["agent_processes"], 2, "{r}");
    assert_eq!(r["api_errors"], 0, "{r}");
    // Two seconds at ten a second.
    assert!(r["api_requests"].as_u64().unwrap() >= 15, "{r}");
    assert!(r["heartbeat_interval_s"].as_u64().unwrap() >= 1, "{r}");
    for field in [
        "enroll_s",
        "control_plane_cpu_cores",
        "control_plane_rss_mb",
        "agents_rss_mb",
        "api_p50_ms",
        "api_p99_ms",
    ] {
        let v = r[field]
            .as_f64()
            .unwrap_or_else(|| panic!("{field} missing: {r}"));
        assert!(v > 0.0 && v.is_finite(), "{field} = {v}: {r}");
    }
    assert!(r["api_p50_ms"].as_f64() <= r["api_p99_ms"].as_f64(), "{r}");
    // Measured only once every host is in service.
    assert!(r["in_service_s"].as_f64() >= r["enroll_s"].as_f64(), "{r}");
    // A fleet that only heartbeats loses no host.
    assert_eq!(r["hosts_lost"], 0, "{r}");
    // Two cores at most.
    assert!(r["control_plane_cpu_cores"].as_f64().unwrap() < 2.5, "{r}");
}
