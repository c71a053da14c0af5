//! Real `liftoff agent` processes with any flags (a state root and an install root apart,
//! simulated fleets, restarts on the same root, `kill -9`), bundles with any hooks, and the
//! deploy-and-wait steps agent tests repeat.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use liftoff_types::deployments::{
    CreateApplication, CreateDeployment, CreateDeploymentGroup, Deployment, Revision,
};
use liftoff_types::registry::Host;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::{AgentProcess, TestPlatform};

/// How to start one agent process.
#[derive(Debug, Clone)]
pub struct AgentOptions {
    pub server: String,
    pub token: String,
    /// One zone, or several with `--simulate`.
    pub zones: Vec<String>,
    pub tags: Vec<(String, String)>,
    /// `--root`: the agent's state.
    pub root: PathBuf,
    /// `--install-root`: where appspec `files` go (and `$LIFTOFF_INSTALL_ROOT`).
    pub install_root: PathBuf,
    pub poll_wait_secs: u64,
    /// More flags, e.g. `["--simulate", "200"]` or `["--scheduler-url", url]`.
    pub args: Vec<String>,
    /// More environment, e.g. `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub env: Vec<(String, String)>,
}

impl AgentOptions {
    /// One agent whose state and installed files share `root` (the layout tests read back).
    pub fn new(server: &str, token: &str, zone: &str, root: &Path) -> Self {
        Self {
            server: server.to_string(),
            token: token.to_string(),
            zones: vec![zone.to_string()],
            tags: Vec::new(),
            root: root.to_path_buf(),
            install_root: root.to_path_buf(),
            poll_wait_secs: 5,
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    pub fn tag(mut self, k: &str, v: &str) -> Self {
        self.tags.push((k.to_string(), v.to_string()));
        self
    }

    pub fn arg(mut self, a: impl Into<String>) -> Self {
        self.args.push(a.into());
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.to_string(), v.to_string()));
        self
    }
}

impl AgentProcess {
    /// Starts `bin agent` (or the `liftoff-agent` binary) with `opts`. Output is appended to `<root>.log`, so a restarted agent
    /// on the same root keeps one log.
    pub fn start(bin: &Path, opts: &AgentOptions) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&opts.root)?;
        std::fs::create_dir_all(&opts.install_root)?;
        let log = opts.root.with_extension("log");
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        let mut cmd = tokio::process::Command::new(bin);
        // `liftoff agent ...`, or the slim `liftoff-agent ...`.
        if bin.file_name().is_some_and(|n| n == "liftoff") {
            cmd.arg("agent");
        }
        // The documented way: in the environment, never in the arguments (an empty `token`:
        // the test passes it its own way in `args`).
        if !opts.token.is_empty() {
            cmd.env("LIFTOFF_ENROLL_TOKEN", &opts.token);
        }
        cmd.args(["--server", &opts.server])
            .args(["--poll-wait", &opts.poll_wait_secs.to_string()])
            .arg("--root")
            .arg(&opts.root)
            .arg("--install-root")
            .arg(&opts.install_root);
        for z in &opts.zones {
            cmd.args(["--zone", z]);
        }
        for (k, v) in &opts.tags {
            cmd.arg("--tag").arg(format!("{k}={v}"));
        }
        cmd.args(&opts.args);
        cmd.envs(opts.env.iter().map(|(k, v)| (k, v)));
        let child = cmd
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true)
            .spawn()?;
        Ok(Self {
            child,
            root: opts.root.clone(),
            install_root: opts.install_root.clone(),
            log,
        })
    }

    /// `kill -9`, then reap.
    pub async fn kill9(&mut self) {
        if let Some(pid) = self.pid() {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = self.child.wait().await;
    }

    /// SIGTERM without waiting.
    pub fn sigterm(&self) {
        if let Some(pid) = self.pid() {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
        }
    }

    /// Waits up to `within` for the process to exit on its own; its exit code if it did.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<Option<i32>> {
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(Ok(status)) => Some(status.code()),
            _ => None,
        }
    }

    /// The agent's state directory (`<root>/var/lib/liftoff-agent`).
    pub fn state_dir(&self) -> PathBuf {
        self.root.join("var/lib/liftoff-agent")
    }
}

/// One hook script of a [`TestBundle`].
#[derive(Debug, Clone)]
pub struct TestHook {
    pub event: String,
    /// Shell commands; the script is `#!/bin/sh`, `set -eu`, then this.
    pub body: String,
    pub timeout_secs: u64,
    pub runas: Option<String>,
    /// File mode of the script (0755 unless a test wants it otherwise).
    pub mode: u32,
    /// Named in the appspec but not written into the bundle.
    pub missing: bool,
}

impl TestHook {
    pub fn new(event: &str, body: &str) -> Self {
        Self {
            event: event.to_string(),
            body: body.to_string(),
            timeout_secs: 60,
            runas: None,
            mode: 0o755,
            missing: false,
        }
    }
    pub fn timeout(mut self, secs: u64) -> Self {
        self.timeout_secs = secs;
        self
    }
    pub fn runas(mut self, user: &str) -> Self {
        self.runas = Some(user.to_string());
        self
    }
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = mode;
        self
    }
    pub fn missing(mut self) -> Self {
        self.missing = true;
        self
    }
}

/// A bundle: `app/VERSION` (plus any extra files under `app/`) installed at `destination`,
/// and hook scripts, in appspec order.
#[derive(Debug, Clone)]
pub struct TestBundle {
    pub version: String,
    pub destination: String,
    pub hooks: Vec<TestHook>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl TestBundle {
    pub fn new(version: &str) -> Self {
        Self {
            version: version.to_string(),
            destination: "/opt/app".into(),
            hooks: Vec::new(),
            files: Vec::new(),
        }
    }
    pub fn destination(mut self, d: &str) -> Self {
        self.destination = d.to_string();
        self
    }
    pub fn hook(mut self, h: TestHook) -> Self {
        self.hooks.push(h);
        self
    }
    /// An extra file at `app/<rel>`.
    pub fn file(mut self, rel: &str, bytes: Vec<u8>) -> Self {
        self.files.push((rel.to_string(), bytes));
        self
    }

    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(dir.join("scripts"))?;
        std::fs::create_dir_all(dir.join("app"))?;
        std::fs::write(dir.join("app/VERSION"), format!("{}\n", self.version))?;
        for (rel, bytes) in &self.files {
            std::fs::write(dir.join("app").join(rel), bytes)?;
        }
        let mut spec = format!(
            "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: {}\nhooks:\n",
            self.destination
        );
        let mut by_event: Vec<(String, Vec<String>)> = Vec::new();
        for (i, h) in self.hooks.iter().enumerate() {
            let name = format!("scripts/{i:02}-{}.sh", h.event);
            if !h.missing {
                let path = dir.join(&name);
                std::fs::write(&path, format!("#!/bin/sh\nset -eu\n{}\n", h.body))?;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(h.mode))?;
            }
            let mut entry = format!(
                "    - location: {name}\n      timeout: {}\n",
                h.timeout_secs
            );
            if let Some(u) = &h.runas {
                entry.push_str(&format!("      runas: {u}\n"));
            }
            match by_event.iter_mut().find(|(e, _)| *e == h.event) {
                Some((_, list)) => list.push(entry),
                None => by_event.push((h.event.clone(), vec![entry])),
            }
        }
        for (event, entries) in by_event {
            spec.push_str(&format!("  {event}:\n"));
            for e in entries {
                spec.push_str(&e);
            }
        }
        std::fs::write(dir.join("appspec.yml"), spec)?;
        Ok(())
    }
}

/// Creates `app` (if needed) and its `group`, selecting hosts tagged `tag`.
pub async fn create_app_and_group(
    p: &TestPlatform,
    app: &str,
    group: &str,
    tag: (&str, &str),
    config: &str,
) -> anyhow::Result<()> {
    let api = p.api();
    match api
        .create_application(&CreateApplication {
            name: app.into(),
            description: None,
        })
        .await
    {
        Ok(_) | Err(liftoff_client::ClientError::Api { status: 409, .. }) => {}
        Err(e) => return Err(e.into()),
    }
    api.create_group(
        app,
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: group.into(),
            selector: BTreeMap::from([(tag.0.to_string(), vec![tag.1.to_string()])]),
            deployment_config: Some(config.into()),
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await?;
    Ok(())
}

/// Writes `bundle` into the platform's temp dir, packs it as .tar.gz and pushes it to `app`.
pub async fn push_bundle(
    p: &TestPlatform,
    app: &str,
    bundle: &TestBundle,
) -> anyhow::Result<Revision> {
    let name = format!("{app}-{}-{}", bundle.version, uuid::Uuid::new_v4().simple());
    let dir = p.dir.path().join("bundles").join(&name);
    bundle.write(&dir)?;
    let archive = p.dir.path().join("bundles").join(format!("{name}.tar.gz"));
    crate::pack(&dir, &archive)?;
    Ok(p.api()
        .push_revision(app, &archive, Some(&bundle.version), None, None)
        .await?)
}

/// Starts a deployment of `revision` to `app`/`group`.
pub async fn start_deployment(
    p: &TestPlatform,
    app: &str,
    group: &str,
    revision: &Revision,
) -> anyhow::Result<Deployment> {
    Ok(p.api()
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: app.into(),
                deployment_group: group.into(),
                revision: revision.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await?)
}

/// Waits for the deployment to reach a terminal state.
pub async fn wait_deployment(p: &TestPlatform, id: uuid::Uuid, within: Duration) -> Deployment {
    let api = p.api();
    crate::wait_for("the deployment to finish", within, || {
        let api = api.clone();
        async move {
            api.get_deployment(id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await
}

/// Deploys and waits for the outcome.
pub async fn deploy(
    p: &TestPlatform,
    app: &str,
    group: &str,
    revision: &Revision,
    within: Duration,
) -> Deployment {
    let d = start_deployment(p, app, group, revision)
        .await
        .unwrap_or_else(|e| panic!("create deployment: {e}"));
    wait_deployment(p, d.deployment_id, within).await
}

/// Waits until `n` hosts tagged `tag` are registered.
pub async fn wait_enrolled(
    p: &TestPlatform,
    tag: (&str, &str),
    n: usize,
    within: Duration,
) -> Vec<Host> {
    let reg = p.registry();
    let selector = [(tag.0.to_string(), tag.1.to_string())];
    crate::wait_for(&format!("{n} hosts to enroll"), within, || {
        let (reg, selector) = (reg.clone(), selector.clone());
        async move {
            let hosts = reg.list_hosts(&selector, None).await.ok()?.hosts;
            (hosts.len() >= n).then_some(hosts)
        }
    })
    .await
}
