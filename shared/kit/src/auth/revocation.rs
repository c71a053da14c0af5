//! Revoked tokens and disabled teams, as this process knows them.
//!
//! deployment-api owns the truth: a table of revocations numbered in commit order. Every
//! process holds a copy here (shared by every clone of its `Authority`, so in `liftoff up` the
//! four services share one) and follows the feed:
//! - deployment-api updates the copy in the same request that commits a revocation, so in
//!   `liftoff up` a revoked token is refused by every service at once;
//! - every process (each deployment-api replica included) pulls the entries after the last one
//!   it applied at start and then every tick (about once a second): from its own database for
//!   deployment-api, from `GET /v1/tokens/revocations` for a service running apart. A revocation
//!   reaches every replica within one tick.
//!
//! Until the first pull succeeds, `/readyz` answers 503, so a load balancer does not send a
//! freshly started replica traffic it cannot yet judge.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::future::BoxFuture;
use liftoff_types::tokens::{RevocationKind, RevocationPage};

use crate::error::ApiError;

/// Where a process reads the revocation feed from.
pub trait RevocationFeed: Send + Sync {
    /// Entries after `after`, in order, at most `limit`.
    fn fetch(&self, after: i64, limit: i64) -> BoxFuture<'_, Result<RevocationPage, ApiError>>;
}

/// The feed read from deployment-api over HTTP, with a service credential (a service running
/// apart).
pub struct HttpFeed(pub crate::service::Peers);

impl RevocationFeed for HttpFeed {
    fn fetch(&self, after: i64, limit: i64) -> BoxFuture<'_, Result<RevocationPage, ApiError>> {
        Box::pin(async move {
            self.0
                .deployment_api()
                .token_revocations(after, limit)
                .await
                .map_err(|e| ApiError::from_peer("deployment-api", e))
        })
    }
}

#[derive(Default)]
struct State {
    /// The last feed entry applied.
    seq: i64,
    /// Revoked token ids, with the time (unix seconds) after which they expire anyway.
    tokens: HashMap<String, Option<i64>>,
    disabled_teams: HashSet<String>,
}

/// This process's copy of the revocations.
#[derive(Default)]
pub struct Revocations {
    state: RwLock<State>,
    /// A feed is followed and has not been read yet.
    pending: AtomicBool,
    /// The feed has been read at least once.
    synced: AtomicBool,
    /// Woken whenever tokens are revoked (long polls of a revoked credential end at once).
    changed: tokio::sync::Notify,
}

impl Revocations {
    pub fn is_revoked(&self, jti: &str) -> bool {
        self.state
            .read()
            .map(|s| s.tokens.contains_key(jti))
            .unwrap_or(true)
    }

    pub fn is_team_disabled(&self, team: &str) -> bool {
        self.state
            .read()
            .map(|s| s.disabled_teams.contains(team))
            .unwrap_or(true)
    }

    /// The last feed entry applied.
    pub fn seq(&self) -> i64 {
        self.state.read().map(|s| s.seq).unwrap_or(0)
    }

    /// Resolves at the next revocation (register it before checking [`Self::is_revoked`]).
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    /// Applies a revocation committed by this process, before the feed brings it.
    pub fn revoke(&self, jti: &str, expires_at: Option<i64>) {
        if let Ok(mut s) = self.state.write() {
            s.tokens.insert(jti.to_string(), expires_at);
        }
        self.changed.notify_waiters();
    }

    pub fn set_team_disabled(&self, team: &str, disabled: bool) {
        if let Ok(mut s) = self.state.write() {
            if disabled {
                s.disabled_teams.insert(team.to_string());
            } else {
                s.disabled_teams.remove(team);
            }
        }
    }

    /// Applies one page of the feed, in order, and forgets tokens that have expired anyway.
    pub fn apply(&self, page: &RevocationPage) {
        let now = chrono::Utc::now().timestamp();
        if let Ok(mut s) = self.state.write() {
            for r in &page.revocations {
                if r.seq <= s.seq {
                    continue;
                }
                match (r.kind, &r.jti, &r.team) {
                    (RevocationKind::Token, Some(jti), _) => {
                        s.tokens
                            .insert(jti.clone(), r.expires_at.map(|t| t.timestamp()));
                    }
                    (RevocationKind::TeamDisabled, _, Some(team)) => {
                        s.disabled_teams.insert(team.clone());
                    }
                    (RevocationKind::TeamEnabled, _, Some(team)) => {
                        s.disabled_teams.remove(team);
                    }
                    _ => tracing::warn!(seq = r.seq, "malformed revocation entry skipped"),
                }
            }
            s.seq = s.seq.max(page.next_after);
            // A revoked token past its expiry is refused for being expired; forget it (with
            // margin for the verifier's leeway).
            s.tokens.retain(|_, exp| exp.is_none_or(|e| e + 300 > now));
        }
        if !page.revocations.is_empty() {
            self.changed.notify_waiters();
        }
    }

    /// Marks that a feed is followed; until it has been read this process is not ready.
    pub fn mark_pending(&self) {
        if !self.synced.load(Ordering::SeqCst) {
            self.pending.store(true, Ordering::SeqCst);
        }
    }

    pub fn mark_synced(&self) {
        self.synced.store(true, Ordering::SeqCst);
        self.pending.store(false, Ordering::SeqCst);
    }

    /// A feed is followed but has never been read.
    pub fn is_pending(&self) -> bool {
        self.pending.load(Ordering::SeqCst)
    }

    /// Reads the feed to its end and applies it.
    pub async fn sync(&self, feed: &dyn RevocationFeed) -> Result<usize, ApiError> {
        let mut applied = 0;
        loop {
            let page = feed.fetch(self.seq(), 1000).await?;
            applied += page.revocations.len();
            self.apply(&page);
            if !page.more {
                break;
            }
        }
        self.mark_synced();
        Ok(applied)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use liftoff_types::tokens::Revocation;

    use super::*;

    fn entry(seq: i64, kind: RevocationKind, jti: Option<&str>, team: Option<&str>) -> Revocation {
        Revocation {
            seq,
            kind,
            jti: jti.map(str::to_string),
            team: team.map(str::to_string),
            expires_at: None,
        }
    }

    #[test]
    fn applies_the_feed_in_order_once() {
        let r = Revocations::default();
        r.apply(&RevocationPage {
            revocations: vec![
                entry(1, RevocationKind::Token, Some("j1"), None),
                entry(2, RevocationKind::TeamDisabled, None, Some("a")),
                entry(3, RevocationKind::TeamEnabled, None, Some("a")),
                entry(4, RevocationKind::TeamDisabled, None, Some("b")),
            ],
            next_after: 4,
            more: false,
        });
        assert!(r.is_revoked("j1"));
        assert!(!r.is_revoked("j2"));
        assert!(!r.is_team_disabled("a"));
        assert!(r.is_team_disabled("b"));
        assert_eq!(r.seq(), 4);
        // An entry already applied is not applied again.
        r.set_team_disabled("a", true);
        r.apply(&RevocationPage {
            revocations: vec![entry(3, RevocationKind::TeamEnabled, None, Some("a"))],
            next_after: 4,
            more: false,
        });
        assert!(r.is_team_disabled("a"));
    }

    #[test]
    fn forgets_tokens_that_expired_anyway() {
        let r = Revocations::default();
        let mut old = entry(1, RevocationKind::Token, Some("old"), None);
        old.expires_at = Some(chrono::Utc::now() - chrono::Duration::hours(1));
        let mut live = entry(2, RevocationKind::Token, Some("live"), None);
        live.expires_at = Some(chrono::Utc::now() + chrono::Duration::hours(1));
        r.apply(&RevocationPage {
            revocations: vec![old, live],
            next_after: 2,
            more: false,
        });
        assert!(!r.is_revoked("old"));
        assert!(r.is_revoked("live"));
    }
}
