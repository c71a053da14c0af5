//! Revisions registered by URL: the server fetches the bundle without letting the URL reach
//! what it must not (reliability.md §F). Everything here stays on 127.0.0.0/8: forbidden
//! addresses are refused before any connection, and the positive cases use a local server
//! that the operator allow-list permits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/bundle_server.rs"]
mod bundle_server;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bundle_server::{BundleServer, Reply};
use futures_util::future::BoxFuture;
use liftoff_deployment_api::bundle_fetch::Resolve;
use liftoff_platform::ServiceSettings;
use liftoff_testkit::TestPlatform;
use liftoff_types::deployments::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Answers names from a table; a name with several answers gives them in turn (the last
/// one repeats), which is how a rebinding DNS server behaves.
#[derive(Clone, Default)]
struct ScriptedResolver {
    answers: Arc<Mutex<HashMap<String, Vec<Vec<IpAddr>>>>>,
    calls: Arc<AtomicUsize>,
}

impl ScriptedResolver {
    fn answer(&self, name: &str, seq: &[&[&str]]) {
        let seq = seq
            .iter()
            .map(|ips| ips.iter().map(|ip| ip.parse().unwrap()).collect())
            .collect();
        self.answers.lock().unwrap().insert(name.to_string(), seq);
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Resolve for ScriptedResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        _port: u16,
    ) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut answers = self.answers.lock().unwrap();
        let out = match answers.get_mut(host) {
            Some(seq) if seq.len() > 1 => Ok(seq.remove(0)),
            Some(seq) => Ok(seq[0].clone()),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{host}: no such name in the test's resolver"),
            )),
        };
        Box::pin(async move { out })
    }
}

async fn platform(allow_loopback: bool, resolver: &ScriptedResolver) -> TestPlatform {
    let mut settings = ServiceSettings::default();
    if allow_loopback {
        settings.deployment_api.bundle_fetch.allow = vec!["127.0.0.1".parse().unwrap()];
    }
    settings.deployment_api.bundle_fetch.resolver = Arc::new(resolver.clone());
    settings.deployment_api.bundle_fetch.timeout = Duration::from_secs(3);
    settings.deployment_api.max_bundle_bytes = 256 * 1024;
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

async fn register(p: &TestPlatform, url: &str, sha256: &str) -> (StatusCode, Value) {
    let res = p
        .http()
        .post(format!("{}/v1/applications/shop/revisions", p.url))
        .bearer_auth(&p.admin_token)
        .json(&json!({"url": url, "sha256": sha256}))
        .send()
        .await
        .expect("send");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

fn bundle(p: &TestPlatform, version: &str) -> (Vec<u8>, String) {
    let dir = p.dir.path().join(format!("bundle-{version}"));
    liftoff_testkit::write_bundle(&dir, version, &[("BeforeInstall", "true")]).expect("bundle");
    let out = p.dir.path().join(format!("{version}.tar.gz"));
    liftoff_testkit::pack(&dir, &out).expect("pack");
    let bytes = std::fs::read(&out).expect("read");
    let sha = liftoff_bundle::sha256_file(&out).expect("sha");
    (bytes, sha)
}

async fn no_revisions(p: &TestPlatform) {
    assert!(
        p.api()
            .list_revisions("shop")
            .await
            .expect("list")
            .revisions
            .is_empty(),
        "no revision may be created"
    );
}

const ANY_SHA: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_urls_are_refused_before_any_connection() {
    let resolver = ScriptedResolver::default();
    resolver.answer("internal.example.test", &[&["10.0.0.7"]]);
    resolver.answer("metadata.example.test", &[&["169.254.169.254"]]);
    resolver.answer("v6.example.test", &[&["fd00::1"]]);
    // One good answer among bad ones is still a name that can reach inside.
    resolver.answer("mixed.example.test", &[&["93.184.216.34", "192.168.1.10"]]);
    resolver.answer("localhost", &[&["127.0.0.1", "::1"]]);
    let p = platform(false, &resolver).await;
    let table = [
        "http://127.0.0.1/b.tar.gz",
        "http://127.0.0.1:8080/b.tar.gz",
        "http://[::1]/b.tar.gz",
        "http://0.0.0.0/b.tar.gz",
        "http://0/b.tar.gz",
        "http://2130706433/b.tar.gz",
        "http://0x7f.1/b.tar.gz",
        "http://0x7f000001/b.tar.gz",
        "http://0177.0.0.1/b.tar.gz",
        "http://127.1/b.tar.gz",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://10.0.0.1/b.tar.gz",
        "http://172.16.0.1/b.tar.gz",
        "http://172.31.255.254/b.tar.gz",
        "http://192.168.0.1/b.tar.gz",
        "http://100.64.0.1/b.tar.gz",
        "http://[fe80::1]/b.tar.gz",
        "http://[fc00::1]/b.tar.gz",
        "http://[::ffff:127.0.0.1]/b.tar.gz",
        "http://[::ffff:169.254.169.254]/b.tar.gz",
        "https://127.0.0.1/b.tar.gz",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/_x",
        "ftp://ftp.example.test/b.tar.gz",
        "http://allowed@127.0.0.1/b.tar.gz",
        "http://allowed.example.test@127.0.0.1/b.tar.gz",
        "http://user:secret@internal.example.test/b.tar.gz",
        "http://internal.example.test/b.tar.gz",
        "http://metadata.example.test/latest/meta-data/",
        "http://v6.example.test/b.tar.gz",
        "http://mixed.example.test/b.tar.gz",
        "http://localhost/b.tar.gz",
    ];
    for url in table {
        let (status, body) = register(&p, url, ANY_SHA).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "bundle_url_forbidden"),
            "{url}: {body}"
        );
    }
    // Not URLs at all, or not the SHA-256 shape: 400 on the field.
    for (url, sha) in [
        ("not a url", ANY_SHA),
        ("http://bundles.example.test/b.tar.gz", "abc"),
    ] {
        let (status, body) = register(&p, url, sha).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_field"),
            "{url}: {body}"
        );
    }
    no_revisions(&p).await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_url_is_fetched_checked_and_stored_like_an_upload() {
    let resolver = ScriptedResolver::default();
    let p = platform(true, &resolver).await;
    let server = BundleServer::start().await;
    let (bytes, sha) = bundle(&p, "v1");
    server.route("/v1.tar.gz", Reply::Bytes(bytes.clone()));
    let url = format!("{}?X-Amz-Signature=secret", server.url("/v1.tar.gz"));
    let (status, body) = register(&p, &url, &sha).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let rev: Revision = serde_json::from_value(body).unwrap();
    assert_eq!(rev.sha256, sha);
    assert_eq!(rev.hook_events, ["BeforeInstall"]);
    assert_eq!(
        rev.source_url.as_deref(),
        Some(server.url("/v1.tar.gz").as_str()),
        "the source is kept without its signed query"
    );
    // The stored bytes are the fetched ones.
    let got = p
        .http()
        .get(format!(
            "{}/v1/applications/shop/revisions/{}/bundle",
            p.url, rev.revision_id
        ))
        .bearer_auth(&p.admin_token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.as_ref(), bytes.as_slice());
    // The same digest again: the same revision, and nothing is fetched.
    let before = server.hits().len();
    let (status, again) = register(&p, &url, &sha.to_uppercase()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["revision_id"], rev.revision_id.to_string());
    assert_eq!(server.hits().len(), before, "a known digest needs no fetch");
    // The same bytes uploaded are the same revision too.
    let res = p
        .http()
        .post(format!("{}/v1/applications/shop/revisions", p.url))
        .bearer_auth(&p.admin_token)
        .header("content-type", "application/gzip")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // The fetched bytes go through the appspec check: a bundle without one is refused.
    let empty_dir = p.dir.path().join("no-appspec");
    std::fs::create_dir_all(empty_dir.join("app")).unwrap();
    std::fs::write(empty_dir.join("app/VERSION"), "x\n").unwrap();
    let out = p.dir.path().join("no-appspec.tar.gz");
    liftoff_testkit::pack(&empty_dir, &out).unwrap();
    server.route("/bad.tar.gz", Reply::Bytes(std::fs::read(&out).unwrap()));
    let (status, body) = register(
        &p,
        &server.url("/bad.tar.gz"),
        &liftoff_bundle::sha256_file(&out).unwrap(),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "appspec_missing"),
        "{body}"
    );
    // Bytes that are not what the digest says. (A digest the application already has is
    // answered from what is stored, without a fetch, so this names another one.)
    let (v2, _) = bundle(&p, "v2");
    let (_, v3_sha) = bundle(&p, "v3");
    server.route("/v2.tar.gz", Reply::Bytes(v2));
    let (status, body) = register(&p, &server.url("/v2.tar.gz"), &v3_sha).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "digest_mismatch"),
        "{body}"
    );
    // The server's errors, and a closed port.
    server.route("/gone.tar.gz", Reply::Status(404));
    let (status, body) = register(&p, &server.url("/gone.tar.gz"), &v3_sha).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bundle_fetch_failed"),
        "{body}"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}/b.tar.gz", closed.local_addr().unwrap());
    drop(closed);
    let (status, body) = register(&p, &closed_url, &v3_sha).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bundle_fetch_failed"),
        "{body}"
    );
    assert_eq!(
        p.api()
            .list_revisions("shop")
            .await
            .unwrap()
            .revisions
            .len(),
        1
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_checked_at_every_hop() {
    let resolver = ScriptedResolver::default();
    let p = platform(true, &resolver).await;
    let server = BundleServer::start().await;
    let (bytes, sha) = bundle(&p, "v1");
    server.route("/real.tar.gz", Reply::Bytes(bytes));
    // A redirect within what is allowed is followed.
    server.route("/moved", Reply::Redirect("/real.tar.gz".into()));
    let (status, body) = register(&p, &server.url("/moved"), &sha).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Redirects towards what is not allowed are refused, however they are spelled.
    let port = server.addr.port();
    for (i, to) in [
        format!("http://127.0.0.2:{port}/real.tar.gz"),
        format!("http://[::1]:{port}/real.tar.gz"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        format!("http://0x7f.2:{port}/real.tar.gz"),
        "file:///etc/passwd".to_string(),
        format!("http://allowed@127.0.0.2:{port}/real.tar.gz"),
    ]
    .into_iter()
    .enumerate()
    {
        let path = format!("/evil-{i}");
        server.route(&path, Reply::Redirect(to.clone()));
        let (status, body) = register(&p, &server.url(&path), ANY_SHA).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "bundle_url_forbidden"),
            "redirect to {to}: {body}"
        );
    }
    // A redirect loop ends.
    server.route("/loop", Reply::Redirect("/loop".into()));
    let (status, body) = register(&p, &server.url("/loop"), ANY_SHA).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bundle_fetch_failed"),
        "{body}"
    );
    assert_eq!(
        p.api()
            .list_revisions("shop")
            .await
            .unwrap()
            .revisions
            .len(),
        1
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_resolved_once_and_the_connection_goes_to_the_checked_address() {
    let resolver = ScriptedResolver::default();
    // A rebinding name: harmless at the check, then pointing inside for whoever asks again.
    resolver.answer(
        "bundles.rebind.test",
        &[&["127.0.0.1"], &["10.0.0.8"], &["10.0.0.8"]],
    );
    resolver.answer("private.example.test", &[&["10.1.2.3"]]);
    let p = platform(true, &resolver).await;
    let server = BundleServer::start().await;
    let (bytes, sha) = bundle(&p, "v1");
    server.route("/v1.tar.gz", Reply::Bytes(bytes));
    let url = format!(
        "http://bundles.rebind.test:{}/v1.tar.gz",
        server.addr.port()
    );
    let (status, body) = register(&p, &url, &sha).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        resolver.calls(),
        1,
        "one resolution, the one that was checked"
    );
    assert_eq!(
        server.hits(),
        [(
            "/v1.tar.gz".to_string(),
            format!("bundles.rebind.test:{}", server.addr.port())
        )],
        "the request reached the checked address under its own name"
    );
    // Asked again, the name now points inside, and the URL is refused.
    let (status, body) = register(
        &p,
        &format!(
            "http://bundles.rebind.test:{}/other.tar.gz",
            server.addr.port()
        ),
        ANY_SHA,
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bundle_url_forbidden"),
        "{body}"
    );
    let (status, body) = register(&p, "http://private.example.test/b.tar.gz", ANY_SHA).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bundle_url_forbidden"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("10.1.2.3")),
        "the message names the address: {body}"
    );
    // A name the resolver does not know.
    let (status, body) = register(&p, "http://nowhere.example.test/b.tar.gz", ANY_SHA).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bundle_fetch_failed"),
        "{body}"
    );
    assert_eq!(server.hits().len(), 1, "nothing else reached the server");
    p.stop().await;
}

fn spool_leftovers(p: &TestPlatform) -> Vec<String> {
    std::fs::read_dir(p.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".tmp"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_byte_cap_and_the_deadline_bound_a_fetch() {
    let resolver = ScriptedResolver::default();
    let p = platform(true, &resolver).await;
    let server = BundleServer::start().await;
    // Over the cap (256 KiB), said up front.
    server.route("/claims-big", Reply::Claims(10 * 1024 * 1024));
    let (status, body) = register(&p, &server.url("/claims-big"), ANY_SHA).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // Over the cap without a length: cut off while streaming.
    server.route(
        "/endless",
        Reply::Stream {
            chunk: vec![7u8; 64 * 1024],
            count: 64,
        },
    );
    let (status, body) = register(&p, &server.url("/endless"), ANY_SHA).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // A slow drip ends at the deadline (3 s here), not when the server gives up.
    server.route(
        "/drip",
        Reply::Drip {
            every: Duration::from_millis(200),
        },
    );
    let started = Instant::now();
    let (status, body) = register(&p, &server.url("/drip"), ANY_SHA).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "bundle_fetch_timeout"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the deadline held: {:?}",
        started.elapsed()
    );
    assert!(
        spool_leftovers(&p).is_empty(),
        "spool files are removed: {:?}",
        spool_leftovers(&p)
    );
    no_revisions(&p).await;
    p.stop().await;
}
