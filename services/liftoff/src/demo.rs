//! `liftoff demo`: the control plane on embedded SQLite, real agent processes (one root each,
//! spread over zones), a sample application with real hook scripts, v1 then v2 rolled out.

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use liftoff_client::{Client, ClientError, DeploymentApiClient, HistoryClient, RegistryClient};
use liftoff_platform::{ServiceSettings, UpConfig};
use liftoff_types::deployments::*;
use liftoff_types::registry::CreateEnrollmentToken;
use tokio::process::Child;

use crate::cli::Global;

const APP: &str = "sample";
const GROUP: &str = "web";

/// Writes the sample bundle for `version` into `dir`.
pub fn write_sample_bundle(dir: &Path, version: &str) -> anyhow::Result<()> {
    let scripts = dir.join("scripts");
    std::fs::create_dir_all(&scripts)?;
    std::fs::create_dir_all(dir.join("app"))?;
    std::fs::write(
        dir.join("appspec.yml"),
        "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/sample\nhooks:\n  ApplicationStop:\n    - location: scripts/stop.sh\n      timeout: 30\n  BeforeInstall:\n    - location: scripts/before_install.sh\n      timeout: 60\n  AfterInstall:\n    - location: scripts/after_install.sh\n      timeout: 60\n  ApplicationStart:\n    - location: scripts/start.sh\n      timeout: 60\n  ValidateService:\n    - location: scripts/validate.sh\n      timeout: 30\n",
    )?;
    std::fs::write(dir.join("app/VERSION"), format!("{version}\n"))?;
    std::fs::write(
        dir.join("app/index.html"),
        format!("<h1>sample {version}</h1>\n"),
    )?;
    let header = "#!/bin/sh\nset -eu\nRUN=\"$LIFTOFF_INSTALL_ROOT/var/run/sample\"\nmkdir -p \"$RUN\"\necho \"$LIFECYCLE_EVENT of $APPLICATION_NAME/$DEPLOYMENT_GROUP_NAME, deployment $DEPLOYMENT_ID\"\n";
    let bodies = [
        ("stop.sh", "rm -f \"$RUN/running\"\necho stopped\n".to_string()),
        ("before_install.sh", "sleep 0.2\necho preparing\n".to_string()),
        ("after_install.sh", "test -f \"$LIFTOFF_INSTALL_ROOT/opt/sample/VERSION\"\necho installed \"$(cat \"$LIFTOFF_INSTALL_ROOT/opt/sample/VERSION\")\"\n".to_string()),
        ("start.sh", "cp \"$LIFTOFF_INSTALL_ROOT/opt/sample/VERSION\" \"$RUN/running\"\nsleep 0.2\necho started\n".to_string()),
        ("validate.sh", format!("test \"$(cat \"$RUN/running\")\" = \"{version}\"\necho serving {version}\n")),
    ];
    for (name, body) in bodies {
        let path = scripts.join(name);
        std::fs::write(&path, format!("{header}{body}"))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// Creates the object, or takes the existing one (the demo can run again on the same data).
async fn or_existing<T, F>(created: Result<T, ClientError>, existing: F) -> anyhow::Result<T>
where
    F: std::future::Future<Output = Result<T, ClientError>>,
{
    match created {
        Ok(v) => Ok(v),
        Err(ClientError::Api { status: 409, .. }) => Ok(existing.await?),
        Err(e) => Err(e.into()),
    }
}

struct Agents(Vec<Child>);

impl Agents {
    async fn stop(mut self) {
        for c in &mut self.0 {
            if let Some(pid) = c.id() {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid as i32),
                    nix::sys::signal::Signal::SIGTERM,
                );
            }
        }
        for c in &mut self.0 {
            if tokio::time::timeout(Duration::from_secs(15), c.wait())
                .await
                .is_err()
            {
                let _ = c.kill().await;
            }
        }
    }
}

fn spawn_agents(
    url: &str,
    token: &str,
    hosts: usize,
    zones: usize,
    data: &Path,
) -> anyhow::Result<Agents> {
    let exe = std::env::current_exe()?;
    let logs = data.join("demo/logs");
    std::fs::create_dir_all(&logs)?;
    let mut children = Vec::new();
    for i in 0..hosts {
        let zone = format!("zone-{}", (b'a' + (i % zones) as u8) as char);
        // Each host's state and installed files live under its own directory, as if it were `/`.
        let root = data.join(format!("demo/hosts/host-{i}"));
        std::fs::create_dir_all(&root)?;
        let log = std::fs::File::create(logs.join(format!("host-{i}.log")))?;
        let child = tokio::process::Command::new(&exe)
            // In the environment, not the arguments: those are readable by every local user.
            .env("LIFTOFF_ENROLL_TOKEN", token)
            .args([
                "agent",
                "--server",
                url,
                "--zone",
                &zone,
                "--tag",
                "app=sample",
                "--tag",
                "role=web",
            ])
            .arg("--root")
            .arg(&root)
            .arg("--install-root")
            .arg(&root)
            .args(["--hostname", &format!("demo-host-{i}"), "--poll-wait", "10"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?;
        children.push(child);
    }
    Ok(Agents(children))
}

pub async fn run(
    g: &Global,
    hosts: usize,
    zones: usize,
    exit: bool,
    listen: SocketAddr,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!((1..=200).contains(&hosts), "--hosts must be 1 to 200");
    anyhow::ensure!((1..=26).contains(&zones), "--zones must be 1 to 26");
    let started = Instant::now();
    let running = liftoff_platform::up(UpConfig {
        listen,
        data_dir: g.data_dir.clone(),
        database_url: None,
        settings: ServiceSettings::default(),
    })
    .await?;
    let token_path = liftoff_platform::admin_token_path(&g.data_dir);
    let token = std::fs::read_to_string(&token_path)?.trim().to_string();
    let client = Client::new(&running.url, Some(token))?;
    let api = DeploymentApiClient::new(client.clone());
    let registry = RegistryClient::new(client.clone());
    println!(
        "control plane up at {} (data in {})",
        running.url,
        g.data_dir.display()
    );
    println!(
        "watch it live: {}/ (console; sign in with the token in {})",
        running.url,
        token_path.display()
    );

    let enroll = registry
        .create_enrollment_token(&CreateEnrollmentToken {
            ttl_secs: Some(3600),
            ..Default::default()
        })
        .await?;
    let agents = spawn_agents(
        &running.url,
        enroll.token.as_deref().unwrap_or_default(),
        hosts,
        zones,
        &g.data_dir,
    )?;
    let result = drive(g, &api, &registry, &client, hosts, zones, started).await;
    match (&result, exit) {
        (Ok(_), false) => {
            println!("\nliftoff is running at {}", running.url);
            println!("admin token: {}", token_path.display());
            println!("console: {}/", running.url);
            println!(
                "try: LIFTOFF_DATA_DIR={} liftoff hosts",
                g.data_dir.display()
            );
            println!("press Ctrl-C to stop");
            crate::server::shutdown_signal().await;
        }
        (Err(e), _) => eprintln!("demo failed: {e:#}"),
        _ => {}
    }
    agents.stop().await;
    running.stop().await;
    result.map(|ok| {
        if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    })
}

/// Waits for the hosts, then rolls out v1 and v2. Ok(false) if a deployment failed.
async fn drive(
    g: &Global,
    api: &DeploymentApiClient,
    registry: &RegistryClient,
    client: &Client,
    hosts: usize,
    zones: usize,
    started: Instant,
) -> anyhow::Result<bool> {
    let selector = [("role".to_string(), "web".to_string())];
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let live = registry
            .list_hosts(&selector, None)
            .await?
            .hosts
            .into_iter()
            .filter(|h| h.state.as_str() == "InService")
            .count();
        if live >= hosts {
            println!("{live} agents enrolled across {zones} zones");
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {live} of {hosts} agents enrolled within 60 s (logs in {}/demo/logs)",
            g.data_dir.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    or_existing(
        api.create_application(&CreateApplication {
            name: APP.into(),
            description: Some("Liftoff demo".into()),
        })
        .await,
        api.get_application(APP),
    )
    .await?;
    let group = CreateDeploymentGroup {
        traffic_hooks: None,
        name: GROUP.into(),
        selector: [("role".to_string(), vec!["web".to_string()])]
            .into_iter()
            .collect(),
        deployment_config: Some("HalfAtATime".into()),
        auto_rollback: Some(false),
        concurrency_policy: None,
        stage: None,
        health_analysis: None,
    };
    or_existing(
        api.create_group(APP, &group).await,
        api.get_group(APP, GROUP),
    )
    .await?;

    let mut summary = Vec::new();
    for version in ["v1", "v2"] {
        let dir = g.data_dir.join(format!("demo/bundles/{version}"));
        write_sample_bundle(&dir, version)?;
        let rev = crate::client::push_revision(api, APP, &dir, Some(version), None).await?;
        println!(
            "\npushed {APP} {version} as revision {} (sha256 {}…)",
            rev.revision_id,
            &rev.sha256[..12]
        );
        let d = api
            .create_deployment(
                &CreateDeployment {
                    file_exists_behavior: None,
                    application: APP.into(),
                    deployment_group: GROUP.into(),
                    revision: rev.revision_id.to_string(),
                    config: None,
                    description: Some(format!("demo {version}")),
                },
                None,
            )
            .await?;
        println!(
            "deploying {version} to {hosts} hosts, half at a time, zones striped: deployment {}",
            d.deployment_id
        );
        let fin = crate::progress::watch(api, d.deployment_id, true).await?;
        println!("deployment {} {}", d.deployment_id, fin.status.as_str());
        if fin.status != DeploymentStatus::Succeeded {
            println!("{}", crate::progress::describe(&fin));
            return Ok(false);
        }
        summary.push((version, d.deployment_id, rev.revision_id, fin));
    }

    // History learns of each host's revision through the outbox; wait for it to catch up.
    let history = HistoryClient::new(client.clone());
    let v2 = summary.last().map(|s| s.2);
    let deadline = Instant::now() + Duration::from_secs(30);
    let running_on = loop {
        let l = history.host_revisions(Some(APP), None).await?;
        if l.hosts.iter().filter(|h| Some(h.revision_id) == v2).count() >= hosts
            || Instant::now() > deadline
        {
            break l;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let all = registry.list_hosts(&selector, None).await?.hosts;
    println!(
        "\n=== summary ({:.1} s) ===",
        started.elapsed().as_secs_f64()
    );
    for (version, dep, rev, fin) in &summary {
        println!(
            "{version}: deployment {dep} revision {rev}: {} ({} hosts succeeded)",
            fin.status.as_str(),
            fin.overview.succeeded
        );
    }
    for h in &all {
        let rev = running_on.hosts.iter().find(|r| r.host_id == h.host_id);
        let label = rev
            .map(|r| {
                summary
                    .iter()
                    .find(|s| s.2 == r.revision_id)
                    .map(|s| s.0)
                    .unwrap_or("other")
            })
            .unwrap_or("none");
        println!(
            "  {} {:12} {:7} runs {label}{}",
            h.host_id,
            h.name,
            h.zone,
            rev.map(|r| format!(" (revision {}, since {})", r.revision_id, r.since))
                .unwrap_or_default()
        );
    }
    Ok(true)
}
