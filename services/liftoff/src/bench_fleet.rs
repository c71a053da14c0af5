//! `liftoff bench fleet`: what an idle fleet costs. Starts the control plane (default
//! settings), enrolls N simulated hosts (the real agent code in `--simulate` processes, default
//! agent settings), lets them settle, then measures while they only heartbeat and long-poll:
//! the control plane's CPU and memory, the agents' memory, and the latency a user sees on
//! `GET /v1/applications` and `GET /v1/hosts?limit=100`, asked 10 times a second. A benchmark,
//! not a test: it reports, it asserts nothing.
//!
//! The control plane runs in this process (as in `bench rollout`), so its CPU includes the
//! bench's own user requests (10 a second, a small share).

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use liftoff_client::{Client, DeploymentApiClient, EventQuery, HistoryClient, RegistryClient};
use liftoff_platform::ServiceSettings;
use liftoff_types::deployments::CreateApplication;
use liftoff_types::events::EventType;
use liftoff_types::registry::{CreateEnrollmentToken, Heartbeat, HostState};
use serde::Serialize;

use crate::bench::{cpu_s, percentile, spawn_fleet, stop_fleet};
use crate::cli::{BenchFleetArgs, Global};

/// User requests a second during the measurement, alternating between the two reads.
const USER_RATE: u32 = 10;

#[derive(Debug, Serialize)]
pub struct Report {
    pub hosts: usize,
    pub agent_processes: usize,
    pub database: &'static str,
    /// The heartbeat interval the registry gives the fleet at the end, in seconds.
    pub heartbeat_interval_s: u64,
    /// From starting the agents until every host is enrolled.
    pub enroll_s: f64,
    /// From starting the agents until the registry has every host `InService` (the settle
    /// and the measurement start only then, so the fleet measured is idle).
    pub in_service_s: f64,
    /// Times a host was declared `Lost` during the whole run (history's `host.lost` events at
    /// the end): a fleet that only heartbeats should lose none.
    pub hosts_lost: usize,
    pub settle_s: u64,
    pub measure_s: u64,
    /// Control-plane CPU during the measurement, in cores (CPU seconds per second).
    pub control_plane_cpu_cores: f64,
    /// Control-plane CPU per host, in microseconds per host per second.
    pub control_plane_cpu_us_per_host_s: f64,
    /// Resident memory at the end of the measurement, and the peak over the whole run.
    pub control_plane_rss_mb: f64,
    pub control_plane_peak_rss_mb: f64,
    /// All agent processes together, resident at the end of the measurement.
    pub agents_rss_mb: f64,
    pub agents_cpu_cores: f64,
    /// Both reads together.
    pub api_requests: usize,
    pub api_errors: usize,
    pub api_p50_ms: f64,
    pub api_p99_ms: f64,
    pub applications_p50_ms: f64,
    pub applications_p99_ms: f64,
    pub hosts_p50_ms: f64,
    pub hosts_p99_ms: f64,
}

/// Resident memory of a process now, in MiB (`VmRSS`).
fn rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Raises this process's open-file limit to `needed` (the hard limit too, where allowed).
fn raise_open_file_limit(needed: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return;
    };
    if soft >= needed {
        return;
    }
    if setrlimit(Resource::RLIMIT_NOFILE, needed, hard.max(needed)).is_err() {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, needed.min(hard), hard);
    }
}

/// Counts the virtual hosts that have saved their identity (they do so when their enrollment
/// is answered) on disk, so that counting costs the control plane nothing. Each agent process's
/// hosts are looked at in order from a cursor that only moves forward, so a look costs a few
/// `stat` calls, not one per host (looking at all 10,000 every 100 ms took a quarter of the
/// machine's CPU during enrollment).
struct Enrolled {
    dir: std::path::PathBuf,
    /// Per agent process: its virtual hosts, and how many of the first are known enrolled.
    processes: Vec<(usize, usize)>,
}

impl Enrolled {
    fn new(fleet_dir: &Path, processes: usize, hosts: usize) -> Self {
        Self {
            dir: fleet_dir.to_path_buf(),
            processes: (0..processes)
                .map(|z| (hosts / processes + usize::from(z < hosts % processes), 0))
                .collect(),
        }
    }

    fn has_identity(&self, z: usize, i: usize) -> bool {
        self.dir
            .join(format!(
                "zone-{z}/sim-{i}/var/lib/liftoff-agent/identity.json"
            ))
            .exists()
    }

    /// How many hosts are enrolled at least (the ones before each process's first host not
    /// enrolled yet; all of them once the count equals the fleet).
    fn count(&mut self) -> usize {
        for z in 0..self.processes.len() {
            let (n, mut seen) = self.processes[z];
            while seen < n && self.has_identity(z, seen) {
                seen += 1;
            }
            self.processes[z].1 = seen;
        }
        self.processes.iter().map(|(_, seen)| seen).sum()
    }

    /// Every host enrolled, counted one by one (for the message when enrollment falls short).
    fn count_all(&self) -> usize {
        self.processes
            .iter()
            .enumerate()
            .map(|(z, (n, _))| (0..*n).filter(|i| self.has_identity(z, *i)).count())
            .sum()
    }
}

/// How many `host.lost` events history holds since `since`.
async fn count_lost(
    url: &str,
    token: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<usize> {
    let history = HistoryClient::new(Client::new(url, Some(token.to_string()))?);
    let mut query = EventQuery {
        event_type: Some(EventType::HostLost.as_str().into()),
        since: Some(since),
        limit: Some(1000),
        ..Default::default()
    };
    let mut n = 0;
    loop {
        let page = history.events(&query).await?;
        n += page.events.len();
        match page.next_cursor {
            Some(c) if !page.events.is_empty() => query.cursor = Some(c),
            _ => return Ok(n),
        }
    }
}

/// The heartbeat interval the registry gives now: one heartbeat as the first virtual host,
/// with its own credential.
async fn interval_now(url: &str, fleet_dir: &Path) -> anyhow::Result<u64> {
    let path = fleet_dir.join("zone-0/sim-0/var/lib/liftoff-agent/identity.json");
    let id: liftoff_agent::state::Identity = serde_json::from_slice(&std::fs::read(path)?)?;
    let host = RegistryClient::new(Client::new(url, Some(id.credential))?);
    let answer = host
        .heartbeat(
            id.host_id,
            &Heartbeat {
                agent_version: Some(liftoff_agent::VERSION.into()),
            },
        )
        .await?;
    Ok(answer.heartbeat_interval_secs)
}

/// The user's reads, `USER_RATE` a second for `span`, each on its own task so a slow answer
/// does not delay the next request. Returns (applications, hosts) latencies in ms and errors.
async fn user_reads(url: &str, token: &str, span: Duration) -> (Vec<f64>, Vec<f64>, usize) {
    let http = reqwest::Client::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1) / USER_RATE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let end = Instant::now() + span;
    let mut tasks = tokio::task::JoinSet::new();
    let mut i = 0u64;
    while Instant::now() < end {
        tick.tick().await;
        let path = if i.is_multiple_of(2) {
            "/v1/applications"
        } else {
            "/v1/hosts?limit=100"
        };
        i += 1;
        let rb = http.get(format!("{url}{path}")).bearer_auth(token);
        tasks.spawn(async move {
            let t = Instant::now();
            let ok = match rb.send().await {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            };
            (path, ok, t.elapsed().as_secs_f64() * 1000.0)
        });
    }
    let (mut apps, mut hosts, mut errors) = (Vec::new(), Vec::new(), 0);
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok((_, false, _)) | Err(_) => errors += 1,
            Ok(("/v1/applications", true, ms)) => apps.push(ms),
            Ok((_, true, ms)) => hosts.push(ms),
        }
    }
    (apps, hosts, errors)
}

pub async fn fleet(g: &Global, args: BenchFleetArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        (1..=50_000).contains(&args.hosts),
        "--hosts must be 1 to 50000"
    );
    anyhow::ensure!(
        (1..=10_000).contains(&args.hosts_per_agent),
        "--hosts-per-agent must be 1 to 10000"
    );
    anyhow::ensure!(args.measure_secs >= 1, "--measure-secs must be at least 1");
    // The control plane runs here: a long poll and a heartbeat connection per host.
    raise_open_file_limit(args.hosts as u64 * 3 + 1024);
    let tmp = tempfile::tempdir()?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let settings = ServiceSettings {
        registry: liftoff_host_registry::Config::from_env()?,
        scheduler: liftoff_scheduler::Config::from_env(),
        ..ServiceSettings::default()
    };
    let (running, token, _database) =
        crate::bench::start_control_plane(tmp.path(), args.database_url.clone(), settings).await?;
    let client = Client::new(&running.url, Some(token.clone()))?;
    let registry = RegistryClient::new(client.clone());
    let api = DeploymentApiClient::new(client);
    // A few applications, so the user's first read returns something.
    for n in 0..5 {
        api.create_application(&CreateApplication {
            name: format!("fleet-{run}-{n}"),
            description: Some("liftoff bench fleet".into()),
        })
        .await?;
    }
    let enroll = registry
        .create_enrollment_token(&CreateEnrollmentToken {
            ttl_secs: Some(3600),
            ..Default::default()
        })
        .await?;

    let processes = args.hosts.div_ceil(args.hosts_per_agent);
    let run_started = chrono::Utc::now();
    let started = Instant::now();
    let mut agents = spawn_fleet(
        tmp.path(),
        &running.url,
        enroll.token.as_deref().unwrap_or_default(),
        &run,
        args.hosts,
        processes,
    )?;
    let deadline = started + Duration::from_secs(60 + args.hosts as u64 / 20);
    let fleet_dir = tmp.path().join("fleet");
    let mut enrolled = Enrolled::new(&fleet_dir, processes, args.hosts);
    loop {
        if enrolled.count() >= args.hosts {
            break;
        }
        if let Some(c) = agents.iter_mut().find_map(|c| c.try_wait().ok().flatten()) {
            anyhow::bail!(
                "an agent process exited ({c}) during enrollment (logs in {})",
                fleet_dir.display()
            );
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} of {} simulated hosts enrolled in time",
            enrolled.count_all(),
            args.hosts
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let enroll_s = started.elapsed().as_secs_f64();
    // The registry's own view agrees, and every host has left `Pending` (its scale-out
    // check, membership pushes and the scheduler's record of it are done).
    let selector = [("bench".to_string(), run.clone())];
    loop {
        let listed = registry.list_hosts(&selector, None).await?.hosts;
        anyhow::ensure!(
            listed.len() == args.hosts,
            "the registry lists {} of {} hosts",
            listed.len(),
            args.hosts
        );
        let serving = listed
            .iter()
            .filter(|h| h.state == HostState::InService)
            .count();
        if serving == args.hosts {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {serving} of {} hosts in service in time",
            args.hosts
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let in_service_s = started.elapsed().as_secs_f64();

    tokio::time::sleep(Duration::from_secs(args.settle_secs)).await;
    let agent_pids: Vec<String> = agents
        .iter()
        .filter_map(|c| c.id())
        .map(|p| p.to_string())
        .collect();
    let agents_cpu = || agent_pids.iter().map(|p| cpu_s(p)).sum::<f64>();
    let (cp0, ag0, t0) = (cpu_s("self"), agents_cpu(), Instant::now());
    let (mut apps, mut hosts, api_errors) =
        user_reads(&running.url, &token, Duration::from_secs(args.measure_secs)).await;
    let elapsed = t0.elapsed().as_secs_f64();
    let control_plane_cpu_cores = (cpu_s("self") - cp0) / elapsed;
    let agents_cpu_cores = (agents_cpu() - ag0) / elapsed;
    let control_plane_rss_mb = rss_mb("self");
    let control_plane_peak_rss_mb = crate::bench::peak_rss_mb("self");
    let agents_rss_mb: f64 = agent_pids.iter().map(|p| rss_mb(p)).sum();
    let heartbeat_interval_s = interval_now(&running.url, &fleet_dir).await.unwrap_or(0);
    let hosts_lost = count_lost(&running.url, &token, run_started).await?;
    stop_fleet(&mut agents).await;
    running.stop().await;

    let mut all: Vec<f64> = apps.iter().chain(hosts.iter()).copied().collect();
    for v in [&mut apps, &mut hosts, &mut all] {
        v.sort_by(f64::total_cmp);
    }
    let report = Report {
        hosts: args.hosts,
        agent_processes: processes,
        database: if args
            .database_url
            .as_deref()
            .is_some_and(|u| u.starts_with("postgres"))
        {
            "postgres"
        } else {
            "sqlite"
        },
        heartbeat_interval_s,
        enroll_s,
        in_service_s,
        hosts_lost,
        settle_s: args.settle_secs,
        measure_s: args.measure_secs,
        control_plane_cpu_cores,
        control_plane_cpu_us_per_host_s: control_plane_cpu_cores * 1e6 / args.hosts as f64,
        control_plane_rss_mb,
        control_plane_peak_rss_mb,
        agents_rss_mb,
        agents_cpu_cores,
        api_requests: all.len() + api_errors,
        api_errors,
        api_p50_ms: percentile(&all, 0.50),
        api_p99_ms: percentile(&all, 0.99),
        applications_p50_ms: percentile(&apps, 0.50),
        applications_p99_ms: percentile(&apps, 0.99),
        hosts_p50_ms: percentile(&hosts, 0.50),
        hosts_p99_ms: percentile(&hosts, 0.99),
    };
    if g.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} idle hosts ({} agent processes, {}): enrolled in {:.1} s, all in service at {:.1} s, {} times a host was lost\n  control plane: {:.3} cores ({:.1} µs per host per second), RSS {:.0} MiB (peak {:.0}); agents: RSS {:.0} MiB, {:.2} cores\n  user reads: p50 {:.1} ms, p99 {:.1} ms (applications p99 {:.1} ms, hosts?limit=100 p99 {:.1} ms), {} errors of {}",
            report.hosts,
            report.agent_processes,
            report.database,
            report.enroll_s,
            report.in_service_s,
            report.hosts_lost,
            report.control_plane_cpu_cores,
            report.control_plane_cpu_us_per_host_s,
            report.control_plane_rss_mb,
            report.control_plane_peak_rss_mb,
            report.agents_rss_mb,
            report.agents_cpu_cores,
            report.api_p50_ms,
            report.api_p99_ms,
            report.applications_p99_ms,
            report.hosts_p99_ms,
            report.api_errors,
            report.api_requests,
        );
    }
    Ok(if report.api_errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
