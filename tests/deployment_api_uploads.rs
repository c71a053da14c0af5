//! Bundle uploads at the edges: empty, truncated, over the cap (announced or not), the wrong
//! content type, and the same bytes twice. A refused upload stores nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use liftoff_platform::ServiceSettings;
use liftoff_testkit::TestPlatform;
use liftoff_types::deployments::*;
use reqwest::StatusCode;
use serde_json::Value;

const CAP: u64 = 64 * 1024;

async fn platform() -> TestPlatform {
    let mut settings = ServiceSettings::default();
    settings.deployment_api.max_bundle_bytes = CAP;
    let p = TestPlatform::start_with(settings).await.expect("platform");
    p.api()
        .create_application(&CreateApplication {
            name: "shop".into(),
            description: None,
        })
        .await
        .expect("app");
    p
}

async fn push(
    p: &TestPlatform,
    content_type: Option<&str>,
    body: reqwest::Body,
) -> (StatusCode, Value) {
    let mut rb = p
        .http()
        .post(format!("{}/v1/applications/shop/revisions", p.url))
        .bearer_auth(&p.admin_token);
    if let Some(ct) = content_type {
        rb = rb.header("content-type", ct);
    }
    let res = rb.body(body).send().await.expect("send");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

fn good_bundle(p: &TestPlatform) -> Vec<u8> {
    let dir = p.dir.path().join("bundle");
    liftoff_testkit::write_bundle(&dir, "v1", &[("BeforeInstall", "true")]).expect("bundle");
    let out = p.dir.path().join("v1.tar.gz");
    liftoff_testkit::pack(&dir, &out).expect("pack");
    std::fs::read(out).expect("read")
}

/// Bytes gzip cannot shrink, so the archive is really over the cap.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

async fn revisions(p: &TestPlatform) -> usize {
    p.api()
        .list_revisions("shop")
        .await
        .expect("list")
        .revisions
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_truncated_and_oversized_uploads_are_refused() {
    let p = platform().await;
    let (s, b) = push(&p, Some("application/octet-stream"), Vec::new().into()).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bundle_empty"),
        "{b}"
    );

    let good = good_bundle(&p);
    for cut in [good.len() / 2, good.len() - 8, 10] {
        let (s, b) = push(&p, Some("application/gzip"), good[..cut].to_vec().into()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "cut at {cut}: {b}");
    }

    // A bundle over the cap: refused from its Content-Length, before a byte is read.
    let dir = p.dir.path().join("big");
    liftoff_testkit::write_bundle(&dir, "big", &[("BeforeInstall", "true")]).unwrap();
    std::fs::write(dir.join("app/blob"), noise(CAP as usize * 2)).unwrap();
    let out = p.dir.path().join("big.tar.gz");
    liftoff_testkit::pack(&dir, &out).unwrap();
    let big = std::fs::read(&out).unwrap();
    assert!(big.len() as u64 > CAP);
    let (s, b) = push(&p, Some("application/octet-stream"), big.clone().into()).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        "{b}"
    );
    // The same without a length (chunked): cut off while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        big.chunks(8 * 1024).map(|c| Ok(c.to_vec())).collect();
    let stream = futures_util::stream::iter(chunks);
    let (s, b) = push(
        &p,
        Some("application/octet-stream"),
        reqwest::Body::wrap_stream(stream),
    )
    .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        "{b}"
    );

    assert_eq!(revisions(&p).await, 0, "nothing was stored");
    let leftovers: Vec<_> = std::fs::read_dir(p.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "spool files are removed: {leftovers:?}"
    );

    // Under the cap is fine.
    let (s, b) = push(&p, Some("application/octet-stream"), good.into()).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_content_type_says_what_the_body_is() {
    let p = platform().await;
    let good = good_bundle(&p);
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let (s, b) = push(&p, ct, good.clone().into()).await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            "{ct:?}: {b}"
        );
    }
    // Archive bytes labelled JSON are not JSON.
    let (s, b) = push(&p, Some("application/json"), good.clone().into()).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::BAD_REQUEST, "invalid_json"),
        "{b}"
    );
    // JSON with an unknown field, or a missing one.
    let (s, b) = push(
        &p,
        Some("application/json"),
        r#"{"url": "http://x.test/b.tar.gz", "sha256": "00", "team": "other"}"#.into(),
    )
    .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "{b}"
    );
    let (s, b) = push(
        &p,
        Some("application/json"),
        r#"{"url": "http://x.test/"}"#.into(),
    )
    .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "{b}"
    );
    assert_eq!(revisions(&p).await, 0);
    // Each archive type is accepted, parameters and case aside.
    for ct in [
        "application/gzip",
        "Application/X-GZIP; charset=binary",
        "application/octet-stream",
    ] {
        let (s, b) = push(&p, Some(ct), good.clone().into()).await;
        assert!(
            s == StatusCode::CREATED || s == StatusCode::OK,
            "{ct}: {s} {b}"
        );
    }
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_bytes_are_one_revision_and_one_stored_copy() {
    let p = platform().await;
    let good = good_bundle(&p);
    let (s, first) = push(&p, Some("application/octet-stream"), good.clone().into()).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, again) = push(&p, Some("application/octet-stream"), good.clone().into()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(first["revision_id"], again["revision_id"]);
    assert_eq!(again["created"], false);
    assert_eq!(revisions(&p).await, 1);
    // Another application pushing the same bytes gets its own revision over the same bytes.
    p.api()
        .create_application(&CreateApplication {
            name: "other".into(),
            description: None,
        })
        .await
        .unwrap();
    let res = p
        .http()
        .post(format!("{}/v1/applications/other/revisions", p.url))
        .bearer_auth(&p.admin_token)
        .header("content-type", "application/octet-stream")
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let other: Value = res.json().await.unwrap();
    assert_ne!(other["revision_id"], first["revision_id"]);
    assert_eq!(other["sha256"], first["sha256"]);
    // Deleting one application keeps the bytes the other still uses.
    let deleted = p.api().delete_application("shop").await.expect("delete");
    assert_eq!((deleted.revisions, deleted.bundles_freed), (1, 0));
    let id: uuid::Uuid = other["revision_id"].as_str().unwrap().parse().unwrap();
    let bytes = p
        .http()
        .get(format!(
            "{}/v1/applications/other/revisions/{id}/bundle",
            p.url
        ))
        .bearer_auth(&p.admin_token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), good.as_slice());
    let deleted = p.api().delete_application("other").await.expect("delete");
    assert_eq!((deleted.revisions, deleted.bundles_freed), (1, 1));
    p.stop().await;
}

/// What the appspec check tolerates but a team should fix is said in the push's answer and
/// by `liftoff revision push`, not only in a log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_answers_the_appspecs_warnings_and_the_cli_prints_them() {
    let p = platform().await;
    let dir = p.dir.path().join("quirky");
    liftoff_testkit::write_bundle(&dir, "v1", &[("BeforeInstall", "true")]).expect("bundle");
    let spec = std::fs::read_to_string(dir.join("appspec.yml")).unwrap();
    let quirky = spec.replace(
        "version: 0.0\n",
        "version: \"0.0\"\nfile_exists_behavior: overwrite\n",
    );
    std::fs::write(dir.join("appspec.yml"), quirky).unwrap();
    let out = p.dir.path().join("quirky.tar.gz");
    liftoff_testkit::pack(&dir, &out).expect("pack");
    let (status, body) = push(
        &p,
        Some("application/gzip"),
        std::fs::read(&out).unwrap().into(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let warnings = body["warnings"].to_string();
    assert!(warnings.contains("file_exists_behavior"), "{body}");
    assert!(warnings.contains("version"), "{body}");

    // A clean bundle has none.
    let (status, body) = push(&p, Some("application/gzip"), good_bundle(&p).into()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["warnings"], serde_json::json!([]));

    // The CLI prints them under the revision line (the same bytes again: still said).
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_liftoff"))
        .args(["--server", &p.url, "--token", &p.admin_token])
        .args(["revision", "push", "--app", "shop"])
        .arg(&dir)
        .output()
        .expect("liftoff revision push");
    let text = String::from_utf8_lossy(&cli.stdout);
    assert!(
        cli.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("warning:") && l.contains("file_exists_behavior")),
        "{text}"
    );
    p.stop().await;
}
