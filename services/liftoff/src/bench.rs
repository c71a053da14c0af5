//! `liftoff bench rollout`: one deployment across a simulated fleet (the real agent code in
//! `--simulate` processes, real hook processes, a ~100 KB bundle), against the floor: the same
//! per-host work (unpack, install, hooks) run locally in the same sliding window, with no
//! control plane, in the same run. A benchmark, not a test: it reports, it asserts nothing.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use liftoff_agent::hook::{HookInvocation, run_hook};
use liftoff_bundle::{AppSpec, UnpackLimits};
use liftoff_client::{Client, DeploymentApiClient, RegistryClient, SchedulerClient};
use liftoff_kit::pg_database::PgDatabase;
use liftoff_platform::{ServiceSettings, UpConfig};
use liftoff_types::deployments::*;
use liftoff_types::registry::CreateEnrollmentToken;
use liftoff_types::scheduler::{RolloutDetail, RolloutStatus};
use serde::Serialize;
use tokio::process::Child;

use crate::cli::{BenchRolloutArgs, Global};

const HOOKS: [&str; 4] = [
    "BeforeInstall",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
];

#[derive(Debug, Serialize)]
pub struct Report {
    pub hosts: usize,
    pub zones: usize,
    pub window: u64,
    pub waves: u64,
    pub hook_ms: u64,
    pub database: &'static str,
    pub status: String,
    pub wall_s: f64,
    pub ideal_s: f64,
    pub floor_s: f64,
    pub ratio_to_floor: f64,
    pub dispatch_latency_ms_p50: f64,
    pub dispatch_latency_ms_p99: f64,
    /// One host's command on the agent, acknowledged to completed.
    pub host_ms_p50: f64,
    pub host_ms_p99: f64,
    pub control_plane_peak_rss_mb: f64,
    pub agents_peak_rss_mb: f64,
    /// CPU seconds used during the rollout by the control plane and by the agents.
    pub control_plane_cpu_s: f64,
    pub agents_cpu_s: f64,
    pub enroll_s: f64,
}

/// Writes the bench bundle: ~100 KB of incompressible payload and four hooks whose sleeps add
/// up to `hook_ms`.
pub(crate) fn write_bundle(dir: &Path, hook_ms: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("scripts"))?;
    std::fs::create_dir_all(dir.join("app"))?;
    let payload: Vec<u8> = (0..100 * 1024).map(|_| rand::random::<u8>()).collect();
    std::fs::write(dir.join("app/payload.bin"), payload)?;
    let mut spec = String::from(
        "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/bench\nhooks:\n",
    );
    let each = hook_ms as f64 / HOOKS.len() as f64 / 1000.0;
    for event in HOOKS {
        let name = format!("scripts/{event}.sh");
        let path = dir.join(&name);
        std::fs::write(&path, format!("#!/bin/sh\nsleep {each:.4}\n"))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        spec.push_str(&format!(
            "  {event}:\n    - location: {name}\n      timeout: 60\n"
        ));
    }
    std::fs::write(dir.join("appspec.yml"), spec)?;
    Ok(())
}

/// Starts the control plane of a bench on a free port, its data in `dir/control-plane`, and
/// answers it with its admin token. A PostgreSQL `database_url` names a server: the bench makes
/// its own database there, dropped when the returned guard is, so no run sees another's hosts.
pub(crate) async fn start_control_plane(
    dir: &Path,
    database_url: Option<String>,
    settings: ServiceSettings,
) -> anyhow::Result<(liftoff_platform::Running, String, Option<PgDatabase>)> {
    let fresh = match database_url.as_deref() {
        Some(server) if server.starts_with("postgres") => {
            let server = server.to_string();
            Some(
                tokio::task::spawn_blocking(move || {
                    PgDatabase::create_named(&server, "liftoff_bench")
                })
                .await?
                .context("creating the bench's own database (the role needs CREATEDB)")?,
            )
        }
        _ => None,
    };
    let data_dir = dir.join("control-plane");
    let running = liftoff_platform::up(UpConfig {
        listen: "127.0.0.1:0".parse()?,
        data_dir: data_dir.clone(),
        database_url: fresh.as_ref().map(|d| d.url.clone()).or(database_url),
        settings,
    })
    .await?;
    let token = std::fs::read_to_string(liftoff_platform::admin_token_path(&data_dir))?
        .trim()
        .to_string();
    Ok((running, token, fresh))
}

/// Peak resident memory of a process, in MiB (`VmHWM`).
pub(crate) fn peak_rss_mb(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// CPU seconds (user + system) a process has used so far.
pub(crate) fn cpu_s(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name, which is in parentheses and may hold spaces.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Starts one `--simulate` agent process per zone.
pub(crate) fn spawn_fleet(
    dir: &Path,
    url: &str,
    token: &str,
    run: &str,
    hosts: usize,
    zones: usize,
) -> anyhow::Result<Vec<Child>> {
    let exe = std::env::current_exe()?;
    let mut children = Vec::new();
    for z in 0..zones {
        let n = hosts / zones + usize::from(z < hosts % zones);
        if n == 0 {
            continue;
        }
        let root = dir.join(format!("fleet/zone-{z}"));
        std::fs::create_dir_all(&root)?;
        let log = std::fs::File::create(dir.join(format!("fleet/zone-{z}.log")))?;
        children.push(
            tokio::process::Command::new(&exe)
                .env("LIFTOFF_ENROLL_TOKEN", token)
                .args(["agent", "--server", url])
                .args([
                    "--zone",
                    &format!("zone-{z}"),
                    "--tag",
                    &format!("bench={run}"),
                ])
                .arg("--root")
                .arg(&root)
                .args(["--simulate", &n.to_string(), "--poll-wait", "20"])
                // Each virtual host enrolls from an address of its own, as a real fleet's
                // hosts do (enrollment is limited per address): 127.<z+1>.0.1 onwards.
                .args([
                    "--simulate-source-address",
                    &format!("127.{}.0.1", 1 + z % 254),
                ])
                .args(["--hostname", &format!("bench-{z}")])
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .kill_on_drop(true)
                .spawn()?,
        );
    }
    Ok(children)
}

pub(crate) async fn stop_fleet(children: &mut [Child]) {
    for c in children.iter() {
        if let Some(pid) = c.id() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
    }
    for c in children.iter_mut() {
        if tokio::time::timeout(Duration::from_secs(20), c.wait())
            .await
            .is_err()
        {
            let _ = c.kill().await;
        }
    }
}

pub async fn rollout(g: &Global, args: BenchRolloutArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        (1..=50_000).contains(&args.hosts),
        "--hosts must be 1 to 50000"
    );
    anyhow::ensure!((1..=26).contains(&args.zones), "--zones must be 1 to 26");
    let (percent, n) = crate::cli::parse_share(&args.window).map_err(anyhow::Error::msg)?;
    let hosts = args.hosts as u64;
    let window = if percent {
        hosts * u64::from(n) / 100
    } else {
        u64::from(n)
    }
    .clamp(1, hosts);
    let waves = hosts.div_ceil(window);
    let tmp = tempfile::tempdir()?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let bundle_dir = tmp.path().join("bundle");
    write_bundle(&bundle_dir, args.hook_ms)?;

    let mut settings = ServiceSettings {
        scheduler: liftoff_scheduler::Config::from_env(),
        ..ServiceSettings::default()
    };
    // A large simulated fleet heartbeats every 30 s (instead of 5), as a real one would be
    // configured; loss is then judged after 120 s.
    settings.registry.heartbeat_interval = Duration::from_secs(30);
    settings.registry.heartbeat_grace = Duration::from_secs(120);
    let (running, token, _database) =
        crate::bench::start_control_plane(tmp.path(), args.database_url.clone(), settings).await?;
    let client = Client::new(&running.url, Some(token))?;
    let api = DeploymentApiClient::new(client.clone());
    let registry = RegistryClient::new(client.clone());
    let scheduler = SchedulerClient::new(client.clone());

    let enroll = registry
        .create_enrollment_token(&CreateEnrollmentToken {
            ttl_secs: Some(3600),
            ..Default::default()
        })
        .await?;
    let enroll_started = Instant::now();
    let mut fleet = spawn_fleet(
        tmp.path(),
        &running.url,
        enroll.token.as_deref().unwrap_or_default(),
        &run,
        args.hosts,
        args.zones,
    )?;
    let selector = [("bench".to_string(), run.clone())];
    let deadline = Instant::now() + Duration::from_secs(60 + hosts / 20);
    loop {
        let live = registry.list_hosts(&selector, None).await?.hosts.len();
        if live >= args.hosts {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {live} of {} simulated hosts enrolled in time (logs in {})",
            args.hosts,
            tmp.path().display()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let enroll_s = enroll_started.elapsed().as_secs_f64();

    let app = format!("bench-{run}");
    api.create_application(&CreateApplication {
        name: app.clone(),
        description: Some("liftoff bench rollout".into()),
    })
    .await?;
    let rev = crate::client::push_revision(&api, &app, &bundle_dir, Some("bench"), None).await?;
    api.create_config(&CreateDeploymentConfig {
        name: app.clone(),
        minimum_healthy: MinimumHealthy::HostCount((hosts - window) as u32),
        zone_mode: None,
        zone_bake_secs: None,
        canary_batch_size: None,
        health_analysis: None,
    })
    .await?;
    api.create_group(
        &app,
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "fleet".into(),
            selector: [("bench".to_string(), vec![run.clone()])].into(),
            deployment_config: Some(app.clone()),
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await?;
    // Let the agents' first long polls settle in before the clock starts.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let agent_pids: Vec<String> = fleet
        .iter()
        .filter_map(|c| c.id())
        .map(|p| p.to_string())
        .collect();
    let cpu_before = (
        cpu_s("self"),
        agent_pids.iter().map(|p| cpu_s(p)).sum::<f64>(),
    );
    let t0 = chrono::Utc::now();
    let d = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: app.clone(),
                deployment_group: "fleet".into(),
                revision: rev.revision_id.to_string(),
                config: None,
                description: Some("bench".into()),
            },
            None,
        )
        .await?;
    let fin = loop {
        match scheduler
            .get_rollout_detail(d.deployment_id, RolloutDetail::Summary)
            .await
        {
            Ok(r) if r.status.is_terminal() => break r,
            Ok(_) | Err(liftoff_client::ClientError::Api { status: 404, .. }) => {}
            Err(e) => return Err(e.into()),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let wall_s = fin
        .completed_at
        .map(|t| (t - t0).num_microseconds().unwrap_or(0) as f64 / 1e6)
        .unwrap_or(0.0);
    let detail = scheduler
        .get_rollout_detail(d.deployment_id, RolloutDetail::Full)
        .await?;
    if let Ok(path) = std::env::var("LIFTOFF_BENCH_DUMP") {
        std::fs::write(path, serde_json::to_vec_pretty(&detail)?)?;
    }
    let mut host_ms: Vec<f64> = detail
        .hosts
        .iter()
        .filter_map(|h| Some((h.completed_at? - h.started_at?).num_microseconds()? as f64 / 1000.0))
        .collect();
    host_ms.sort_by(f64::total_cmp);
    let mut latencies: Vec<f64> = detail
        .hosts
        .iter()
        .filter_map(|h| {
            Some((h.started_at? - h.dispatched_at?).num_microseconds()? as f64 / 1000.0)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let control_plane_cpu_s = cpu_s("self") - cpu_before.0;
    let agents_cpu_s = agent_pids.iter().map(|p| cpu_s(p)).sum::<f64>() - cpu_before.1;
    let control_plane_peak_rss_mb = peak_rss_mb("self");
    let agents_peak_rss_mb: f64 = fleet
        .iter()
        .filter_map(|c| c.id())
        .map(|pid| peak_rss_mb(&pid.to_string()))
        .sum();
    stop_fleet(&mut fleet).await;
    running.stop().await;
    // The fleet's files are not needed for the floor (and at 10,000 hosts they take gigabytes).
    let _ = std::fs::remove_dir_all(tmp.path().join("fleet"));

    let floor_s = floor(tmp.path(), &bundle_dir, &rev.sha256, hosts, window).await?;
    let report = Report {
        hosts: args.hosts,
        zones: args.zones,
        window,
        waves,
        hook_ms: args.hook_ms,
        database: database_kind(args.database_url.as_deref()),
        status: fin.status.as_str().to_string(),
        wall_s,
        ideal_s: waves as f64 * args.hook_ms as f64 / 1000.0,
        floor_s,
        ratio_to_floor: if floor_s > 0.0 { wall_s / floor_s } else { 0.0 },
        dispatch_latency_ms_p50: percentile(&latencies, 0.50),
        dispatch_latency_ms_p99: percentile(&latencies, 0.99),
        host_ms_p50: percentile(&host_ms, 0.50),
        host_ms_p99: percentile(&host_ms, 0.99),
        control_plane_peak_rss_mb,
        agents_peak_rss_mb,
        control_plane_cpu_s,
        agents_cpu_s,
        enroll_s,
    };
    if g.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} hosts in {} zones, window {} ({} waves), hooks {} ms: {}\n  wall {:.2} s, ideal {:.2} s, floor {:.2} s, wall/floor {:.3}\n  dispatch latency p50 {:.1} ms, p99 {:.1} ms; a host's command p50 {:.0} ms, p99 {:.0} ms\n  control plane peak RSS {:.0} MiB (agents {:.0} MiB); CPU during the rollout: control plane {:.1} s, agents {:.1} s; enrollment took {:.1} s",
            report.hosts,
            report.zones,
            report.window,
            report.waves,
            report.hook_ms,
            report.status,
            report.wall_s,
            report.ideal_s,
            report.floor_s,
            report.ratio_to_floor,
            report.dispatch_latency_ms_p50,
            report.dispatch_latency_ms_p99,
            report.host_ms_p50,
            report.host_ms_p99,
            report.control_plane_peak_rss_mb,
            report.agents_peak_rss_mb,
            report.control_plane_cpu_s,
            report.agents_cpu_s,
            report.enroll_s
        );
    }
    Ok(if fin.status == RolloutStatus::Succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `postgres` or `sqlite`, from a bench's `--database-url`.
pub(crate) fn database_kind(url: Option<&str>) -> &'static str {
    if url.is_some_and(|u| u.starts_with("postgres")) {
        "postgres"
    } else {
        "sqlite"
    }
}

/// The floor: every host's work (verify and unpack the bundle into a fresh directory, install
/// its files, run its hooks as the agent does) with at most `window` hosts at once, locally.
async fn floor(
    dir: &Path,
    bundle_dir: &Path,
    sha256: &str,
    hosts: u64,
    window: u64,
) -> anyhow::Result<f64> {
    let archive = dir.join("floor-bundle.tar.gz");
    {
        let mut f = std::fs::File::create(&archive)?;
        liftoff_bundle::pack_dir_tar_gz(bundle_dir, &mut f)?;
    }
    anyhow::ensure!(
        liftoff_bundle::sha256_file(&archive)? == sha256,
        "the floor's bundle differs from the one deployed"
    );
    let archive = Arc::new(archive);
    let sha = Arc::new(sha256.to_string());
    let permits = Arc::new(tokio::sync::Semaphore::new(window as usize));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(hosts as usize);
    for i in 0..hosts {
        let permit = permits.clone().acquire_owned().await?;
        let root = dir.join(format!("floor/host-{i}"));
        let (archive, sha) = (archive.clone(), sha.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            one_host(&root, &archive, &sha).await
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(started.elapsed().as_secs_f64())
}

async fn one_host(root: &Path, archive: &Path, sha: &str) -> anyhow::Result<()> {
    let work = root.join("deployment");
    let (r, a, s, w) = (
        root.to_path_buf(),
        archive.to_path_buf(),
        sha.to_string(),
        work.clone(),
    );
    let spec: AppSpec = tokio::task::spawn_blocking(move || -> anyhow::Result<AppSpec> {
        std::fs::create_dir_all(&r)?;
        let bundle = w.join("archive");
        liftoff_bundle::unpack(&a, &s, &bundle, &UnpackLimits::default())?;
        let spec = liftoff_bundle::load_appspec(&bundle)?;
        liftoff_bundle::install::install_files(&spec, &bundle, &r, &[])?;
        Ok(spec)
    })
    .await??;
    let bundle: PathBuf = work.join("archive");
    std::fs::create_dir_all(work.join("logs"))?;
    for event in HOOKS {
        let script = bundle.join(format!("scripts/{event}.sh"));
        let mut inv = HookInvocation::new(
            script,
            bundle.clone(),
            work.join(format!("logs/{event}.log")),
            Duration::from_secs(60),
        );
        inv.env = vec![("LIFECYCLE_EVENT".into(), event.into())];
        let outcome = run_hook(&inv).await;
        anyhow::ensure!(
            outcome.status == liftoff_agent::hook::HookStatus::Succeeded,
            "floor hook {event} failed: {outcome:?}"
        );
    }
    drop(spec);
    Ok(())
}
