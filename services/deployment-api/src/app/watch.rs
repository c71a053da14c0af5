//! Watching one deployment: what `GET /v1/deployments/{id}/stream` sends. It asks
//! [`deployments::view`] (the same answer as `GET /v1/deployments/{id}`, whatever that reads
//! from) every [`Watch::every`] and yields the deployment only when it changed, so a browser or
//! the CLI sees each state and per-host progress change without polling itself.
//!
//! A watch always ends: when the deployment is terminal (after yielding it), when it no longer
//! exists (deleted, or never was: the first look answers the caller's 404), or after
//! [`Watch::max`], whatever happens; a client that wants more reconnects (a browser's
//! EventSource does on its own).

use std::time::Duration;

use actix_web::web;
use liftoff_kit::ApiError;
use liftoff_types::deployments::Deployment;
use tokio::time::Instant;
use uuid::Uuid;

use crate::State;
use crate::app::deployments;

/// How often and how long to watch.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    pub every: Duration,
    pub max: Duration,
    /// Something (a keep-alive) is sent at least this often, so proxies keep the connection.
    pub keep_alive: Duration,
    /// Each host with its lifecycle events; without them a 10,000-host deployment is a
    /// fraction of the size, and changes only with the hosts' states.
    pub events: bool,
}

impl Default for Watch {
    fn default() -> Self {
        Self {
            every: Duration::from_millis(500),
            max: Duration::from_secs(30),
            keep_alive: Duration::from_secs(10),
            events: true,
        }
    }
}

/// What a watch yields.
#[derive(Debug)]
pub enum Seen {
    /// The deployment changed (or is seen for the first time).
    Changed(Box<Deployment>),
    /// Nothing changed for `keep_alive`.
    Unchanged,
}

/// A running watch of one deployment of one team.
pub struct Watcher {
    state: web::Data<State>,
    team: String,
    id: Uuid,
    watch: Watch,
    started: Instant,
    last_sent: Instant,
    last: Option<String>,
    done: bool,
}

impl Watcher {
    /// The first look, answered like `GET /v1/deployments/{id}` (404 for another team's).
    pub async fn start(
        state: web::Data<State>,
        team: String,
        id: Uuid,
        watch: Watch,
    ) -> Result<(Self, Deployment), ApiError> {
        let first = trim(deployments::view(&state, team.clone(), id).await?, &watch);
        let now = Instant::now();
        let w = Self {
            state,
            team,
            id,
            watch,
            started: now,
            last_sent: now,
            last: serde_json::to_string(&first).ok(),
            done: first.status.is_terminal(),
        };
        Ok((w, first))
    }

    /// The next change, a keep-alive, or `None` when the watch is over.
    pub async fn next(&mut self) -> Option<Seen> {
        loop {
            if self.done || self.started.elapsed() >= self.watch.max {
                return None;
            }
            tokio::time::sleep(self.watch.every).await;
            match deployments::view(&self.state, self.team.clone(), self.id).await {
                Ok(d) => {
                    let d = trim(d, &self.watch);
                    let text = serde_json::to_string(&d).ok();
                    if d.status.is_terminal() {
                        self.done = true;
                    }
                    if text != self.last {
                        self.last = text;
                        self.last_sent = Instant::now();
                        return Some(Seen::Changed(Box::new(d)));
                    }
                }
                Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => return None,
                Err(e) => {
                    tracing::debug!(deployment_id = %self.id, error = %e.message, "watch: look deferred");
                }
            }
            if self.last_sent.elapsed() >= self.watch.keep_alive {
                self.last_sent = Instant::now();
                return Some(Seen::Unchanged);
            }
        }
    }
}

/// The deployment as the watch sends it.
fn trim(mut d: Deployment, watch: &Watch) -> Deployment {
    if !watch.events {
        for h in &mut d.hosts {
            h.events.clear();
        }
    }
    d
}
