//! The agents' long poll: noted as the host's heartbeat when it arrives, answered when a command
//! is ready or the wait ends.

use std::time::Duration;

use liftoff_kit::ApiError;
use liftoff_types::scheduler::CommandBatch;
use uuid::Uuid;

use super::commands::with_log_grant;
use crate::State;
use crate::store::commands;

/// Returns the host's waiting commands, waiting up to `wait` for one to appear. Commands the
/// host acknowledged and has not finished are offered again: an agent polls only between
/// commands, so one it holds as running it is not running unless it lost the answer to its
/// acknowledgement (and dropped it, expecting to be offered it again) or finished it without
/// the completion arriving yet (its ledger has it; it skips it and re-sends the completion).
/// Either way the agent's journal and ledger make sure nothing runs twice. The wait is
/// woken by this replica's dispatches and by the mailbox's watcher (other replicas'); a
/// slow re-check is the safety net. A host whose last look found nothing and that no dispatch
/// woke since does not look again until `poll_recheck` has passed (see [`super::mailbox`]):
/// at 10,000 idle hosts that look was a quarter of the control plane's CPU. A credential
/// revoked meanwhile (its host deregistered) ends the wait at once with an empty answer that
/// does not count as a heartbeat (its status went when the poll arrived, see [`arrive`]); the
/// host's next call is refused with 401.
pub async fn poll(
    state: &State,
    host: Uuid,
    credential_id: &str,
    wait: Duration,
) -> Result<CommandBatch, ApiError> {
    let wait = spread(wait.min(state.config.max_poll_wait));
    let deadline = tokio::time::Instant::now() + wait;
    let host_s = host.to_string();
    state.mailbox.watch(
        state.db.clone(),
        state.config.watch_interval,
        state.stopping.clone(),
    );
    let slot = state.mailbox.slot(&host_s);
    let revocations = state.authority.revocations();
    let mut called = false;
    let mut refused = false;
    let result = loop {
        let revoked = revocations.changed();
        tokio::pin!(revoked);
        revoked.as_mut().enable();
        if revocations.is_revoked(credential_id) {
            refused = true;
            break Ok(CommandBatch::of(vec![]));
        }
        // Register interest before looking, so a dispatch between the look and the wait wakes us.
        let notified = slot.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let fresh = state.config.poll_recheck;
        let rows = if state.mailbox.is_quiet(&host_s, fresh) {
            Vec::new()
        } else {
            let began = state.mailbox.look_begins();
            let h = host_s.clone();
            match state
                .db
                .run_short(move |c| commands::offered_to(c, &h))
                .await
            {
                Ok(r) if r.is_empty() => {
                    state.mailbox.found_nothing(&host_s, began, fresh);
                    r
                }
                Ok(r) => r,
                Err(e) => break Err(e),
            }
        };
        if !rows.is_empty() {
            break rows
                .iter()
                .map(|r| with_log_grant(state, host, &r.payload))
                .collect::<Result<Vec<_>, _>>()
                .map(CommandBatch::of);
        }
        if state.feed.take_call(&host_s) {
            // The registry has something for the host: it heartbeats now to get it.
            called = true;
            break Ok(CommandBatch::of(vec![]));
        }
        let now = tokio::time::Instant::now();
        if now >= deadline || state.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            break Ok(CommandBatch::of(vec![]));
        }
        let nap = (deadline - now).min(state.config.poll_recheck);
        let woken = tokio::select! {
            _ = &mut notified => true,
            _ = &mut revoked => true,
            _ = tokio::time::sleep(nap) => false,
        };
        // A poll that ran out its wait unwoken ends without another look: a command dispatched
        // meanwhile woke it (here, or through the mailbox's watcher), and the host's next poll
        // looks first unless nothing woke it since. An idle host looks once per `poll_recheck`.
        if !woken && tokio::time::Instant::now() >= deadline {
            break Ok(CommandBatch::of(vec![]));
        }
    };
    state.mailbox.release(&host_s, slot);
    result.map(|mut batch| {
        batch.heard = !refused && state.feed.heard();
        if let Some((interval, poll_wait)) = state.feed.cadence() {
            batch.heartbeat_interval_secs = Some(interval);
            batch.poll_wait_secs = Some(poll_wait);
        }
        batch.heartbeat_now = called;
        batch
    })
}

/// A poll from `host` arrived: refused at once if its credential was revoked; otherwise noted as
/// the host's heartbeat (see [`super::feed`]) before anything is answered, so an agent that sees
/// the answer's headers knows it was heard. Answers whether the feed to the registry works.
pub fn arrive(state: &State, host: Uuid, credential_id: &str) -> Result<bool, ApiError> {
    if state.authority.revocations().is_revoked(credential_id) {
        return Err(ApiError::unauthorized(liftoff_kit::auth::revoked_message(
            liftoff_kit::TokenKind::Host,
        )));
    }
    state.feed.start(state);
    state.feed.note(&host.to_string());
    Ok(state.feed.heard())
}

/// Waits at least this long are spread (see [`spread`]); shorter ones are kept as asked.
const SPREAD_FROM: Duration = Duration::from_secs(4);

/// How long an idle poll is held: a random point of the last quarter of the `wait` asked.
///
/// Without it a fleet's long polls fall into step and stay there: every poll answered during
/// one slow moment (a burst of enrollments, a restart, a pause) starts again at the same
/// instant and ends `wait` later together with the others, and each such wave of thousands of
/// polls ending and starting at once makes the next slow moment, pulling more polls into the
/// wave. At 10,000 idle hosts the waves came every 20.4 s and held a user's reads up for
/// 0.1 to 0.4 s (`liftoff bench fleet`). Spread, each poll's phase moves by a random amount at
/// every round, so a wave dissolves within a few rounds; never longer than asked, so an agent
/// hears back within its own wait. A dispatch still answers a poll at once.
fn spread(wait: Duration) -> Duration {
    if wait < SPREAD_FROM {
        return wait;
    }
    let ms = wait.as_millis() as u64;
    Duration::from_millis(rand::random_range(ms - ms / 4..=ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_poll_is_held_for_a_random_point_of_the_last_quarter_of_its_wait() {
        let wait = Duration::from_secs(20);
        let held: Vec<Duration> = (0..2000).map(|_| spread(wait)).collect();
        assert!(
            held.iter()
                .all(|h| *h >= Duration::from_secs(15) && *h <= wait)
        );
        // Spread over the quarter, not bunched at one end.
        assert!(held.iter().any(|h| *h < Duration::from_millis(16_000)));
        assert!(held.iter().any(|h| *h > Duration::from_millis(19_000)));
        // Short waits (tests, scripts) are kept exactly.
        for s in 0..4 {
            assert_eq!(spread(Duration::from_secs(s)), Duration::from_secs(s));
        }
    }
}
