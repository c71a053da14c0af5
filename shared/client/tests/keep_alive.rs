//! A client never sends a request on a connection its server is closing for idleness.
//!
//! The server here answers a connection's first request and keeps the connection. A later
//! request on that connection, sent after the client's [`POOL_IDLE`], is treated as what it
//! would meet at a real server once [`SERVER_KEEP_ALIVE`] runs out: the connection closes under
//! it, with no answer. A client that reuses connections for longer than the server keeps them
//! fails such a request with a transport error; ours opens a new connection instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use liftoff_client::{Client, POOL_IDLE, SERVER_KEEP_ALIVE};

/// Reads one request head (this test's requests have no body); `None` once the peer closed.
fn read_head(conn: &mut TcpStream) -> Option<()> {
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(b"\r\n\r\n") {
        match conn.read(&mut byte) {
            Ok(1) => seen.push(byte[0]),
            _ => return None,
        }
    }
    Some(())
}

/// Serves each connection on its own thread; counts connections and dropped requests.
fn server(connections: Arc<AtomicUsize>, dropped: Arc<AtomicUsize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let mut conn = conn.unwrap();
            connections.fetch_add(1, Ordering::SeqCst);
            let dropped = dropped.clone();
            std::thread::spawn(move || {
                let mut answered_at: Option<Instant> = None;
                while read_head(&mut conn).is_some() {
                    if answered_at.is_some_and(|t| t.elapsed() >= POOL_IDLE) {
                        // The server's idle close crossing the request.
                        dropped.fetch_add(1, Ordering::SeqCst);
                        let _ = conn.shutdown(Shutdown::Both);
                        return;
                    }
                    let body = b"{}";
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    conn.write_all(head.as_bytes()).unwrap();
                    conn.write_all(body).unwrap();
                    answered_at = Some(Instant::now());
                }
            });
        }
    });
    url
}

#[test]
fn the_pool_lets_a_connection_go_before_the_server_would() {
    assert!(
        POOL_IDLE < SERVER_KEEP_ALIVE,
        "a pooled connection must be dropped before the server closes it"
    );
}

#[tokio::test]
async fn a_request_after_an_idle_spell_goes_out_on_a_new_connection() {
    let connections = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicUsize::new(0));
    let url = server(connections.clone(), dropped.clone());
    let client = Client::new(&url, None).unwrap();

    let _: serde_json::Value = client.get("/first").await.unwrap();
    // A request right after reuses the connection, as it should.
    let _: serde_json::Value = client.get("/second").await.unwrap();
    assert_eq!(connections.load(Ordering::SeqCst), 1);

    // Idle past the pool's limit but within the server's keep-alive.
    tokio::time::sleep(POOL_IDLE + Duration::from_millis(300)).await;
    let after: Result<serde_json::Value, _> = client.get("/after-idle").await;
    assert!(
        after.is_ok(),
        "the request after an idle spell failed: {after:?}"
    );
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        0,
        "the request went out on the connection the server was closing"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}
