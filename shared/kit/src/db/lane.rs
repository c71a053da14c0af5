//! The fleet lane: hosts' requests queue for the database behind the service's own work.

tokio::task_local! {
    /// Set while a request from a host (its credential, or an enrollment) runs.
    static FROM_HOST: ();
}

/// Runs `f` (a request from a host, see [`crate::admission`]) with its database calls queued
/// behind the service's own: a host's call waits for a turn only after the host calls before
/// it got theirs, so the liveness sweep, the outbox relays and a user's `GET /v1/hosts` wait
/// for at most one of them, not behind the thousands of enrollments and heartbeats of a large
/// fleet (seconds on PostgreSQL). Hosts still use every connection no one else needs.
pub async fn fleet_lane<F: std::future::Future>(f: F) -> F::Output {
    FROM_HOST.scope((), f).await
}

/// Whether the calling task runs a host's request (see [`fleet_lane`]).
pub(super) fn from_host() -> bool {
    FROM_HOST.try_with(|_| ()).is_ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use diesel_migrations::EmbeddedMigrations;

    use super::super::{Db, DbUrl, Migrations};
    use super::fleet_lane;

    const NO_MIGRATIONS: Migrations = Migrations {
        postgres: EmbeddedMigrations::new(&[]),
        sqlite: EmbeddedMigrations::new(&[]),
    };

    /// A call of the service's own waits behind at most one host's call, not behind all of
    /// those queued before it; hosts' calls still use every connection.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_services_own_calls_go_before_queued_hosts() {
        use std::sync::{Arc, Mutex};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("lane.db").display());
        let db = Db::open(DbUrl::parse(&url, "lane").unwrap(), NO_MIGRATIONS, 2).unwrap();
        let started: Arc<Mutex<Vec<&'static str>>> = Arc::default();
        let released: Arc<Mutex<Vec<&'static str>>> = Arc::default();
        let call = |name: &'static str, host: bool| {
            let (db, started, released) = (db.clone(), started.clone(), released.clone());
            let work = async move {
                db.run(move |_| {
                    started.lock().unwrap().push(name);
                    while !released
                        .lock()
                        .unwrap()
                        .iter()
                        .any(|r| *r == name || *r == "*")
                    {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Ok(())
                })
                .await
            };
            if host {
                tokio::spawn(fleet_lane(work))
            } else {
                tokio::spawn(work)
            }
        };
        let wait_started = |n: usize| {
            let started = started.clone();
            async move {
                let deadline = std::time::Instant::now() + Duration::from_secs(10);
                while started.lock().unwrap().len() < n && std::time::Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                started.lock().unwrap().clone()
            }
        };
        let settle = || tokio::time::sleep(Duration::from_millis(200));
        let release = |name| released.lock().unwrap().push(name);
        // Should an assertion fail, every call ends (the runtime waits for blocking calls).
        struct ReleaseAll(Arc<Mutex<Vec<&'static str>>>);
        impl Drop for ReleaseAll {
            fn drop(&mut self) {
                self.0.lock().unwrap_or_else(|e| e.into_inner()).push("*");
            }
        }
        let _end = ReleaseAll(released.clone());
        // Hosts A and B hold both connections; hosts C and D queue, then the service's S.
        let mut calls = vec![call("A", true), call("B", true)];
        assert_eq!(wait_started(2).await.len(), 2, "hosts use every connection");
        calls.push(call("C", true));
        settle().await;
        calls.push(call("D", true));
        settle().await;
        calls.push(call("S", false));
        settle().await;
        release("A");
        assert_eq!(wait_started(3).await[2], "C");
        release("B");
        // S goes before D, which queued before it.
        assert_eq!(wait_started(4).await[3], "S");
        for name in ["C", "D", "S"] {
            release(name);
        }
        for c in calls {
            c.await.unwrap().unwrap();
        }
        assert_eq!(started.lock().unwrap()[2..], ["C", "S", "D"]);
    }
}
