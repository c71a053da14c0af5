//! The test kit: starts the real control plane on port 0 with a fresh database per test
//! (a SQLite file in a temp dir, or a fresh PostgreSQL database when
//! `LIFTOFF_TEST_DATABASE_URL` names a server), real agent processes, and helpers that wait
//! on conditions with deadlines instead of sleeping.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use liftoff_client::{Client, DeploymentApiClient, HistoryClient, RegistryClient, SchedulerClient};
use liftoff_kit::Authority;
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_platform::{Running, ServiceSettings, UpConfig};
use tokio::process::Child;

pub mod agent;
pub mod proxy;

pub use agent::AgentOptions;

/// A token for `subject`, valid for an hour, signed with the secret in the file `secret` (the
/// `--secret-file` of services a test starts as processes; made if missing). Panics if it
/// cannot be, as the test would.
pub fn mint_with_secret(
    secret: &Path,
    kind: TokenKind,
    subject: &str,
    team: Option<&str>,
    role: Option<Role>,
) -> String {
    let authority = Authority::load_or_create(secret)
        .unwrap_or_else(|e| panic!("the secret {}: {e}", secret.display()));
    authority
        .mint(kind, subject, team, role, false, chrono::Duration::hours(1))
        .unwrap_or_else(|e| panic!("mint: {e}"))
        .0
}

/// The PostgreSQL server tests use, if any: `LIFTOFF_TEST_DATABASE_URL=postgres://user@host:port/db`.
pub fn postgres_url() -> Option<String> {
    std::env::var("LIFTOFF_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

pub use liftoff_kit::pg_database::PgDatabase;

/// A fresh PostgreSQL database on the server `LIFTOFF_TEST_DATABASE_URL` names, if it names
/// one (dropped with the value); `None`: the test runs on SQLite. Panics if it cannot be made,
/// as the test would.
#[allow(clippy::expect_used)]
pub async fn pg_database() -> Option<PgDatabase> {
    let server = postgres_url()?;
    Some(
        tokio::task::spawn_blocking(move || PgDatabase::create(&server))
            .await
            .expect("the database-creating task")
            .expect("a fresh PostgreSQL test database"),
    )
}

#[derive(diesel::QueryableByName)]
struct Named {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

fn names(url: &str, sql: &str) -> anyhow::Result<Vec<String>> {
    use diesel::{Connection, RunQueryDsl};
    let mut conn = diesel::PgConnection::establish(url)?;
    let rows: Vec<Named> = diesel::sql_query(sql).load(&mut conn)?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// The schemas of the services (not PostgreSQL's own) in the database `url` names.
pub fn pg_schemas(url: &str) -> anyhow::Result<Vec<String>> {
    names(
        url,
        "SELECT nspname AS name FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' \
         AND nspname NOT IN ('public', 'information_schema') ORDER BY 1",
    )
}

/// The databases on the server `url` reaches whose names start with `prefix_`.
pub fn pg_databases(url: &str, prefix: &str) -> anyhow::Result<Vec<String>> {
    anyhow::ensure!(prefix.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
    names(
        url,
        &format!(
            "SELECT datname AS name FROM pg_database WHERE datname LIKE '{}\\_%' ORDER BY 1",
            prefix.replace('_', "\\_")
        ),
    )
}

/// A `liftoff bench` given the server through the empty database `url` ran in a database of its
/// own and dropped it: `url`'s database holds none of the services' schemas, and no
/// `liftoff_bench_` database is left on the server (the bench tests run one at a time).
pub fn assert_bench_left_no_trace(url: &str) {
    assert_eq!(
        pg_schemas(url).unwrap_or_else(|e| panic!("schemas: {e}")),
        Vec::<String>::new(),
        "{url}"
    );
    assert_eq!(
        pg_databases(url, "liftoff_bench").unwrap_or_else(|e| panic!("databases: {e}")),
        Vec::<String>::new()
    );
}

/// A running control plane for one test.
pub struct TestPlatform {
    pub running: Option<Running>,
    pub url: String,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    pub admin_token: String,
    pub authority: Authority,
    pub database_url: Option<String>,
    pg: Option<PgDatabase>,
}

impl TestPlatform {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(ServiceSettings::default()).await
    }

    /// Starts with `settings`; ticks run every 200 ms unless `settings` says otherwise.
    pub async fn start_with(mut settings: ServiceSettings) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let pg = match postgres_url() {
            Some(server) => {
                Some(tokio::task::spawn_blocking(move || PgDatabase::create(&server)).await??)
            }
            None => None,
        };
        settings
            .tick_interval
            .get_or_insert(Duration::from_millis(200));
        settings.workers.get_or_insert(2);
        // Tests drive many requests from one address and team; those that test the limits
        // set their own.
        settings
            .auth
            .rate_limits
            .get_or_insert(liftoff_kit::admission::RateLimits {
                team: liftoff_kit::admission::Budget::new(10_000.0, 100_000.0),
                host: liftoff_kit::admission::Budget::new(10_000.0, 100_000.0),
                anonymous: liftoff_kit::admission::Budget::new(10_000.0, 100_000.0),
                ..Default::default()
            });
        settings.deployment_api.spool_dir = dir.path().to_path_buf();
        let database_url = pg.as_ref().map(|p| p.url.clone());
        let running = liftoff_platform::up(UpConfig {
            listen: "127.0.0.1:0".parse()?,
            data_dir: dir.path().join("data"),
            database_url: database_url.clone(),
            settings,
        })
        .await?;
        let admin_token =
            std::fs::read_to_string(liftoff_platform::admin_token_path(&dir.path().join("data")))?
                .trim()
                .to_string();
        let authority = running.authority.clone();
        Ok(Self {
            url: running.url.clone(),
            addr: running.addr,
            running: Some(running),
            dir,
            admin_token,
            authority,
            database_url,
            pg,
        })
    }

    pub fn backend(&self) -> &'static str {
        if self.pg.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs `sql` directly on `service`'s own database (its schema on PostgreSQL, its file on
    /// SQLite), as an operator's console would; answers the rows it changed. For tests that
    /// set up a state the API does not offer, or break one on purpose.
    pub fn exec_sql(&self, service: &str, sql: &str) -> usize {
        use diesel::{Connection, RunQueryDsl};
        match &self.database_url {
            Some(url) => {
                let mut c =
                    diesel::PgConnection::establish(url).unwrap_or_else(|e| panic!("connect: {e}"));
                diesel::sql_query(format!("SET search_path TO {}", service.replace('-', "_")))
                    .execute(&mut c)
                    .unwrap_or_else(|e| panic!("search_path: {e}"));
                diesel::sql_query(sql)
                    .execute(&mut c)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            None => {
                let path = self.data_dir().join(format!("{service}.db"));
                let mut c = diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
                // The service may be writing: wait for its lock, as its own connections do.
                diesel::connection::SimpleConnection::batch_execute(
                    &mut c,
                    "PRAGMA busy_timeout = 10000",
                )
                .unwrap_or_else(|e| panic!("busy_timeout: {e}"));
                diesel::sql_query(sql)
                    .execute(&mut c)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        }
    }

    pub fn client(&self) -> Client {
        self.client_with(Some(self.admin_token.clone()))
    }

    pub fn client_with(&self, token: Option<String>) -> Client {
        Client::new(&self.url, token).unwrap_or_else(|e| panic!("client: {e}"))
    }

    pub fn api(&self) -> DeploymentApiClient {
        DeploymentApiClient::new(self.client())
    }
    pub fn registry(&self) -> RegistryClient {
        RegistryClient::new(self.client())
    }
    pub fn history(&self) -> HistoryClient {
        HistoryClient::new(self.client())
    }
    pub fn scheduler(&self) -> SchedulerClient {
        SchedulerClient::new(self.client())
    }

    /// A team token signed by this platform.
    pub fn team_token(&self, team: &str, role: Role) -> String {
        self.authority
            .mint(
                TokenKind::Team,
                "tester",
                Some(team),
                Some(role),
                false,
                chrono::Duration::hours(1),
            )
            .unwrap_or_else(|e| panic!("mint: {e}"))
            .0
    }

    /// A raw HTTP client for bad-input tests.
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// Stops the control plane (as a kill of `liftoff up` would: nothing but the database
    /// survives) and starts it again on the same address, data dir and database, with
    /// `settings` (tick interval and workers as in [`Self::start_with`]).
    pub async fn restart(&mut self, mut settings: ServiceSettings) -> anyhow::Result<()> {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        settings
            .tick_interval
            .get_or_insert(Duration::from_millis(200));
        settings.workers.get_or_insert(2);
        settings
            .auth
            .rate_limits
            .get_or_insert(liftoff_kit::admission::RateLimits {
                team: liftoff_kit::admission::Budget::new(10_000.0, 100_000.0),
                host: liftoff_kit::admission::Budget::new(10_000.0, 100_000.0),
                anonymous: liftoff_kit::admission::Budget::new(10_000.0, 100_000.0),
                ..Default::default()
            });
        settings.deployment_api.spool_dir = self.dir.path().to_path_buf();
        let running = liftoff_platform::up(UpConfig {
            listen: self.addr,
            data_dir: self.data_dir(),
            database_url: self.database_url.clone(),
            settings,
        })
        .await?;
        self.authority = running.authority.clone();
        self.running = Some(running);
        Ok(())
    }

    /// Creates an enrollment token.
    pub async fn enrollment_token(&self) -> anyhow::Result<String> {
        let t = self
            .registry()
            .create_enrollment_token(&Default::default())
            .await?;
        t.token.ok_or_else(|| anyhow::anyhow!("no token returned"))
    }
}

/// Waits until `f` returns `Some`, checking every 100 ms, failing after `deadline` with `what`.
pub async fn wait_for<T, F, Fut>(what: &str, deadline: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let end = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        if tokio::time::Instant::now() >= end {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A real `liftoff agent` process (more ways to start one in [`agent`]).
pub struct AgentProcess {
    pub child: Child,
    pub root: PathBuf,
    /// Where it installs appspec `files` (`--install-root`).
    pub install_root: PathBuf,
    pub log: PathBuf,
}

impl AgentProcess {
    /// Starts `bin agent` enrolled with `token` into `zone` with `tags`; its state and the files
    /// it installs both live under `root`.
    pub fn spawn(
        bin: &Path,
        server: &str,
        token: &str,
        zone: &str,
        tags: &[(&str, &str)],
        root: &Path,
    ) -> anyhow::Result<Self> {
        let mut opts = AgentOptions::new(server, token, zone, root);
        for (k, v) in tags {
            opts = opts.tag(k, v);
        }
        Self::start(bin, &opts)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> Option<i32> {
        self.child.id().map(|p| p as i32)
    }

    /// SIGTERM, then wait up to 20 s, then SIGKILL.
    pub async fn stop(mut self) {
        if let Some(pid) = self.pid() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        if tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Writes a bundle directory: `appspec.yml` with one script per listed event, each script's
/// body given. Scripts get `#!/bin/sh` and mode 0755.
pub fn write_bundle(dir: &Path, version: &str, scripts: &[(&str, &str)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("scripts"))?;
    std::fs::create_dir_all(dir.join("app"))?;
    std::fs::write(dir.join("app/VERSION"), format!("{version}\n"))?;
    let mut spec = String::from(
        "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/app\nhooks:\n",
    );
    let mut by_event: BTreeMap<&str, Vec<(usize, &str)>> = BTreeMap::new();
    for (i, (event, body)) in scripts.iter().enumerate() {
        by_event.entry(event).or_default().push((i, body));
    }
    for (event, list) in by_event {
        spec.push_str(&format!("  {event}:\n"));
        for (i, body) in list {
            let name = format!("scripts/{i:02}-{event}.sh");
            let path = dir.join(&name);
            std::fs::write(&path, format!("#!/bin/sh\nset -eu\n{body}\n"))?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
            spec.push_str(&format!("    - location: {name}\n      timeout: 60\n"));
        }
    }
    std::fs::write(dir.join("appspec.yml"), spec)?;
    Ok(())
}

/// Packs a bundle directory into a .tar.gz file.
pub fn pack(dir: &Path, out: &Path) -> anyhow::Result<()> {
    let mut f = std::fs::File::create(out)?;
    liftoff_bundle::pack_dir_tar_gz(dir, &mut f)?;
    Ok(())
}

/// A free loopback port for a process that must be told its port before it starts.
///
/// Ports bound with `:0` come from the kernel's ephemeral range; picking outside it means the
/// port cannot be taken by everything else on the machine binding `:0` between this pick and
/// the process binding it. Two picks of the same port are avoided within this process.
pub fn free_port() -> u16 {
    use std::sync::Mutex;
    static TAKEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let (low, high) = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().map(|v| v.parse::<u16>().ok());
            Some((it.next()??, it.next()??))
        })
        .unwrap_or((32768, 60999));
    // The largest range below (or above) the ephemeral one.
    let (from, to) = if low > 12000 {
        (10000u16, low - 1)
    } else {
        (high.saturating_add(1), 65000)
    };
    for _ in 0..1000 {
        let port = from + (rand_u16() % (to - from));
        let Ok(mut taken) = TAKEN.lock() else { break };
        if taken.contains(&port) {
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            taken.push(port);
            return port;
        }
    }
    panic!("no free port outside the ephemeral range");
}

fn rand_u16() -> u16 {
    let id = uuid::Uuid::new_v4();
    u16::from_le_bytes([id.as_bytes()[0], id.as_bytes()[1]])
}
