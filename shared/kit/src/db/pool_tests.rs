//! Tests of the pool: a PostgreSQL connection that ended, short reads on the calling thread.

use diesel::QueryableByName;

use super::*;

const NO_MIGRATIONS: Migrations = Migrations {
    postgres: EmbeddedMigrations::new(&[]),
    sqlite: EmbeddedMigrations::new(&[]),
};

#[derive(QueryableByName)]
struct Backend {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
}

async fn backend_pid(db: &Db) -> Result<i32, ApiError> {
    db.run(|c| {
        let b: Backend = diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result(c)?;
        Ok(b.pid)
    })
    .await
}

fn terminate(url: &str, pid: i32) {
    let mut admin = PgConnection::establish(url).unwrap();
    admin
        .batch_execute(&format!("SELECT pg_terminate_backend({pid})"))
        .unwrap();
}

/// A short read on SQLite runs on the calling thread when a connection is idle (no hop to
/// a blocking thread); [`Db::run`] hops. Many at once on a small pool, through the fleet
/// lane, each answers its own read, inline or not.
#[tokio::test]
async fn a_short_read_on_sqlite_runs_on_the_calling_thread() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("short.db").display());
    let db = Db::open(DbUrl::parse(&url, "short").unwrap(), NO_MIGRATIONS, 2).unwrap();
    db.write(|c| Ok(c.batch_execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER)")?))
        .await
        .unwrap();
    let here = std::thread::current().id();
    let inline = db
        .run_short(|_| Ok(std::thread::current().id()))
        .await
        .unwrap();
    assert_eq!(inline, here, "a short read stays on the calling thread");
    let hopped = db.run(|_| Ok(std::thread::current().id())).await.unwrap();
    assert_ne!(hopped, here, "run hops to a blocking thread");

    #[derive(QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        v: i32,
    }
    let reads = (0..64).map(|k| {
        let db = db.clone();
        tokio::spawn(lane::fleet_lane(async move {
            db.write(move |c| {
                Ok(c.batch_execute(&format!("INSERT INTO t VALUES ({k}, {})", k * 7))?)
            })
            .await?;
            db.run_short(move |c| {
                let r: V =
                    diesel::sql_query(format!("SELECT v FROM t WHERE k = {k}")).get_result(c)?;
                Ok(r.v)
            })
            .await
            .map(|v| (k, v))
        }))
    });
    for r in futures_util::future::join_all(reads).await {
        let (k, v) = r.unwrap().unwrap();
        assert_eq!(v, k * 7);
    }
    let err = db
        .run_short(|c| Ok(diesel::sql_query("SELECT nope FROM t").execute(c)?))
        .await
        .unwrap_err();
    assert!(err.status.is_server_error(), "{err:?}");
    let err = db
        .run_short(|_| -> Result<(), ApiError> { panic!("a bug in a read") })
        .await
        .unwrap_err();
    assert_eq!(err.status.as_u16(), 500, "{err:?}");
    assert_eq!(
        db.run_short(|_| Ok(std::thread::current().id()))
            .await
            .unwrap(),
        here,
        "the pool and the calling thread are still usable"
    );
}

/// A pooled PostgreSQL connection whose server side ended (restart, `pg_terminate_backend`):
/// used again at once, it fails that one call with 503 and is replaced; idle for a while,
/// it is tested before use and replaced without any call failing. (PostgreSQL only: runs
/// when `LIFTOFF_TEST_DATABASE_URL` is set.)
#[tokio::test]
async fn a_postgres_connection_that_ended_is_replaced() {
    let Ok(url) = std::env::var("LIFTOFF_TEST_DATABASE_URL") else {
        return;
    };
    let schema = format!("pool_{}", uuid::Uuid::new_v4().simple());
    let db = Db::open(DbUrl::parse(&url, &schema).unwrap(), NO_MIGRATIONS, 1).unwrap();
    let first = backend_pid(&db).await.unwrap();
    assert_eq!(
        backend_pid(&db).await.unwrap(),
        first,
        "one pooled connection"
    );

    // Used again within `TRUSTED_FOR`: not tested first, so this call fails, and only it.
    terminate(&url, first);
    let err = backend_pid(&db).await.unwrap_err();
    assert_eq!(err.status.as_u16(), 503, "{err:?}");
    let second = backend_pid(&db).await.unwrap();
    assert_ne!(second, first, "the broken connection was discarded");

    // Idle longer than `TRUSTED_FOR`: tested on checkout and replaced; no call fails.
    terminate(&url, second);
    tokio::time::sleep(TRUSTED_FOR + Duration::from_millis(300)).await;
    let third = backend_pid(&db).await.unwrap();
    assert_ne!(third, second);

    drop(db);
    let mut admin = PgConnection::establish(&url).unwrap();
    admin
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .unwrap();
}
