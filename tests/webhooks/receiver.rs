//! The webhook receivers of these tests, and the checks a consumer would make: the Standard
//! Webhooks signature (implemented here and proven on the specification's test vector), the
//! CloudEvents 1.0 attributes, and, when installed, the `standardwebhooks` and `cloudevents`
//! Python libraries over the same captured requests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use serde_json::Value;

/// One request as the receiver saw it, and what it answered.
#[derive(Debug, Clone)]
pub struct Request {
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub answered: u16,
    /// From the headers and the body, for the checks.
    pub id: String,
    pub subject: String,
    pub event_type: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    requests: Mutex<Vec<Request>>,
    answer: AtomicU16,
}

/// An HTTP receiver answering every request with the status it is told.
pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
}

/// What the receiver answers besides its status: long enough that only 1 KiB is kept.
pub fn answer_body(status: u16) -> String {
    format!(
        "status {status} from the test receiver; {}",
        "x".repeat(3000)
    )
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let status = shared.answer.load(Ordering::SeqCst);
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect::<Vec<_>>();
    let body = String::from_utf8_lossy(&body).into_owned();
    let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let mut r = Request {
        headers,
        id: String::new(),
        subject: parsed["subject"].as_str().unwrap_or("").to_string(),
        event_type: parsed["type"].as_str().unwrap_or("").to_string(),
        body,
        answered: status,
    };
    r.id = r.header("webhook-id").unwrap_or("").to_string();
    shared.requests.lock().unwrap().push(r);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .body(answer_body(status))
}

impl Receiver {
    pub async fn start(status: u16) -> Self {
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            answer: AtomicU16::new(status),
        });
        let data = web::Data::from(shared.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/liftoff", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { url, shared }
    }

    pub fn answer(&self, status: u16) {
        self.shared.answer.store(status, Ordering::SeqCst);
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }
}

/// A receiver that accepts connections and never answers.
pub struct Stuck {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Stuck {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/never", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        Self { url, task }
    }
}

impl Drop for Stuck {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed by the secret after `whsec_`.
pub fn sign(secret: &str, id: &str, timestamp: &str, body: &str) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[test]
fn the_signature_here_matches_the_standard_webhooks_test_vector() {
    assert_eq!(
        sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "1614265330",
            r#"{"test": 2432232314}"#
        ),
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    );
}

/// Checks `r` as a consumer would: its signature by each of `secrets`, a fresh timestamp, and
/// a CloudEvents 1.0 structured-mode body whose `id` is the `webhook-id`.
pub fn verify(r: &Request, secrets: &[&str]) {
    assert_eq!(
        r.header("content-type"),
        Some("application/cloudevents+json"),
        "{r:?}"
    );
    let ts = r.header("webhook-timestamp").expect("webhook-timestamp");
    let age = chrono::Utc::now().timestamp() - ts.parse::<i64>().expect("unix seconds");
    assert!((-60..600).contains(&age), "timestamp {ts} is {age} s old");
    let given: Vec<&str> = r
        .header("webhook-signature")
        .expect("webhook-signature")
        .split(' ')
        .collect();
    for s in secrets {
        let want = sign(s, &r.id, ts, &r.body);
        assert!(
            given.contains(&want.as_str()),
            "no valid signature for {}: {given:?}",
            r.id
        );
    }
    let ce: Value = serde_json::from_str(&r.body).expect("JSON body");
    assert_eq!(ce["specversion"], "1.0");
    assert_eq!(ce["id"], r.id.as_str());
    assert_eq!(ce["datacontenttype"], "application/json");
    assert!(
        ce["source"].as_str().unwrap().starts_with("/liftoff/"),
        "{ce}"
    );
    assert!(!ce["subject"].as_str().unwrap().is_empty());
    assert!(!ce["type"].as_str().unwrap().is_empty());
    chrono::DateTime::parse_from_rfc3339(ce["time"].as_str().unwrap()).expect("RFC 3339 time");
    assert!(ce["data"].is_object(), "{ce}");
}

/// The venv `scripts/test` makes (or `LIFTOFF_TOOLS_VENV`), if it has both libraries.
fn python() -> Option<PathBuf> {
    let venv = std::env::var_os("LIFTOFF_TOOLS_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .map(|c| c.join("liftoff/venv"))
        })?;
    let py = venv.join("bin/python");
    let ok = std::process::Command::new(&py)
        .args(["-c", "import standardwebhooks, cloudevents"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(py)
}

const VERIFIER: &str = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
from cloudevents.v1.http import from_http
requests = json.load(open(sys.argv[1]))
hook = Webhook(sys.argv[2])
n = 0
for r in requests:
    hook.verify(r["body"], r["headers"])
    event = from_http(r["headers"], r["body"])
    assert event["id"] == r["headers"]["webhook-id"], (event["id"], r["headers"])
    assert event["specversion"] == "1.0"
    n += 1
print(n)
"#;

/// Runs the Python libraries over the captured requests (all must verify); skipped with a
/// printed reason when they are not installed, unless `LIFTOFF_REQUIRE_PYTHON_TOOLS=1`.
pub fn python_verifies(file: &Path, requests: &[Request], secret: &str) {
    let Some(py) = python() else {
        assert!(
            std::env::var("LIFTOFF_REQUIRE_PYTHON_TOOLS").as_deref() != Ok("1"),
            "LIFTOFF_REQUIRE_PYTHON_TOOLS=1 but no venv with standardwebhooks and cloudevents"
        );
        // Past the harness's capture: a run without the tools says what it did not check.
        let _ = writeln!(
            std::io::stderr(),
            "webhooks: Python check skipped, no venv with standardwebhooks and cloudevents (scripts/test makes it)"
        );
        return;
    };
    let doc: Vec<Value> = requests
        .iter()
        .map(|r| {
            serde_json::json!({
                "headers": r.headers.iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect::<serde_json::Map<String, Value>>(),
                "body": r.body,
            })
        })
        .collect();
    std::fs::write(file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = std::process::Command::new(py)
        .args(["-c", VERIFIER])
        .arg(file)
        .arg(secret)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the standardwebhooks/cloudevents check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let n: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert_eq!(
        n,
        requests.len(),
        "Python verified {n} of {} requests",
        requests.len()
    );
}
