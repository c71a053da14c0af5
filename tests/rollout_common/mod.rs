//! What the rollout tests share: simulated fleets (`liftoff agent --simulate`, the real agent
//! code), an application with a group, bundles with hooks, and waiting on deployments.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use liftoff_client::{DeploymentApiClient, RegistryClient};
use liftoff_testkit::{wait_for, write_bundle};
use liftoff_types::deployments::*;
use liftoff_types::registry::Host;
use tokio::process::Child;

pub const BIN: &str = env!("CARGO_BIN_EXE_liftoff");

/// A `liftoff agent --simulate N` process: N hosts named `<name>-sim-<i>`, rooted at
/// `<root>/sim-<i>`.
pub struct Sim {
    pub child: Child,
    pub root: PathBuf,
    pub name: String,
    pub n: usize,
}

impl Sim {
    /// `urls`: extra agent flags, e.g. `--scheduler-url`.
    #[allow(clippy::too_many_arguments)]
    pub fn spawn(
        server: &str,
        urls: &[&str],
        token: &str,
        zone: &str,
        tags: &[(&str, &str)],
        root: &Path,
        name: &str,
        n: usize,
    ) -> Self {
        std::fs::create_dir_all(root).unwrap();
        let log = std::fs::File::create(root.with_extension("log")).unwrap();
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(["agent", "--server", server])
            .args(urls)
            .args(["--enroll-token", token, "--zone", zone, "--poll-wait", "5"])
            .args(["--hostname", name, "--simulate", &n.to_string()])
            .arg("--root")
            .arg(root);
        for (k, v) in tags {
            cmd.arg("--tag").arg(format!("{k}={v}"));
        }
        let child = cmd
            .env(
                "RUST_LOG",
                std::env::var("SIM_LOG").unwrap_or("info".into()),
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        Self {
            child,
            root: root.to_path_buf(),
            name: name.to_string(),
            n,
        }
    }

    pub fn root_of(&self, i: usize) -> PathBuf {
        self.root.join(format!("sim-{i}"))
    }

    pub fn host_name(&self, i: usize) -> String {
        format!("{}-sim-{i}", self.name)
    }

    /// The root of the simulated host registered as `name`.
    pub fn root_by_name(&self, name: &str) -> Option<PathBuf> {
        (0..self.n)
            .find(|i| self.host_name(*i) == name)
            .map(|i| self.root_of(i))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.with_extension("log")).unwrap_or_default()
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        let pid = self.child.id().unwrap() as i32;
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig).unwrap();
    }
}

/// Waits until the registry lists `n` hosts with tag `key=value`.
pub async fn wait_hosts(reg: &RegistryClient, key: &str, value: &str, n: usize) -> Vec<Host> {
    let sel = vec![(key.to_string(), value.to_string())];
    wait_for(
        &format!("{n} hosts with {key}={value} to enroll"),
        Duration::from_secs(90),
        || {
            let (reg, sel) = (reg.clone(), sel.clone());
            async move {
                let hosts = reg.list_hosts(&sel, None).await.ok()?.hosts;
                (hosts.len() >= n).then_some(hosts)
            }
        },
    )
    .await
}

pub async fn setup(
    api: &DeploymentApiClient,
    app: &str,
    selector: (&str, &str),
    config: &str,
    auto_rollback: bool,
    policy: ConcurrencyPolicy,
) {
    match api
        .create_application(&CreateApplication {
            name: app.into(),
            description: None,
        })
        .await
    {
        Ok(_) | Err(liftoff_client::ClientError::Api { status: 409, .. }) => {}
        Err(e) => panic!("create app: {e}"),
    }
    api.create_group(
        app,
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "web".into(),
            selector: BTreeMap::from([(selector.0.to_string(), vec![selector.1.to_string()])]),
            deployment_config: Some(config.into()),
            auto_rollback: Some(auto_rollback),
            concurrency_policy: Some(policy),
            stage: None,
            health_analysis: None,
        },
    )
    .await
    .expect("create group");
}

/// Pushes a bundle whose hooks are `scripts` (event, shell body).
pub async fn push(
    api: &DeploymentApiClient,
    dir: &Path,
    app: &str,
    name: &str,
    scripts: &[(&str, &str)],
) -> Revision {
    let bundle = dir.join(format!("bundle-{app}-{name}"));
    write_bundle(&bundle, name, scripts).unwrap();
    // Each application installs to its own directory, so several can share hosts.
    let spec = std::fs::read_to_string(bundle.join("appspec.yml")).unwrap();
    std::fs::write(
        bundle.join("appspec.yml"),
        spec.replace("destination: /opt/app", &format!("destination: /opt/{app}")),
    )
    .unwrap();
    let archive = dir.join(format!("{app}-{name}.tar.gz"));
    liftoff_testkit::pack(&bundle, &archive).unwrap();
    api.push_revision(app, &archive, Some(name), None, None)
        .await
        .expect("push revision")
}

pub async fn deploy(api: &DeploymentApiClient, app: &str, rev: &Revision) -> Deployment {
    api.create_deployment(
        &CreateDeployment {
            file_exists_behavior: None,
            application: app.into(),
            deployment_group: "web".into(),
            revision: rev.revision_id.to_string(),
            config: None,
            description: None,
        },
        None,
    )
    .await
    .expect("create deployment")
}

/// Waits until deployment `id` satisfies `ok`.
pub async fn wait_until<F>(
    api: &DeploymentApiClient,
    id: uuid::Uuid,
    what: &str,
    secs: u64,
    ok: F,
) -> Deployment
where
    F: Fn(&Deployment) -> bool,
{
    let ok = &ok;
    wait_for(what, Duration::from_secs(secs), || {
        let api = api.clone();
        async move { api.get_deployment(id).await.ok().filter(|d| ok(d)) }
    })
    .await
}

pub async fn wait_done(api: &DeploymentApiClient, id: uuid::Uuid, secs: u64) -> Deployment {
    wait_until(api, id, "the deployment to finish", secs, |d| {
        d.status.is_terminal()
    })
    .await
}

/// Records every hook run: `<root>/runs.log` gets `<deployment> <event>` per run.
pub const RECORD: &str = "echo \"$DEPLOYMENT_ID $LIFECYCLE_EVENT\" >> \"$LIFTOFF_ROOT/runs.log\"";

/// Lines of a host's `runs.log` for `deployment`.
pub fn runs(root: &Path, deployment: uuid::Uuid) -> Vec<String> {
    std::fs::read_to_string(root.join("runs.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with(&deployment.to_string()))
        .map(str::to_string)
        .collect()
}

/// Runs the `liftoff` CLI against `url` with `--json`; returns its exit success and stdout
/// parsed as JSON.
pub async fn cli(url: &str, token: &str, args: &[&str]) -> (bool, serde_json::Value) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .arg("--json")
        .env("LIFTOFF_URL", url)
        .env("LIFTOFF_TOKEN", token)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("liftoff {args:?}: not one JSON document ({e}): {text}"));
    (out.status.success(), json)
}
