//! TLS to PostgreSQL through the libpq compiled into the binary (pq-sys `bundled`, OpenSSL
//! vendored): `liftoff up` connects with `sslmode=verify-full` against the test server's own
//! self-signed certificate, every service connection is encrypted, and a certificate that does
//! not name the host refuses the start.
//!
//! Runs on the PostgreSQL pass (`LIFTOFF_TEST_DATABASE_URL`); the server must have `ssl = on`
//! (Debian's default, with the snakeoil certificate).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, sql_types};
use liftoff_testkit::PgDatabase;
use tokio::io::{AsyncBufReadExt, BufReader};

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = sql_types::Text)]
    value: String,
}

fn show(conn: &mut PgConnection, name: &str) -> String {
    diesel::sql_query(format!("SELECT current_setting('{name}') AS value"))
        .get_result::<Setting>(conn)
        .unwrap()
        .value
}

/// A DNS name the server's certificate is valid for (its first subjectAltName, else its CN),
/// read with the `openssl` command that ships beside every Debian PostgreSQL.
fn certificate_name(cert: &Path) -> String {
    let out = std::process::Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-ext",
            "subjectAltName",
            "-subject",
            "-nameopt",
            "multiline",
            "-in",
        ])
        .arg(cert)
        .output()
        .expect("the openssl command runs");
    assert!(
        out.status.success(),
        "openssl x509: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.split([',', '\n'])
        .find_map(|part| part.trim().strip_prefix("DNS:").map(str::to_string))
        .or_else(|| {
            text.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("commonName")
                    .map(|v| v.trim_start_matches([' ', '=']).to_string())
            })
        })
        .expect("the server certificate names a host")
}

/// The database URL with TLS parameters: connect to the server's address, but verify the
/// certificate against `name`.
fn tls_url(db_url: &str, name: &str, params: &str) -> String {
    let mut url = reqwest::Url::parse(db_url).unwrap();
    let addr = url.host_str().unwrap().to_string();
    url.set_host(Some(name)).unwrap();
    format!("{url}?hostaddr={addr}&{params}")
}

struct Up {
    child: tokio::process::Child,
    url: String,
    token: String,
}

async fn start_up(database_url: &str, dir: &Path) -> Result<Up, String> {
    let mut child = tokio::process::Command::new(BIN)
        .args([
            "up",
            "--listen",
            "127.0.0.1:0",
            "--json",
            "--database-url",
            database_url,
        ])
        .arg("--data-dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    match tokio::time::timeout(Duration::from_secs(90), lines.next_line()).await {
        // `--json` prints where it listens first, or the error it stopped on.
        Ok(Ok(Some(first))) if first.contains("admin_token_path") => {
            let info: serde_json::Value = serde_json::from_str(&first).unwrap();
            let token =
                std::fs::read_to_string(info["admin_token_path"].as_str().unwrap()).unwrap();
            Ok(Up {
                url: info["url"].as_str().unwrap().to_string(),
                token: token.trim().to_string(),
                child,
            })
        }
        Ok(first) => {
            let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = stderr.read_to_string(&mut err).await;
            }
            Err(format!("{status:?}: {first:?} {err}"))
        }
        Err(_) => panic!("liftoff up neither started nor exited within 90 s"),
    }
}

fn encrypted_connections(admin: &mut PgConnection, db: &str) -> (i64, i64) {
    #[derive(QueryableByName)]
    struct Counts {
        #[diesel(sql_type = sql_types::BigInt)]
        encrypted: i64,
        #[diesel(sql_type = sql_types::BigInt)]
        plain: i64,
    }
    let c: Counts = diesel::sql_query(format!(
        "SELECT count(*) FILTER (WHERE s.ssl) AS encrypted, count(*) FILTER (WHERE NOT s.ssl) AS plain \
         FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid WHERE a.datname = '{db}'"
    ))
    .get_result(admin)
    .unwrap();
    (c.encrypted, c.plain)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liftoff_up_reaches_postgres_over_verified_tls() {
    let Some(server) = liftoff_testkit::postgres_url() else {
        // Written past the test harness's capture, so a SQLite-only run says what it skipped.
        let _ = writeln!(
            std::io::stderr(),
            "postgres_tls: skipped (no LIFTOFF_TEST_DATABASE_URL; scripts/test runs it on PostgreSQL)"
        );
        return;
    };
    let mut admin = PgConnection::establish(&server).unwrap();
    assert_eq!(
        show(&mut admin, "ssl"),
        "on",
        "the test server must accept TLS (Debian's default: ssl = on with the snakeoil certificate)"
    );
    let cert_file = show(&mut admin, "ssl_cert_file");
    let data_dir = show(&mut admin, "data_directory");
    let cert = if cert_file.starts_with('/') {
        Path::new(&cert_file).to_path_buf()
    } else {
        Path::new(&data_dir).join(&cert_file)
    };
    let name = certificate_name(&cert);
    let db = tokio::task::spawn_blocking(move || PgDatabase::create(&server).unwrap())
        .await
        .unwrap();
    let verified = format!("sslmode=verify-full&sslrootcert={}", cert.display());

    // The certificate names the host: every service connects, over TLS only.
    let dir = tempfile::tempdir().unwrap();
    let mut up = start_up(&tls_url(&db.url, &name, &verified), dir.path())
        .await
        .unwrap_or_else(|e| panic!("liftoff up over verify-full TLS did not start: {e}"));
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/v1/applications", up.url))
        .bearer_auth(&up.token)
        .json(&serde_json::json!({"name": "tls-shop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let res = http
        .get(format!("{}/v1/applications/tls-shop", up.url))
        .bearer_auth(&up.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (encrypted, plain) = encrypted_connections(&mut admin, &db.name);
    assert!(
        encrypted > 0,
        "no TLS connection from liftoff up to {}",
        db.name
    );
    assert_eq!(
        plain, 0,
        "liftoff up opened {plain} connections without TLS"
    );
    up.child.kill().await.unwrap();

    // The same certificate for a name it does not carry: verify-full refuses, and `up` says so.
    let dir = tempfile::tempdir().unwrap();
    let err = start_up(
        &tls_url(&db.url, "wrong-name.invalid", &verified),
        dir.path(),
    )
    .await
    .err()
    .expect("liftoff up must not start when the certificate does not name the host");
    assert!(
        err.contains("does not match host name"),
        "the error should name the certificate mismatch: {err}"
    );

    // sslmode=require: encrypted, not verified.
    let dir = tempfile::tempdir().unwrap();
    let mut up = start_up(&tls_url(&db.url, &name, "sslmode=require"), dir.path())
        .await
        .unwrap_or_else(|e| panic!("liftoff up with sslmode=require did not start: {e}"));
    let (encrypted, plain) = encrypted_connections(&mut admin, &db.name);
    assert!(
        encrypted > 0 && plain == 0,
        "require: {encrypted} TLS, {plain} plain"
    );
    up.child.kill().await.unwrap();
}
