//! `liftoff bench throughput`: many small deployments at once, the way a company of teams
//! deploys. G applications, each with its own group of H simulated hosts (one `liftoff agent
//! --simulate H` process per group, the real agent code running real hook processes), each
//! owned by a team; every group runs one deployment after another for D seconds, each watched
//! by polling `GET /v1/deployments/{id}` as a user's script would. It reports deployments
//! finished per second, the latency from `POST /v1/deployments` to `Succeeded` as the watcher
//! saw it, the control plane's CPU, and every failure by its cause. A benchmark, not a test: it
//! reports and asserts nothing.

use std::collections::BTreeMap;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use liftoff_client::{Client, ClientError, DeploymentApiClient, RegistryClient};
use liftoff_platform::ServiceSettings;
use liftoff_types::deployments::*;
use liftoff_types::registry::CreateEnrollmentToken;
use liftoff_types::tokens::{CreateTeam, CreateToken, TeamRole};
use serde::Serialize;
use tokio::process::Child;
use tokio::sync::Mutex;

use crate::bench::{cpu_s, peak_rss_mb, percentile, stop_fleet, write_bundle};
use crate::cli::{BenchThroughputArgs, Global};

#[derive(Debug, Serialize)]
pub struct Report {
    pub apps: usize,
    pub hosts_per_app: usize,
    pub teams: usize,
    pub seconds: u64,
    pub hook_ms: u64,
    pub poll_ms: u64,
    pub database: &'static str,
    /// Deployments that reached `Succeeded`, per second of the run (its tail included).
    pub deployments_per_s: f64,
    pub deployments_succeeded: usize,
    /// From sending `POST /v1/deployments` to the watcher reading `Succeeded`.
    pub latency_p50_s: f64,
    pub latency_p99_s: f64,
    /// The same span by the server's own clock (`completed_at - created_at`): what the
    /// control plane and the hosts took, without the watcher's polling interval.
    pub server_latency_p50_s: f64,
    pub server_latency_p99_s: f64,
    /// CPU seconds (user + system) of the control plane during the run, and per deployment.
    pub control_plane_cpu_s: f64,
    pub control_plane_cpu_ms_per_deployment: f64,
    pub control_plane_peak_rss_mb: f64,
    pub agents_cpu_s: f64,
    /// Requests the watchers and creators sent, and how many were refused with 429.
    pub requests: u64,
    /// Every failure by cause: a deployment that ended `Failed`/`Stopped` (by its error code),
    /// or a request that was refused (`http_<status>`) or could not be sent (`transport`).
    pub failures: BTreeMap<String, u64>,
    pub wall_s: f64,
    /// Requests the control plane's services received per succeeded deployment, by
    /// `METHOD route` (from `liftoff_http_requests_total`, peers' calls and the agents'
    /// included): where a deployment's calls go.
    pub requests_per_deployment: BTreeMap<String, f64>,
}

#[derive(Default)]
struct Tally {
    latencies: Vec<f64>,
    server_latencies: Vec<f64>,
    failures: BTreeMap<String, u64>,
    requests: u64,
}

impl Tally {
    fn fail(&mut self, cause: impl Into<String>) {
        *self.failures.entry(cause.into()).or_default() += 1;
    }
}

fn cause_of(e: &ClientError) -> String {
    match e.status() {
        Some(s) => format!("http_{s}"),
        None => "transport".into(),
    }
}

/// One group's agent process: `--simulate H` hosts tagged `grp=<group>`.
fn spawn_group(
    dir: &std::path::Path,
    url: &str,
    enroll_token: &str,
    run: &str,
    group: usize,
    hosts: usize,
) -> anyhow::Result<Child> {
    let exe = std::env::current_exe()?;
    let root = dir.join(format!("fleet/g{group}"));
    std::fs::create_dir_all(&root)?;
    let log = std::fs::File::create(dir.join(format!("fleet/g{group}.log")))?;
    Ok(tokio::process::Command::new(exe)
        .env("LIFTOFF_ENROLL_TOKEN", enroll_token)
        .args(["agent", "--server", url])
        .args(["--zone", &format!("zone-{}", group % 3)])
        .args(["--tag", &format!("bench={run}")])
        .args(["--tag", &format!("grp=g{group}")])
        .arg("--root")
        .arg(&root)
        .args(["--simulate", &hosts.to_string()])
        .args(["--hostname", &format!("tp-{group}")])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?)
}

/// One group's loop: deploy, watch until the end, again, until `until`.
async fn drive_group(
    api: DeploymentApiClient,
    app: String,
    revision: String,
    poll: Duration,
    until: Instant,
    tally: Arc<Mutex<Tally>>,
) {
    while Instant::now() < until {
        let started = Instant::now();
        let created = api
            .create_deployment(
                &CreateDeployment {
                    file_exists_behavior: None,
                    application: app.clone(),
                    deployment_group: "g".into(),
                    revision: revision.clone(),
                    config: None,
                    description: None,
                },
                None,
            )
            .await;
        tally.lock().await.requests += 1;
        let d = match created {
            Ok(d) => d,
            Err(e) => {
                let mut t = tally.lock().await;
                t.fail(format!("create_{}", cause_of(&e)));
                drop(t);
                // Back off as the server asks (a 429's Retry-After is whole seconds).
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let end = loop {
            tokio::time::sleep(poll).await;
            let r = api.get_deployment(d.deployment_id).await;
            let mut t = tally.lock().await;
            t.requests += 1;
            match r {
                Ok(now) if now.status.is_terminal() => break Some(now),
                Ok(_) => {}
                Err(e) => t.fail(format!("watch_{}", cause_of(&e))),
            }
            drop(t);
            // A deployment that never ends is a failure of its own, not a hang of the bench.
            if started.elapsed() > Duration::from_secs(120) {
                break None;
            }
        };
        let mut t = tally.lock().await;
        match end {
            Some(now) if now.status == DeploymentStatus::Succeeded => {
                t.latencies.push(started.elapsed().as_secs_f64());
                if let Some(done) = now.completed_at {
                    let s = (done - now.created_at).num_microseconds().unwrap_or(0) as f64 / 1e6;
                    t.server_latencies.push(s);
                }
            }
            Some(now) => {
                let code = now
                    .error
                    .map(|e| e.code)
                    .unwrap_or_else(|| now.status.as_str().to_string());
                t.fail(format!("{}_{code}", now.status.as_str()));
            }
            None => t.fail("not_finished_in_120s"),
        }
    }
}

/// `liftoff_http_requests_total` summed over statuses, by `METHOD route`; empty if `/metrics`
/// cannot be read (the breakdown is a help, not the measurement).
async fn requests_by_route(url: &str) -> BTreeMap<String, f64> {
    let Ok(text) = async { reqwest::get(format!("{url}/metrics")).await?.text().await }.await
    else {
        return BTreeMap::new();
    };
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let Some(labels) = line.strip_prefix("liftoff_http_requests_total{") else {
            continue;
        };
        let label = |k: &str| {
            labels
                .split(&format!("{k}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_default()
                .to_string()
        };
        let Some(n) = line.rsplit(' ').next().and_then(|n| n.parse::<f64>().ok()) else {
            continue;
        };
        *counts
            .entry(format!("{} {}", label("method"), label("route")))
            .or_default() += n;
    }
    counts
}

pub async fn throughput(g: &Global, args: BenchThroughputArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!((1..=2000).contains(&args.apps), "--apps must be 1 to 2000");
    anyhow::ensure!(
        (1..=100).contains(&args.hosts_per_app),
        "--hosts-per-app must be 1 to 100"
    );
    anyhow::ensure!(
        (1..=3600).contains(&args.seconds),
        "--seconds must be 1 to 3600"
    );
    anyhow::ensure!(
        (10..=10_000).contains(&args.poll_ms),
        "--poll-ms must be 10 to 10000"
    );
    let teams = args.teams.unwrap_or(args.apps);
    anyhow::ensure!(
        (1..=args.apps).contains(&teams),
        "--teams must be 1 to --apps ({})",
        args.apps
    );
    let tmp = tempfile::tempdir()?;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let bundle_dir = tmp.path().join("bundle");
    write_bundle(&bundle_dir, args.hook_ms)?;

    let (running, admin_token, _database) = crate::bench::start_control_plane(
        tmp.path(),
        args.database_url.clone(),
        ServiceSettings {
            scheduler: liftoff_scheduler::Config::from_env(),
            ..ServiceSettings::default()
        },
    )
    .await?;
    let admin = DeploymentApiClient::new(Client::new(&running.url, Some(admin_token))?);

    // Each team with its own admin token (deployers of their own applications).
    let mut team_apis = Vec::with_capacity(teams);
    for t in 0..teams {
        let name = format!("team-{t}");
        admin
            .create_team(&CreateTeam {
                name: name.clone(),
                description: Some("liftoff bench throughput".into()),
            })
            .await?;
        let token = admin
            .create_token(
                &name,
                &CreateToken {
                    role: TeamRole::Admin,
                    ttl_secs: Some(24 * 3600),
                    subject: Some(format!("bench-{t}")),
                    description: None,
                    platform: false,
                },
            )
            .await?
            .token;
        team_apis.push((
            DeploymentApiClient::new(Client::new(&running.url, Some(token.clone()))?),
            RegistryClient::new(Client::new(&running.url, Some(token))?),
        ));
    }

    let enroll_started = Instant::now();
    std::fs::create_dir_all(tmp.path().join("fleet"))?;
    let mut fleet = Vec::with_capacity(args.apps);
    for i in 0..args.apps {
        let (_, reg) = &team_apis[i % teams];
        let enroll = reg
            .create_enrollment_token(&CreateEnrollmentToken {
                ttl_secs: Some(3600),
                uses: Some(args.hosts_per_app as u32),
                ..Default::default()
            })
            .await?;
        fleet.push(spawn_group(
            tmp.path(),
            &running.url,
            enroll.token.as_deref().unwrap_or_default(),
            &run,
            i,
            args.hosts_per_app,
        )?);
    }
    let want = args.apps * args.hosts_per_app;
    let selector = [("bench".to_string(), run.clone())];
    let deadline = Instant::now() + Duration::from_secs(60 + want as u64 / 20);
    loop {
        let mut live = 0;
        for (_, reg) in &team_apis {
            live += reg.list_hosts(&selector, None).await?.hosts.len();
        }
        if live >= want {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {live} of {want} simulated hosts enrolled in time (logs in {})",
            tmp.path().display()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let enroll_s = enroll_started.elapsed().as_secs_f64();

    let mut groups = Vec::with_capacity(args.apps);
    for i in 0..args.apps {
        let (api, _) = &team_apis[i % teams];
        let app = format!("tp-{i}");
        api.create_application(&CreateApplication {
            name: app.clone(),
            description: Some("liftoff bench throughput".into()),
        })
        .await?;
        let rev = crate::client::push_revision(api, &app, &bundle_dir, Some("bench"), None).await?;
        api.create_group(
            &app,
            &CreateDeploymentGroup {
                traffic_hooks: None,
                name: "g".into(),
                selector: [("grp".to_string(), vec![format!("g{i}")])].into(),
                deployment_config: None,
                auto_rollback: None,
                concurrency_policy: None,
                stage: None,
                health_analysis: None,
            },
        )
        .await?;
        groups.push((api.clone(), app, rev.revision_id.to_string()));
    }
    // Let the agents' long polls settle in before the clock starts.
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
    let requests_before = requests_by_route(&running.url).await;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(args.seconds);
    let poll = Duration::from_millis(args.poll_ms);
    let tasks: Vec<_> = groups
        .into_iter()
        .map(|(api, app, rev)| tokio::spawn(drive_group(api, app, rev, poll, until, tally.clone())))
        .collect();
    for t in tasks {
        t.await?;
    }
    let wall_s = t0.elapsed().as_secs_f64();
    let control_plane_cpu_s = cpu_s("self") - cpu_before.0;
    let agents_cpu_s = agent_pids.iter().map(|p| cpu_s(p)).sum::<f64>() - cpu_before.1;
    let control_plane_peak_rss_mb = peak_rss_mb("self");
    let mut requests_after = requests_by_route(&running.url).await;
    stop_fleet(&mut fleet).await;
    running.stop().await;

    let mut t = Arc::try_unwrap(tally)
        .map_err(|_| anyhow::anyhow!("a group's task outlived the run"))?
        .into_inner();
    t.latencies.sort_by(f64::total_cmp);
    t.server_latencies.sort_by(f64::total_cmp);
    let ok = t.latencies.len();
    let report = Report {
        apps: args.apps,
        hosts_per_app: args.hosts_per_app,
        teams,
        seconds: args.seconds,
        hook_ms: args.hook_ms,
        poll_ms: args.poll_ms,
        database: crate::bench::database_kind(args.database_url.as_deref()),
        deployments_per_s: ok as f64 / wall_s,
        deployments_succeeded: ok,
        latency_p50_s: percentile(&t.latencies, 0.50),
        latency_p99_s: percentile(&t.latencies, 0.99),
        server_latency_p50_s: percentile(&t.server_latencies, 0.50),
        server_latency_p99_s: percentile(&t.server_latencies, 0.99),
        control_plane_cpu_s,
        control_plane_cpu_ms_per_deployment: if ok > 0 {
            control_plane_cpu_s * 1000.0 / ok as f64
        } else {
            0.0
        },
        control_plane_peak_rss_mb,
        agents_cpu_s,
        requests: t.requests,
        failures: t.failures,
        wall_s,
        requests_per_deployment: {
            for (route, n) in &requests_before {
                if let Some(after) = requests_after.get_mut(route) {
                    *after -= n;
                }
            }
            requests_after
                .into_iter()
                .filter(|(_, n)| *n > 0.0)
                .map(|(route, n)| (route, n / ok.max(1) as f64))
                .collect()
        },
    };
    if g.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        let failures: u64 = report.failures.values().sum();
        println!(
            "{} groups of {} hosts ({} teams), hooks {} ms, watched every {} ms, {} s on {}; enrollment took {enroll_s:.1} s\n  {:.1} deployments/s ({} succeeded in {:.1} s), latency p50 {:.2} s, p99 {:.2} s (server p50 {:.2} s, p99 {:.2} s)\n  control plane CPU {:.1} s ({:.1} ms per deployment), peak RSS {:.0} MiB; agents CPU {:.1} s; {} requests; failures {failures}: {:?}",
            report.apps,
            report.hosts_per_app,
            report.teams,
            report.hook_ms,
            report.poll_ms,
            report.seconds,
            report.database,
            report.deployments_per_s,
            report.deployments_succeeded,
            report.wall_s,
            report.latency_p50_s,
            report.latency_p99_s,
            report.server_latency_p50_s,
            report.server_latency_p99_s,
            report.control_plane_cpu_s,
            report.control_plane_cpu_ms_per_deployment,
            report.control_plane_peak_rss_mb,
            report.agents_cpu_s,
            report.requests,
            report.failures,
        );
    }
    Ok(if report.failures.is_empty() && ok > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
