//! A tiny HTTP/1.1 server on 127.0.0.1 for the bundle-URL tests: each path answers with
//! bytes, a redirect, an error status, an endless stream, or a slow drip. It records the path
//! and `Host` header of every request, so a test can tell where a fetch really went.

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub enum Reply {
    /// 200 with a Content-Length.
    Bytes(Vec<u8>),
    /// 200 claiming this Content-Length, sending nothing (for the early size check).
    Claims(u64),
    /// 200 without a Content-Length: `chunk` written `count` times, then the connection closes.
    Stream { chunk: Vec<u8>, count: usize },
    /// `302 Found` to this location.
    Redirect(String),
    /// This status, empty body.
    Status(u16),
    /// 200 with a Content-Length under the test's cap, then one byte per `every`, for ever.
    Drip { every: Duration },
}

pub struct BundleServer {
    pub addr: SocketAddr,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    hits: Arc<Mutex<Vec<(String, String)>>>,
    task: JoinHandle<()>,
}

impl BundleServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let routes: Arc<Mutex<HashMap<String, Reply>>> = Arc::default();
        let hits: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let (r, h) = (routes.clone(), hits.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (r, h) = (r.clone(), h.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, r, h).await;
                });
            }
        });
        Self {
            addr,
            routes,
            hits,
            task,
        }
    }

    pub fn route(&self, path: &str, reply: Reply) {
        self.routes
            .lock()
            .expect("routes")
            .insert(path.to_string(), reply);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// (path, Host header) of every request so far.
    pub fn hits(&self) -> Vec<(String, String)> {
        self.hits.lock().expect("hits").clone()
    }
}

impl Drop for BundleServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    hits: Arc<Mutex<Vec<(String, String)>>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let path = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_string();
    let host = text
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("host"))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_default();
    hits.lock().expect("hits").push((path.clone(), host));
    let route = path.split('?').next().unwrap_or("/");
    let reply = routes.lock().expect("routes").get(route).cloned();
    let head = |status: &str, extra: &str| {
        format!("HTTP/1.1 {status}\r\nConnection: close\r\n{extra}\r\n").into_bytes()
    };
    match reply {
        None => {
            stream
                .write_all(&head("404 Not Found", "Content-Length: 0\r\n"))
                .await?
        }
        Some(Reply::Bytes(b)) => {
            stream
                .write_all(&head("200 OK", &format!("Content-Length: {}\r\n", b.len())))
                .await?;
            stream.write_all(&b).await?;
        }
        Some(Reply::Claims(n)) => {
            stream
                .write_all(&head("200 OK", &format!("Content-Length: {n}\r\n")))
                .await?;
            // Keep the connection open a little, as a real server sending that much would.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        Some(Reply::Stream { chunk, count }) => {
            stream.write_all(&head("200 OK", "")).await?;
            for _ in 0..count {
                stream.write_all(&chunk).await?;
            }
        }
        Some(Reply::Redirect(to)) => {
            stream
                .write_all(&head(
                    "302 Found",
                    &format!("Location: {to}\r\nContent-Length: 0\r\n"),
                ))
                .await?
        }
        Some(Reply::Status(code)) => {
            stream
                .write_all(&head(&format!("{code} Status"), "Content-Length: 0\r\n"))
                .await?
        }
        Some(Reply::Drip { every }) => {
            stream
                .write_all(&head("200 OK", "Content-Length: 102400\r\n"))
                .await?;
            loop {
                stream.write_all(b"x").await?;
                stream.flush().await?;
                tokio::time::sleep(every).await;
            }
        }
    }
    stream.flush().await?;
    stream.shutdown().await
}
