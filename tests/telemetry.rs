//! Traces leave the process over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");

/// A loopback stand-in for an OpenTelemetry collector: counts protobuf POSTs to /v1/traces.
async fn fake_collector() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).await.is_err() {
                    return;
                }
                let (mut length, mut protobuf) = (0usize, false);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    if let Some(v) = lower.strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    protobuf |= lower.starts_with("content-type:")
                        && lower.contains("application/x-protobuf");
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body).await;
                if request_line.starts_with("POST /v1/traces") && protobuf && !body.is_empty() {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                let _ = reader
                    .get_mut()
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    (url, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_over_otlp_http() {
    let (collector, hits) = fake_collector().await;
    let dir = tempfile::tempdir().unwrap();
    let mut up = tokio::process::Command::new(BIN)
        .args(["up", "--listen", "127.0.0.1:0", "--json"])
        .arg("--data-dir")
        .arg(dir.path())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(up.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&first).unwrap();
    let url = info["url"].as_str().unwrap().to_string();
    let token = std::fs::read_to_string(info["admin_token_path"].as_str().unwrap()).unwrap();
    let http = reqwest::Client::new();
    for _ in 0..3 {
        let res = http
            .get(format!("{url}/v1/applications"))
            .bearer_auth(token.trim())
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
    }
    // SIGTERM: the server stops and flushes its spans on the way out.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(up.id().unwrap() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), up.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.success(),
        "liftoff up exits cleanly on SIGTERM: {status}"
    );
    assert!(
        hits.load(Ordering::SeqCst) > 0,
        "no OTLP trace export reached the collector"
    );
}
