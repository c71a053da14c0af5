//! Reaching PostgreSQL: how long a connection may take, a starting service waiting for its
//! server, and what its connections call themselves on it.

use std::time::Duration;

use diesel::{Connection, PgConnection};

/// Longest a new PostgreSQL connection may take (libpq `connect_timeout`, unless the URL
/// sets one): an unreachable server is an answer within seconds, not a hang. (A refused
/// connection, the usual outage, answers at once; this bounds a server that does not answer.
/// Two seconds proved too short for a busy server forking backends and doing TLS handshakes.)
const PG_CONNECT_TIMEOUT_SECS: u64 = 5;
/// How long a starting service keeps trying to reach its database before it gives up: a
/// service started together with its database (or while it restarts) waits for it.
const PG_STARTUP_WAIT: Duration = Duration::from_secs(30);

pub(super) fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={PG_CONNECT_TIMEOUT_SECS}")
}

/// What a service's connections call themselves on the server (`pg_stat_activity`,
/// `log_line_prefix`'s `%a`): `liftoff <schema> <pid>`, so an operator looking at a lock or a
/// slow statement sees which service and which replica process holds it.
pub(super) fn application_name(schema: &str) -> String {
    format!(
        "liftoff {} {}",
        schema.replace('\'', ""),
        std::process::id()
    )
}

/// The first connection of a starting service: retried with a short pause while the server
/// cannot be reached (refused, timed out), for up to [`PG_STARTUP_WAIT`]; any other error
/// (bad password, no such database) is the answer at once.
pub(super) fn establish_at_startup(url: &str) -> anyhow::Result<PgConnection> {
    let url = with_connect_timeout(url);
    let start = std::time::Instant::now();
    loop {
        match PgConnection::establish(&url) {
            Ok(c) => return Ok(c),
            Err(e) => {
                let text = e.to_string();
                let unreachable = text.contains("timeout expired")
                    || text.contains("Connection refused")
                    || text.contains("could not connect")
                    || text.contains("the database system is starting up")
                    || text.contains("the database system is shutting down");
                if !unreachable || start.elapsed() >= PG_STARTUP_WAIT {
                    return Err(e.into());
                }
                tracing::warn!(error = %text.trim(), "database not reachable yet; retrying");
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}
