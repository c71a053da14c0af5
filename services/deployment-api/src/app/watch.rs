//! Watching one deployment: what `GET /v1/deployments/{id}/stream` sends. It asks
//! [`deployments::view`] (the same answer as `GET /v1/deployments/{id}`, deployment-api's own
//! copy) as soon as any deployment's copy changed here (`State::changes`), at most every
//! [`MIN_GAP`], and at least every [`Watch::every`], and yields the deployment only when it
//! changed, so a browser or the CLI sees each change within milliseconds without polling.
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

/// The least time between two looks of one watch, however often copies change: a busy
/// deployment-api costs a watcher at most this rate of reads.
pub const MIN_GAP: Duration = Duration::from_millis(50);

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
    /// Each host; without them only the counts by zone and state (`zones`) are sent, so the
    /// stream's size does not grow with the fleet.
    pub hosts: bool,
}

impl Default for Watch {
    fn default() -> Self {
        Self {
            every: Duration::from_millis(500),
            max: Duration::from_secs(30),
            keep_alive: Duration::from_secs(10),
            events: true,
            hosts: true,
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
    changes: tokio::sync::watch::Receiver<u64>,
    last_look: Instant,
}

impl Watcher {
    /// The first look, answered like `GET /v1/deployments/{id}` (404 for another team's).
    pub async fn start(
        state: web::Data<State>,
        team: String,
        id: Uuid,
        watch: Watch,
    ) -> Result<(Self, Deployment), ApiError> {
        let changes = state.changes.subscribe();
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
            changes,
            last_look: now,
        };
        Ok((w, first))
    }

    /// The next change, a keep-alive, or `None` when the watch is over.
    pub async fn next(&mut self) -> Option<Seen> {
        loop {
            if self.done || self.started.elapsed() >= self.watch.max {
                return None;
            }
            let left = self.watch.max.saturating_sub(self.started.elapsed());
            tokio::select! {
                r = self.changes.changed() => {
                    if r.is_err() {
                        tokio::time::sleep(self.watch.every.min(left)).await;
                    }
                }
                () = tokio::time::sleep(self.watch.every.min(left)) => {}
            }
            let since = self.last_look.elapsed();
            if since < MIN_GAP {
                tokio::time::sleep(MIN_GAP - since).await;
            }
            self.last_look = Instant::now();
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
    if !watch.hosts {
        d.hosts = Vec::new();
    } else if !watch.events {
        for h in &mut d.hosts {
            h.events.clear();
        }
    }
    d
}
