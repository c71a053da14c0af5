//! A reverse proxy that routes by path prefix, as one would in front of services that run
//! apart: agents and clients get one URL. A service that is down answers 502 through it.

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

#[derive(Clone)]
struct Routes {
    /// (path prefix, base URL), first match wins.
    prefixes: Vec<(String, String)>,
    fallback: String,
    http: reqwest::Client,
}

pub struct Proxy {
    pub url: String,
    handle: ServerHandle,
}

impl Proxy {
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

async fn forward(req: HttpRequest, body: web::Bytes, routes: web::Data<Routes>) -> HttpResponse {
    let path = req.uri().path();
    let base = routes
        .prefixes
        .iter()
        .find(|(p, _)| path.starts_with(p.as_str()))
        .map(|(_, b)| b.as_str())
        .unwrap_or(&routes.fallback);
    let url = match req.uri().query() {
        Some(q) => format!("{base}{path}?{q}"),
        None => format!("{base}{path}"),
    };
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes())
        .unwrap_or(reqwest::Method::GET);
    let mut out = routes.http.request(method, url).body(body.to_vec());
    for (k, v) in req.headers() {
        let name = k.as_str();
        if matches!(
            name,
            "host" | "content-length" | "connection" | "transfer-encoding"
        ) {
            continue;
        }
        out = out.header(name, v.as_bytes());
    }
    match out.send().await {
        Ok(res) => {
            let mut answer = HttpResponse::build(
                actix_web::http::StatusCode::from_u16(res.status().as_u16())
                    .unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY),
            );
            for (k, v) in res.headers() {
                let name = k.as_str();
                if matches!(name, "content-length" | "connection" | "transfer-encoding") {
                    continue;
                }
                answer.insert_header((name, v.as_bytes()));
            }
            match res.bytes().await {
                Ok(b) => answer.body(b.to_vec()),
                Err(e) => bad_gateway(&e.to_string()),
            }
        }
        Err(e) => bad_gateway(&e.to_string()),
    }
}

fn bad_gateway(why: &str) -> HttpResponse {
    HttpResponse::BadGateway().json(serde_json::json!({
        "error": {"code": "bad_gateway", "message": why}
    }))
}

/// Starts the proxy on a free loopback port.
pub fn start(prefixes: &[(&str, &str)], fallback: &str) -> Proxy {
    let routes = Routes {
        prefixes: prefixes
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_string()))
            .collect(),
        fallback: fallback.to_string(),
        http: reqwest::Client::new(),
    };
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(routes.clone()))
            .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
            .default_service(web::to(forward))
    })
    .workers(2)
    .disable_signals()
    .bind("127.0.0.1:0")
    .expect("bind proxy");
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    tokio::spawn(server);
    Proxy {
        url: format!("http://{addr}"),
        handle,
    }
}
