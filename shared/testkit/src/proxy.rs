//! An HTTP proxy that sits between agents and a service and misbehaves on request: it holds
//! requests without answering (a half-open connection, as the client sees it), answers 502 after
//! forwarding (the request happened, the answer was lost), flips a byte in bundle downloads (a
//! corrupted bundle), and delivers agent commands more than once. Loopback only.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// What the proxy does; change it at any time from the test.
#[derive(Default)]
pub struct Faults {
    /// Requests whose method and path (`PUT /v1/rollouts/…?query`) contain this are held,
    /// unanswered, while it is set; then they are forwarded.
    pub hold: Mutex<Option<String>>,
    /// Flip one byte in the middle of every bundle download.
    pub corrupt_bundles: AtomicBool,
    /// Every command a poll returns is returned twice, and every command seen before is
    /// returned again in later polls.
    pub duplicate_commands: AtomicBool,
    /// (path fragment, how many more times): forward the request, then answer 502.
    pub lose_answers: Mutex<Vec<(String, usize)>>,
    /// Answers to requests whose method and path contain this are held after the upstream
    /// gave them (it acted on the request), while it is set; then they are passed on.
    pub hold_answers: Mutex<Option<String>>,
    /// Requests (or answers) currently held.
    pub held: AtomicUsize,
    /// Requests seen, by "METHOD path-pattern" (ids replaced by `*`).
    pub seen: Mutex<BTreeMap<String, usize>>,
    /// Commands seen per poll path, for replays.
    replay: Mutex<BTreeMap<String, Vec<serde_json::Value>>>,
}

impl Faults {
    pub fn hold(&self, fragment: Option<&str>) {
        *self.hold.lock().unwrap_or_else(|e| e.into_inner()) = fragment.map(str::to_string);
    }

    pub fn hold_answers(&self, fragment: Option<&str>) {
        *self.hold_answers.lock().unwrap_or_else(|e| e.into_inner()) = fragment.map(str::to_string);
    }

    pub fn lose_answers(&self, fragment: &str, times: usize) {
        self.lose_answers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((fragment.to_string(), times));
    }

    /// How many requests matched `pattern` ("POST /v1/agents/*/commands/*/ack").
    pub fn count(&self, pattern: &str) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(pattern)
            .copied()
            .unwrap_or(0)
    }

    fn held_for(&self, call: &str) -> bool {
        matches(&self.hold, call)
    }

    fn answer_held_for(&self, call: &str) -> bool {
        matches(&self.hold_answers, call)
    }

    fn will_lose(&self, path: &str) -> bool {
        self.lose_answers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|(fragment, left)| *left > 0 && path.contains(fragment.as_str()))
    }

    fn take_lost(&self, path: &str) -> bool {
        let mut rules = self.lose_answers.lock().unwrap_or_else(|e| e.into_inner());
        for (fragment, left) in rules.iter_mut() {
            if *left > 0 && path.contains(fragment.as_str()) {
                *left -= 1;
                return true;
            }
        }
        false
    }
}

/// Whether `call` contains the fragment set in `rule` (none set: no).
fn matches(rule: &Mutex<Option<String>>, call: &str) -> bool {
    rule.lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_deref()
        .is_some_and(|f| call.contains(f))
}

/// A running proxy in front of `upstream`.
pub struct FaultProxy {
    pub url: String,
    pub faults: Arc<Faults>,
    handle: ServerHandle,
}

impl FaultProxy {
    pub fn start(upstream: &str) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let faults = Arc::new(Faults::default());
        let state = web::Data::new(Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            faults: faults.clone(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()?,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                .default_service(web::to(forward))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Ok(Self {
            url,
            faults,
            handle,
        })
    }

    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

struct Shared {
    upstream: String,
    faults: Arc<Faults>,
    http: reqwest::Client,
}

/// `/v1/agents/<uuid>/commands/<uuid>/ack` → `/v1/agents/*/commands/*/ack`.
fn pattern(method: &str, path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .map(|p| {
            if uuid::Uuid::parse_str(p).is_ok() {
                "*"
            } else {
                p
            }
        })
        .collect();
    format!("{method} {}", parts.join("/"))
}

async fn forward(req: HttpRequest, body: web::Bytes, s: web::Data<Shared>) -> HttpResponse {
    let path = req.path().to_string();
    let f = &s.faults;
    *f.seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(pattern(req.method().as_str(), &path))
        .or_default() += 1;
    let call = format!("{} {}", req.method(), req.uri());
    if f.held_for(&call) {
        f.held.fetch_add(1, Ordering::SeqCst);
        while f.held_for(&call) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        f.held.fetch_sub(1, Ordering::SeqCst);
    }
    let url = format!("{}{}", s.upstream, req.uri());
    let method = match reqwest::Method::from_bytes(req.method().as_str().as_bytes()) {
        Ok(m) => m,
        Err(_) => return HttpResponse::MethodNotAllowed().finish(),
    };
    let mut out = s.http.request(method, url).body(body.to_vec());
    for (name, value) in req.headers() {
        let n = name.as_str();
        if matches!(
            n,
            "host" | "connection" | "content-length" | "transfer-encoding" | "accept-encoding"
        ) {
            continue;
        }
        out = out.header(n, value.as_bytes());
    }
    let res = match out.send().await {
        Ok(r) => r,
        Err(e) => return HttpResponse::BadGateway().body(format!("proxy: {e}")),
    };
    let status = res.status().as_u16();
    let headers: Vec<(String, Vec<u8>)> = res
        .headers()
        .iter()
        .filter(|(n, _)| {
            !matches!(
                n.as_str(),
                "connection" | "content-length" | "transfer-encoding"
            )
        })
        .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let code = actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY);
    let poll = req.method() == actix_web::http::Method::GET
        && path.starts_with("/v1/agents/")
        && path.ends_with("/commands");
    if poll && !f.duplicate_commands.load(Ordering::SeqCst) && !f.will_lose(&path) {
        // A long poll's answer passes as it comes, headers first, as through a proxy that
        // does not buffer (the headers say the poll was heard; see the scheduler's `feed`).
        let mut answer = HttpResponse::build(code);
        for (n, v) in headers {
            answer.insert_header((n, v));
        }
        return answer.streaming(res.bytes_stream());
    }
    let mut bytes = match res.bytes().await {
        Ok(b) => b.to_vec(),
        Err(e) => return HttpResponse::BadGateway().body(format!("proxy: {e}")),
    };
    if f.answer_held_for(&call) {
        f.held.fetch_add(1, Ordering::SeqCst);
        while f.answer_held_for(&call) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        f.held.fetch_sub(1, Ordering::SeqCst);
    }
    if f.take_lost(&path) {
        return HttpResponse::BadGateway().body("proxy: answer lost on purpose");
    }
    if status == 200 && path.ends_with("/bundle") && f.corrupt_bundles.load(Ordering::SeqCst) {
        let mid = bytes.len() / 2;
        if let Some(b) = bytes.get_mut(mid) {
            *b ^= 0x01;
        }
    }
    if status == 200 && poll && f.duplicate_commands.load(Ordering::SeqCst) {
        bytes = duplicate(f, &path, &bytes);
    }
    let mut answer = HttpResponse::build(code);
    for (n, v) in headers {
        answer.insert_header((n, v));
    }
    answer.body(bytes)
}

/// Each new command twice, then every command this poll path saw before.
fn duplicate(f: &Faults, path: &str, body: &[u8]) -> Vec<u8> {
    let Ok(mut batch) = serde_json::from_slice::<serde_json::Value>(body) else {
        return body.to_vec();
    };
    let fresh: Vec<serde_json::Value> = batch["commands"].as_array().cloned().unwrap_or_default();
    let mut replay = f.replay.lock().unwrap_or_else(|e| e.into_inner());
    let seen = replay.entry(path.to_string()).or_default();
    let mut commands = Vec::new();
    for c in &fresh {
        commands.push(c.clone());
        commands.push(c.clone());
    }
    for old in seen.iter() {
        if !fresh.contains(old) {
            commands.push(old.clone());
        }
    }
    for c in fresh {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    batch["commands"] = serde_json::Value::Array(commands);
    serde_json::to_vec(&batch).unwrap_or_else(|_| body.to_vec())
}
