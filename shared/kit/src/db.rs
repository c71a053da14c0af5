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

/// Opens connections with the settings each backend needs; keeps the real error.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DbUrl,
}

impl ConnectionManager {
    fn open(&self) -> Result<AnyConnection, ConnectError> {
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
                let mut c = PgConnection::establish(url)
                    .map_err(|e| ConnectError(format!("postgres: {e}")))?;
                c.batch_execute(&format!(
                    "SET TIME ZONE 'UTC'; SET search_path TO \"{schema}\";"
                ))
                .map_err(|e| ConnectError(format!("postgres: {e}")))?;
                Ok(AnyConnection::Postgresql(c))
            }
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<AnyConnection, ConnectError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectError> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(|e| ConnectError(e.to_string()))
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
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
}

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
        let manager = ConnectionManager { url: url.clone() };
        // Migrate on a dedicated connection (with the schema created first on PostgreSQL).
        let mut conn = match &url {
            DbUrl::Postgres { url: pg, schema } => {
                let mut c = PgConnection::establish(pg)?;
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
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        Ok(Self {
            pool,
            url,
            writers: std::sync::Arc::default(),
        })
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    pub fn max_connections(&self) -> u32 {
        self.pool.max_size()
    }

    fn checkout(pool: &Pool<ConnectionManager>) -> Result<PooledConn, ApiError> {
        pool.get()
            .map_err(|e| ApiError::unavailable(format!("database unavailable: {e}")))
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = Self::checkout(&pool)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
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
