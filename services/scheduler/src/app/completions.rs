//! Group commit of agents' completions. Every completion changes its rollout, so it takes the
//! rollout's lock and ends with one engine step. One at a time, the completions of a busy
//! rollout queued on that lock: on PostgreSQL each held it across a dozen round trips, and
//! each waiter held a pooled connection meanwhile. Now the completions of one rollout that
//! arrive while one transaction runs wait in memory, and the next transaction applies all of
//! them under one lock, runs one step and commits once. Each request is still answered only
//! after its own completion is committed, and each gets its own answer (a 404 or a 409 for one
//! does not fail the others); a database error fails the whole transaction, so every request
//! in it hears the error and the agent sends its completion again, as before.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web;
use liftoff_kit::ApiError;
use liftoff_types::scheduler::{CompleteCommand, EventReport};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::State;

/// What a completion applied: the event reports that were new (for the metrics).
pub type Applied = Result<Vec<EventReport>, ApiError>;

/// One agent's completion, waiting for its rollout's next transaction.
pub struct Pending {
    pub host: Uuid,
    pub command: Uuid,
    pub req: CompleteCommand,
    answer: oneshot::Sender<Applied>,
}

/// The completions waiting, by rollout. A rollout has an entry while a leader applies its
/// completions; the leader removes it when it finds none left.
#[derive(Default)]
pub struct Completions(Mutex<HashMap<Uuid, Vec<Pending>>>);

impl Completions {
    /// Queues a completion; true when no leader runs for the rollout, so the caller must start
    /// one.
    fn submit(&self, deployment: Uuid, pending: Pending) -> Result<bool, ApiError> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| ApiError::internal("completions poisoned"))?;
        match map.get_mut(&deployment) {
            Some(queue) => {
                queue.push(pending);
                Ok(false)
            }
            None => {
                map.insert(deployment, vec![pending]);
                Ok(true)
            }
        }
    }

    /// The completions queued for `deployment`; none (and the leader's entry removed, in the
    /// same critical section) when it is done.
    fn take(&self, deployment: Uuid) -> Vec<Pending> {
        let Ok(mut map) = self.0.lock() else {
            return Vec::new();
        };
        match map.get_mut(&deployment) {
            Some(queue) if !queue.is_empty() => std::mem::take(queue),
            _ => {
                map.remove(&deployment);
                Vec::new()
            }
        }
    }

    /// Queued completions (all rollouts).
    #[cfg(test)]
    fn queued(&self) -> usize {
        self.0
            .lock()
            .map(|m| m.values().map(Vec::len).sum())
            .unwrap_or(0)
    }
}

/// Applies `req` with the other completions of `deployment`'s rollout that arrive meanwhile,
/// and answers once it is committed.
pub async fn submit(
    state: &web::Data<State>,
    deployment: Uuid,
    host: Uuid,
    command: Uuid,
    req: CompleteCommand,
) -> Applied {
    let (answer, heard) = oneshot::channel();
    let pending = Pending {
        host,
        command,
        req,
        answer,
    };
    if state.completions.submit(deployment, pending)? {
        // Its own task, so a request whose agent hung up does not strand the others queued
        // behind it; in the fleet lane, as the request itself was.
        let state = state.clone();
        tokio::spawn(liftoff_kit::db::fleet_lane(lead(state, deployment)));
    }
    heard
        .await
        .map_err(|_| ApiError::unavailable("the completion was not applied; send it again"))?
}

/// Removes the rollout's entry if its leader ends without finishing (a panic, or the runtime
/// shutting down), so the next completion starts a new leader. The completions still queued
/// are dropped: their requests answer 503 and the agents send them again.
struct Leading<'a> {
    completions: &'a Completions,
    deployment: Uuid,
    done: bool,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if !self.done
            && let Ok(mut map) = self.completions.0.lock()
        {
            map.remove(&self.deployment);
        }
    }
}

async fn lead(state: web::Data<State>, deployment: Uuid) {
    let mut leading = Leading {
        completions: &state.completions,
        deployment,
        done: false,
    };
    loop {
        let batch = state.completions.take(deployment);
        if batch.is_empty() {
            leading.done = true;
            return;
        }
        let (items, answers): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .map(|p| ((p.host, p.command, p.req), p.answer))
            .unzip();
        metrics::histogram!("liftoff_completions_per_commit").record(items.len() as f64);
        let meta = state.meta.clone();
        let gate_now = state.config.clock.now();
        let result = state
            .db
            .write(move |c| {
                super::commands::apply_completions(c, &meta, deployment, &items, gate_now)
            })
            .await;
        match result {
            Ok((woken, outcomes)) => {
                state.mailbox.wake(&woken);
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    // The agent may have hung up; its completion is committed all the same.
                    let _ = answer.send(outcome);
                }
            }
            Err(e) => {
                for answer in answers {
                    let _ = answer.send(Err(e.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use liftoff_types::scheduler::CommandStatus;

    use super::*;

    fn pending() -> (Pending, oneshot::Receiver<Applied>) {
        let (answer, heard) = oneshot::channel();
        let req = CompleteCommand {
            status: CommandStatus::Succeeded,
            error_code: None,
            message: None,
            reports: Vec::new(),
        };
        let p = Pending {
            host: Uuid::new_v4(),
            command: Uuid::new_v4(),
            req,
            answer,
        };
        (p, heard)
    }

    /// The first completion of a rollout starts a leader; those arriving meanwhile join its
    /// queue; the leader takes them all at once, and when it finds none left the rollout has no
    /// leader, so the next completion starts one again. Other rollouts are not held up.
    #[test]
    fn one_leader_per_rollout_takes_what_queued_meanwhile() {
        let c = Completions::default();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(c.submit(a, pending().0).unwrap());
        assert!(!c.submit(a, pending().0).unwrap());
        assert!(
            c.submit(b, pending().0).unwrap(),
            "another rollout leads alone"
        );
        assert_eq!(c.take(a).len(), 2);
        assert!(!c.submit(a, pending().0).unwrap(), "the leader still runs");
        assert_eq!(c.take(a).len(), 1);
        assert!(c.take(a).is_empty());
        assert!(
            c.submit(a, pending().0).unwrap(),
            "a new leader after the last one ended"
        );
        assert_eq!(c.queued(), 2);
    }

    /// A leader that ends without finishing (its task panicked or was dropped) leaves no
    /// entry behind, and the completions it had not taken hear that they were not applied.
    #[test]
    fn a_leader_that_dies_leaves_the_rollout_free() {
        let c = Completions::default();
        let a = Uuid::new_v4();
        assert!(c.submit(a, pending().0).unwrap());
        let (p, mut heard) = pending();
        {
            let _leading = Leading {
                completions: &c,
                deployment: a,
                done: false,
            };
            assert!(!c.submit(a, p).unwrap());
        }
        assert!(heard.try_recv().is_err(), "its answer was dropped");
        assert!(c.submit(a, pending().0).unwrap());
    }
}
