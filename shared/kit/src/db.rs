//! Database access: one code base over SQLite (embedded default) and PostgreSQL.
//!
//! Each service owns its tables. On PostgreSQL a service lives in its own schema (so four
//! services can share one database and each has its own migration history); on SQLite each
//! service has its own file. Work runs on a blocking thread with a pooled connection.

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::error::ApiError;

mod lane;
mod pg_connect;
pub use lane::fleet_lane;
use pg_connect::{application_name, establish_at_startup, with_connect_timeout};

/// A connection to either backend. Postgres first: `establish` tries variants in order.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Where a service keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(PathBuf),
    Postgres { url: String, schema: String },
}

impl DbUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, `postgres://...` or `postgresql://...`.
    /// `schema` is the service's PostgreSQL schema (ignored for SQLite).
    pub fn parse(url: &str, schema: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres {
                url: url.to_string(),
                schema: schema.replace('-', "_"),
            })
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("sqlite URL has no path".into());
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else {
            Err(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://..."
            ))
        }
    }

    /// The URL a service gets when all of them share one URL (`liftoff up`): PostgreSQL gets a
    /// schema per service, SQLite a file per service beside the given one.
    pub fn for_service(url: &str, service: &str) -> Result<Self, String> {
        match Self::parse(url, service)? {
            Self::Sqlite(path) => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "liftoff".into());
                let ext = path
                    .extension()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "db".into());
                Ok(Self::Sqlite(
                    path.with_file_name(format!("{stem}-{service}.{ext}")),
                ))
            }
            pg => Ok(pg),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

/// What a service knows of its database's health beyond a ping: whether it could connect
/// lately, and whether a write failed for lack of space (then `/readyz` proves a write works
/// before it says ready again).
#[derive(Debug, Default)]
pub struct Health {
    /// When a new connection last failed (the database is down or unreachable).
    connect_failed_at: std::sync::Mutex<Option<std::time::Instant>>,
    /// A write failed with `storage_full` and no probe write has succeeded since.
    storage_full: std::sync::atomic::AtomicBool,
    /// Fault injection for tests: SQLite's `max_page_count` for every connection (0: none
    /// ever set; `u64::MAX`: lifted again).
    sqlite_page_limit: std::sync::atomic::AtomicU64,
}

impl Health {
    fn connect_failed(&self) {
        if let Ok(mut t) = self.connect_failed_at.lock() {
            *t = Some(std::time::Instant::now());
        }
    }

    fn connect_failed_since(&self, since: std::time::Instant) -> bool {
        self.connect_failed_at
            .lock()
            .ok()
            .and_then(|t| *t)
            .is_some_and(|t| t >= since)
    }
}

/// Opens connections with the settings each backend needs; keeps the real error.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DbUrl,
    health: std::sync::Arc<Health>,
}

impl ConnectionManager {
    fn open(&self) -> Result<AnyConnection, ConnectError> {
        let opened = self.open_inner();
        if opened.is_err() {
            self.health.connect_failed();
        }
        opened
    }

    fn open_inner(&self) -> Result<AnyConnection, ConnectError> {
        match &self.url {
            DbUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut c = SqliteConnection::establish(&path)
                    .map_err(|e| ConnectError(format!("sqlite {path}: {e}")))?;
                // WAL for concurrent readers; busy_timeout so writers wait instead of failing.
                c.batch_execute(
                    "PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(|e| ConnectError(format!("sqlite {path}: {e}")))?;
                Ok(AnyConnection::Sqlite(c))
            }
            DbUrl::Postgres { url, schema } => {
                let mut c = PgConnection::establish(&with_connect_timeout(url))
                    .map_err(|e| ConnectError(format!("postgres: {e}")))?;
                c.batch_execute(&format!(
                    "SET TIME ZONE 'UTC'; SET search_path TO \"{schema}\"; \
                     SET application_name = '{}';",
                    application_name(schema)
                ))
                .map_err(|e| ConnectError(format!("postgres: {e}")))?;
                Ok(AnyConnection::Postgresql(c))
            }
        }
    }
}

/// A pooled connection, with when it last answered and whether it was seen to break.
pub struct Pooled {
    conn: AnyConnection,
    used_at: std::time::Instant,
    broken: bool,
}

/// A PostgreSQL connection that answered within this long is not tested with `SELECT 1` before
/// it is handed out again (HikariCP's `aliveBypassWindowMs` idea): under load every call would
/// otherwise pay a round trip for it (a quarter of the control plane's CPU in a 1,000-host
/// rollout on PostgreSQL). One that broke meanwhile fails its next call with 503, as any call
/// in flight when a database goes away does, and is then discarded (see [`note_lost`]).
const TRUSTED_FOR: Duration = Duration::from_secs(1);

thread_local! {
    /// A call on this thread found its connection closed (see [`note_lost`]).
    static LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The database error being handled says the connection itself is gone (closed by the server,
/// a network failure): the pooled connection in use on this thread is discarded when it is
/// given back, instead of failing the next call too.
pub fn note_lost() {
    LOST.with(|l| l.set(true));
}

impl ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = ConnectError;

    fn connect(&self) -> Result<Pooled, ConnectError> {
        Ok(Pooled {
            conn: self.open()?,
            used_at: std::time::Instant::now(),
            broken: false,
        })
    }

    fn is_valid(&self, c: &mut Pooled) -> Result<(), ConnectError> {
        if c.used_at.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        diesel::sql_query("SELECT 1")
            .execute(&mut c.conn)
            .map(|_| ())
            .map_err(|e| ConnectError(e.to_string()))?;
        c.used_at = std::time::Instant::now();
        Ok(())
    }

    fn has_broken(&self, c: &mut Pooled) -> bool {
        c.broken
    }
}

pub type PooledConn = PooledConnection<ConnectionManager>;

/// A service's database: a pool plus the knowledge of which backend it is.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    url: DbUrl,
    /// SQLite has one writer at a time; writers of this process queue here instead of in
    /// SQLite's busy handler, which sleeps in steps of up to 100 ms and, under load, spends
    /// more time asleep than writing.
    writers: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// One permit per pooled connection: a call waits for its turn here, as a task, instead
    /// of on a blocking thread of its own (a busy pool would otherwise hold hundreds of
    /// threads, each with its own allocator arena, waiting for a connection).
    turns: std::sync::Arc<tokio::sync::Semaphore>,
    /// Hosts' requests pass here one at a time before queueing for a turn (see
    /// [`fleet_lane`]), so at most one of them waits ahead of the service's own background
    /// work and users' requests, however many thousands are waiting here.
    fleet_gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Told after a call that queued outbox events returned (committed): the service's relay
    /// delivers them now, not at its next tick.
    outbox_written: std::sync::Arc<tokio::sync::Notify>,
    health: std::sync::Arc<Health>,
}

/// How long a request waits for a pooled connection when the pool is merely busy.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a waiting checkout looks whether the database turned out unreachable (then it
/// answers 503 at once instead of waiting out [`CHECKOUT_TIMEOUT`]).
const CHECKOUT_SLICE: Duration = Duration::from_millis(250);

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("url", &self.url).finish()
    }
}

/// The migration sets of one service, one per backend.
pub struct Migrations {
    pub postgres: EmbeddedMigrations,
    pub sqlite: EmbeddedMigrations,
}

impl Db {
    /// Connects, creates the schema or file, and runs the service's pending migrations.
    pub fn open(url: DbUrl, migrations: Migrations, max_connections: u32) -> anyhow::Result<Self> {
        if let DbUrl::Sqlite(path) = &url
            && let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)?;
        }
        let health = std::sync::Arc::new(Health::default());
        let manager = ConnectionManager {
            url: url.clone(),
            health: health.clone(),
        };
        // Migrate on a dedicated connection (with the schema created first on PostgreSQL).
        let mut conn = match &url {
            DbUrl::Postgres { url: pg, schema } => {
                let mut c = establish_at_startup(pg)?;
                // Replicas starting together must not race on DDL.
                c.batch_execute(&format!(
                    "SELECT pg_advisory_lock(hashtext('liftoff-migrate-{schema}')); \
                     CREATE SCHEMA IF NOT EXISTS \"{schema}\"; SET search_path TO \"{schema}\";"
                ))?;
                AnyConnection::Postgresql(c)
            }
            DbUrl::Sqlite(_) => manager.open()?,
        };
        let result = match &mut conn {
            AnyConnection::Postgresql(c) => {
                c.run_pending_migrations(migrations.postgres).map(|_| ())
            }
            AnyConnection::Sqlite(c) => c.run_pending_migrations(migrations.sqlite).map(|_| ()),
        };
        if let (DbUrl::Postgres { schema, .. }, AnyConnection::Postgresql(c)) = (&url, &mut conn) {
            let _ = c.batch_execute(&format!(
                "SELECT pg_advisory_unlock(hashtext('liftoff-migrate-{schema}'));"
            ));
        }
        result.map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
        let pool = Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            // A PostgreSQL connection can break with its server (restart, network): one idle
            // for a while is tested before use (see [`TRUSTED_FOR`]). A SQLite connection is a
            // file handle in this process: testing it (`SELECT 1`) finds nothing.
            .test_on_check_out(url.is_postgres())
            .connection_timeout(CHECKOUT_TIMEOUT)
            .build(manager)?;
        Ok(Self {
            pool,
            url,
            writers: std::sync::Arc::default(),
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(max_connections as usize)),
            fleet_gate: std::sync::Arc::default(),
            outbox_written: std::sync::Arc::default(),
            health,
        })
    }

    /// Completes once a call that queued outbox events has returned since the last time
    /// (at once if one did meanwhile: the news is kept until someone waits).
    pub async fn outbox_written(&self) {
        self.outbox_written.notified().await;
    }

    /// Wakes whoever waits in [`Db::outbox_written`] (the service's relay task), as a call that
    /// queued events does: the tick's nudge to deliver what is left.
    pub fn wake_relay(&self) {
        self.outbox_written.notify_one();
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    pub fn max_connections(&self) -> u32 {
        self.pool.max_size()
    }

    /// A pooled connection: waits up to [`CHECKOUT_TIMEOUT`] while the pool is busy, but
    /// answers 503 within a slice once a connection attempt fails meanwhile (the database is
    /// down: the request should hear so in a second, not ten).
    fn checkout(pool: &Pool<ConnectionManager>, health: &Health) -> Result<PooledConn, ApiError> {
        let start = std::time::Instant::now();
        loop {
            match pool.get_timeout(CHECKOUT_SLICE) {
                Ok(c) => return Ok(c),
                Err(e) => {
                    if health.connect_failed_since(start) || start.elapsed() >= CHECKOUT_TIMEOUT {
                        return Err(ApiError::unavailable(format!("database unavailable: {e}")));
                    }
                }
            }
        }
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let turn = self.turn().await?;
        self.on_blocking_thread(turn, f).await
    }

    /// Runs `f`, a short read (a row or two looked up by key), as [`Db::run`] does, except
    /// that on SQLite it runs on the calling thread when a pooled connection is idle at once.
    ///
    /// Such a read takes tens of microseconds. The hop to a blocking thread and back (two
    /// wake-ups, two thread switches) cost more than the read itself on an idle fleet's
    /// heartbeats and polls, a thousand and more a second at 10,000 hosts. A WAL reader does
    /// not wait for the writer, so the calling thread is held for the read and no longer. On
    /// PostgreSQL (a round trip to the server), and when no connection is idle, it is
    /// [`Db::run`].
    pub async fn run_short<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let turn = self.turn().await?;
        if !self.url.is_postgres()
            && let Some(pooled) = self.pool.try_get()
        {
            // A panic ends this call with 500, as on a blocking thread, instead of unwinding
            // through the server's worker and every connection it holds.
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                Self::on_connection(pooled, &self.health, &self.outbox_written, f)
            }))
            .unwrap_or_else(|_| Err(ApiError::internal("database call panicked")));
            drop(turn);
            return self.settle(out);
        }
        self.on_blocking_thread(turn, f).await
    }

    /// A turn at the database: one per pooled connection, hosts' calls through the fleet
    /// gate first (see [`fleet_lane`]).
    async fn turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        // No deadline here, as there was none in the blocking pool's queue: under overload a
        // call waits its turn rather than failing and coming back as a retry.
        let gate = if lane::from_host() {
            Some(self.fleet_gate.lock().await)
        } else {
            None
        };
        let turn = self.turns.clone().acquire_owned().await;
        drop(gate);
        turn.map_err(|e| ApiError::internal(format!("database turns closed: {e}")))
    }

    /// Runs `f` on a blocking thread with a pooled connection, holding `turn` until it ends.
    async fn on_blocking_thread<T, F>(
        &self,
        turn: tokio::sync::OwnedSemaphorePermit,
        f: F,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let health = self.health.clone();
        let written = self.outbox_written.clone();
        let out = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let pooled = Self::checkout(&pool, &health)?;
            Self::on_connection(pooled, &health, &written, f)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?;
        self.settle(out)
    }

    /// Runs `f` on a checked-out connection and returns it to the pool (marked broken if the
    /// call found it lost).
    fn on_connection<T>(
        mut pooled: PooledConn,
        health: &Health,
        written: &tokio::sync::Notify,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        LOST.with(|l| l.set(false));
        let conn = &mut pooled.conn;
        let out = apply_page_limit(conn, health).and_then(|()| f(conn));
        if LOST.with(|l| l.replace(false)) {
            pooled.broken = true;
        } else {
            pooled.used_at = std::time::Instant::now();
        }
        // `write` has committed (or rolled back) by now; a rolled-back enqueue is no news.
        if crate::outbox::take_enqueued() && out.is_ok() {
            written.notify_one();
        }
        out
    }

    /// Notes a write that failed for lack of space (see [`Db::ready`]).
    fn settle<T>(&self, out: Result<T, ApiError>) -> Result<T, ApiError> {
        if out.as_ref().is_err_and(ApiError::is_storage_full) {
            self.health
                .storage_full
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        out
    }

    /// Whether the service can use its database: a ping, and, after a write failed for lack
    /// of space, a probe write (a 16 KiB row inserted and deleted, so the file must have room
    /// to grow) that must succeed before the service is ready again.
    pub async fn ready(&self) -> Result<(), ApiError> {
        self.ping().await?;
        if !self
            .health
            .storage_full
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            return Ok(());
        }
        let probe = match self.url {
            DbUrl::Sqlite(_) => {
                "CREATE TABLE IF NOT EXISTS liftoff_write_probe (v BLOB); \
                 INSERT INTO liftoff_write_probe VALUES (zeroblob(16384)); \
                 DELETE FROM liftoff_write_probe;"
            }
            DbUrl::Postgres { .. } => {
                "CREATE TABLE IF NOT EXISTS liftoff_write_probe (v BYTEA); \
                 INSERT INTO liftoff_write_probe VALUES (decode(repeat('ab', 16384), 'hex')); \
                 DELETE FROM liftoff_write_probe;"
            }
        };
        self.write(move |c| Ok(c.batch_execute(probe)?)).await?;
        self.health
            .storage_full
            .store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Fault injection for tests: caps every SQLite connection of this database at `pages`
    /// pages (`PRAGMA max_page_count`), so writes that need the file to grow fail with the
    /// real `SQLITE_FULL`, as on a full disk; `None` lifts the cap. No effect on PostgreSQL.
    pub fn limit_sqlite_pages(&self, pages: Option<u64>) {
        self.health.sqlite_page_limit.store(
            pages.unwrap_or(u64::MAX).max(1),
            std::sync::atomic::Ordering::SeqCst,
        );
    }

    /// The SQLite file's size in pages (0 on PostgreSQL).
    pub async fn sqlite_page_count(&self) -> Result<u64, ApiError> {
        #[derive(diesel::QueryableByName)]
        struct Pages {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            page_count: i64,
        }
        if self.url.is_postgres() {
            return Ok(0);
        }
        self.run(|c| {
            let p: Pages = diesel::sql_query("PRAGMA page_count").get_result(c)?;
            Ok(p.page_count.max(0) as u64)
        })
        .await
    }

    /// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite (so a read-then-write never
    /// hits a lock-upgrade deadlock), an ordinary transaction on PostgreSQL.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let _turn = match self.url {
            DbUrl::Sqlite(_) => Some(self.writers.lock().await),
            DbUrl::Postgres { .. } => None,
        };
        let service = self.service_label();
        self.run(move |conn| {
            let start = std::time::Instant::now();
            let result = write_tx(conn, f);
            metrics::histogram!("liftoff_db_transaction_duration_seconds", "service" => service)
                .record(start.elapsed().as_secs_f64());
            result
        })
        .await
    }

    /// The service whose database this is (its PostgreSQL schema or SQLite file name), the
    /// `service` label of the database metrics.
    pub fn service_label(&self) -> String {
        match &self.url {
            DbUrl::Postgres { schema, .. } => schema.clone(),
            DbUrl::Sqlite(path) => path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default(),
        }
    }

    /// Publishes `liftoff_database_up{service}` (a `SELECT 1` answered) and
    /// `liftoff_db_pool_connections{service, state=in_use|idle}`.
    pub async fn publish_health(&self) {
        let service = self.service_label();
        let up = self.ping().await.is_ok();
        metrics::gauge!("liftoff_database_up", "service" => service.clone()).set(if up {
            1.0
        } else {
            0.0
        });
        let pool = self.pool.state();
        let idle = f64::from(pool.idle_connections);
        let in_use = f64::from(pool.connections.saturating_sub(pool.idle_connections));
        metrics::gauge!("liftoff_db_pool_connections", "service" => service.clone(), "state" => "in_use")
            .set(in_use);
        metrics::gauge!("liftoff_db_pool_connections", "service" => service, "state" => "idle")
            .set(idle);
    }

    /// `SELECT 1`, for readiness.
    pub async fn ping(&self) -> Result<(), ApiError> {
        self.run(|c| {
            diesel::sql_query("SELECT 1").execute(c)?;
            Ok(())
        })
        .await
    }
}

/// Applies the injected page limit, if a test ever set one (see [`Db::limit_sqlite_pages`]).
fn apply_page_limit(conn: &mut AnyConnection, health: &Health) -> Result<(), ApiError> {
    let limit = health
        .sqlite_page_limit
        .load(std::sync::atomic::Ordering::SeqCst);
    if limit == 0 {
        return Ok(());
    }
    if let AnyConnection::Sqlite(c) = conn {
        // SQLite's own maximum lifts the cap.
        let pages = limit.min(4_294_967_294);
        c.batch_execute(&format!("PRAGMA max_page_count = {pages};"))?;
    }
    Ok(())
}

/// A write transaction on an already checked-out connection (see [`Db::write`]).
pub fn write_tx<T, F>(conn: &mut AnyConnection, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, ApiError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if let AnyConnection::Postgresql(_) = conn {
        return conn.transaction(f);
    }
    // Through diesel's transaction manager, so nested transactions (diesel's own, e.g. its
    // SQLite batch insert) become savepoints instead of a second BEGIN.
    if let AnyConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    let result = f(conn);
    if let AnyConnection::Sqlite(c) = conn {
        match &result {
            Ok(_) => {
                if let Err(e) = AnsiTransactionManager::commit_transaction(c) {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    return Err(e.into());
                }
            }
            Err(_) => {
                let _ = AnsiTransactionManager::rollback_transaction(c);
            }
        }
    }
    result
}

/// Row timestamps: UTC, microseconds, as `TIMESTAMP` (portable across both backends).
pub fn now() -> chrono::NaiveDateTime {
    let n = chrono::Utc::now().naive_utc();
    // Truncate to microseconds so a value read back compares equal on both backends.
    n - chrono::Duration::nanoseconds(i64::from(n.and_utc().timestamp_subsec_nanos() % 1000))
}

pub fn to_utc(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

/// Ensures `r` matched exactly one row (for fenced, conditional updates).
pub fn one_row(updated: usize, what: &str) -> Result<(), ApiError> {
    if updated == 1 {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "state_changed",
            format!("{what} changed concurrently; retry"),
        ))
    }
}

/// Parses a stored UUID (TEXT column).
pub fn uuid(s: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(s)
        .map_err(|e| ApiError::internal(format!("stored id {s:?} unreadable: {e}")))
}

/// Re-exported so services need not name r2d2.
pub use r2d2::Error as PoolError;

#[cfg(test)]
mod pool_tests;
