//! The agent's command line, shared by `liftoff agent` and the slim `liftoff-agent` binary.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use tokio::sync::watch;

use crate::AgentConfig;
use crate::simulate::Fleet;

#[derive(Debug, Args)]
pub struct AgentArgs {
    #[arg(long, env = "LIFTOFF_URL")]
    pub server: String,
    /// The scheduler's URL, when services run apart without a routing proxy (default: --server).
    #[arg(long)]
    pub scheduler_url: Option<String>,
    /// deployment-api's URL for bundle downloads, when services run apart (default: --server).
    #[arg(long)]
    pub deployment_api_url: Option<String>,
    /// Needed the first time only; the host credential is kept under --root. Prefer
    /// --enroll-token-file or LIFTOFF_ENROLL_TOKEN: given here, the agent starts itself again
    /// with the token moved into its environment, so it never stays in the process's arguments
    /// (which every user of the host can read in /proc/<pid>/cmdline).
    #[arg(long, env = "LIFTOFF_ENROLL_TOKEN", hide_env_values = true)]
    pub enroll_token: Option<String>,
    /// A file holding the enrollment token (keep it mode 0600; the agent warns otherwise).
    #[arg(long, env = "LIFTOFF_ENROLL_TOKEN_FILE")]
    pub enroll_token_file: Option<PathBuf>,
    /// The host's zone. With --simulate it may be repeated: virtual hosts take the zones in turn.
    #[arg(long = "zone", required = true)]
    pub zones: Vec<String>,
    /// Host tags, `key=value` (repeatable).
    #[arg(long = "tag", value_parser = liftoff_types::names::parse_tag_pair)]
    pub tags: Vec<(String, String)>,
    /// The agent keeps its state under <root>/var/lib/liftoff-agent (`/` on a real host).
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// appspec `files` destinations are installed under this directory (default `/`; with
    /// --simulate, --root). Hooks find it in $LIFTOFF_INSTALL_ROOT.
    #[arg(long)]
    pub install_root: Option<PathBuf>,
    #[arg(long)]
    pub hostname: Option<String>,
    /// Run N virtual hosts in this process (state under <root>/sim-<i>, files under
    /// <install-root>/sim-<i>).
    #[arg(long)]
    pub simulate: Option<usize>,
    /// With --simulate: virtual host i sends its enrollment from this IPv4 address plus i, as
    /// each host of a real fleet enrolls from an address of its own (the registry limits
    /// enrollments per address). The addresses must be this machine's: against a control plane
    /// on loopback, any in 127.0.0.0/8 (e.g. 127.1.0.1).
    #[arg(long)]
    pub simulate_source_address: Option<std::net::Ipv4Addr>,
    /// Longest long-poll in seconds.
    #[arg(long, env = "LIFTOFF_POLL_WAIT_SECS", default_value_t = 20)]
    pub poll_wait: u64,
    /// Release directories to keep; older ones are pruned, never a group's last success.
    #[arg(long, default_value_t = 5)]
    pub keep_releases: usize,
    /// After SIGTERM, seconds the hook in progress may still run before it is terminated; the
    /// agent then reports and exits.
    #[arg(long, default_value_t = 60)]
    pub stop_grace: u64,
    /// Go on with a deployment when the previous revision's ApplicationStop hook fails.
    #[arg(long)]
    pub ignore_application_stop_failures: bool,
    /// Most seconds the scripts of one lifecycle event may take together.
    #[arg(long, default_value_t = 3600)]
    pub max_event_secs: u64,
    /// Milliseconds a hook runs before its start is reported to the server (0: at once). A
    /// shorter event is reported once, when it ends, with the next report: fewer requests per
    /// host, the same record. Failures are reported at once.
    #[arg(long, default_value_t = 1000)]
    pub event_report_delay_ms: u64,
    /// Most bytes a bundle may unpack to.
    #[arg(long, default_value_t = 2 << 30)]
    pub max_unpacked_bytes: u64,
    /// The user hooks without `runas` run as (default: the agent's own user, as CodeDeploy).
    #[arg(long)]
    pub hook_user: Option<String>,
    /// Refuse any hook that would run as root (RUNAS_INVALID before anything runs); implies
    /// --no-root-files, and Install writes only under --install-allow (default
    /// <install-root>/opt and <install-root>/srv).
    #[arg(long)]
    pub no_root_hooks: bool,
    /// Serve the agent's own Prometheus metrics on this address (e.g. 127.0.0.1:9720; off by
    /// default): commands, hook durations, bundle bytes downloaded, journal recoveries.
    #[arg(long, env = "LIFTOFF_AGENT_METRICS_LISTEN")]
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Refuse appspec `permissions` that set setuid/setgid or give files to root
    /// (PERMISSION_FORBIDDEN before anything is written).
    #[arg(long)]
    pub no_root_files: bool,
    /// Host directories the Install step may write `files` under, comma-separated (default: the
    /// install root; with --no-root-hooks, <install-root>/opt and <install-root>/srv).
    /// Anything else is refused (INSTALL_DESTINATION_FORBIDDEN) before anything is written.
    #[arg(long, value_delimiter = ',')]
    pub install_allow: Vec<PathBuf>,
}

impl AgentArgs {
    /// The agent's configuration, and the simulated fleet if `--simulate` asks for one.
    pub fn config(self) -> anyhow::Result<(AgentConfig, Option<Fleet>)> {
        anyhow::ensure!(
            self.simulate.is_some() || self.zones.len() == 1,
            "--zone: one zone per host (several only with --simulate)"
        );
        let zone = self.zones.first().cloned().unwrap_or_default();
        let mut config = AgentConfig::new(&self.server, &zone, self.root.clone());
        config.install_root = match (&self.install_root, self.simulate) {
            (Some(dir), _) => dir.clone(),
            (None, Some(_)) => self.root.clone(),
            (None, None) => "/".into(),
        };
        config.enroll_token = match (&self.enroll_token_file, self.enroll_token) {
            (Some(path), None) => Some(read_token_file(path)?),
            (None, token) => token,
            (Some(_), Some(_)) => {
                anyhow::bail!(
                    "give the enrollment token one way: --enroll-token-file or LIFTOFF_ENROLL_TOKEN"
                )
            }
        };
        config.scheduler_url = self.scheduler_url;
        config.deployment_api_url = self.deployment_api_url;
        config.tags = self.tags.into_iter().collect();
        if let Some(h) = self.hostname {
            config.hostname = h;
        }
        config.poll_wait = Duration::from_secs(self.poll_wait.clamp(1, 30));
        config.keep_releases = self.keep_releases;
        config.stop_grace = Duration::from_secs(self.stop_grace);
        config.ignore_application_stop_failures = self.ignore_application_stop_failures;
        config.max_event_time = Duration::from_secs(self.max_event_secs.max(1));
        config.event_report_delay = Duration::from_millis(self.event_report_delay_ms.min(60_000));
        config.max_unpacked_bytes = self.max_unpacked_bytes;
        config.hook_user = self.hook_user;
        config.no_root_hooks = self.no_root_hooks;
        config.no_root_files = self.no_root_files || self.no_root_hooks;
        for dir in &self.install_allow {
            anyhow::ensure!(
                dir.is_absolute()
                    && dir
                        .components()
                        .all(|c| !matches!(c, std::path::Component::ParentDir)),
                "--install-allow: {} is not an absolute path without `..`",
                dir.display()
            );
        }
        config.install_allow = self.install_allow;
        if let Some(base) = self.simulate_source_address {
            let hosts = self.simulate.ok_or_else(|| {
                anyhow::anyhow!("--simulate-source-address: only with --simulate")
            })?;
            anyhow::ensure!(
                u64::from(u32::from(base)) + hosts as u64 <= u64::from(u32::MAX),
                "--simulate-source-address: {base} plus {hosts} hosts runs past 255.255.255.255"
            );
        }
        let fleet = self.simulate.map(|hosts| Fleet {
            hosts,
            zones: self.zones,
            source_address: self.simulate_source_address,
        });
        Ok((config, fleet))
    }
}

fn read_token_file(path: &std::path::Path) -> anyhow::Result<String> {
    use std::os::unix::fs::PermissionsExt;
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("--enroll-token-file {}: {e}", path.display()))?;
    let token = text.trim().to_string();
    anyhow::ensure!(
        !token.is_empty(),
        "--enroll-token-file {}: the file is empty",
        path.display()
    );
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", meta.permissions().mode() & 0o777),
            "the enrollment token file is readable by other users; chmod 600 it"
        );
    }
    Ok(token)
}

/// Where `--enroll-token T` (or `--enroll-token=T`) was given on the command line, starts this
/// program again without it, the token moved into `LIFTOFF_ENROLL_TOKEN`: a process's arguments
/// are readable by every user of the host (`/proc/<pid>/cmdline`), its environment only by its
/// own user and root. Returns only when there was nothing to hide or the new start failed (then
/// the agent goes on, with a warning).
pub fn hide_enroll_token_from_argv() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let Some((kept, token)) = without_enroll_token(&args) else {
        return;
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!(
                "warning: cannot start again without --enroll-token ({e}): the token stays visible in this process's arguments; use --enroll-token-file or LIFTOFF_ENROLL_TOKEN"
            );
            return;
        }
    };
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(exe);
    if let Some(first) = kept.first() {
        cmd.arg0(first);
    }
    let err = cmd
        .args(kept.iter().skip(1))
        .env("LIFTOFF_ENROLL_TOKEN", token)
        .exec();
    eprintln!(
        "warning: cannot start again without --enroll-token ({err}): the token stays visible in this process's arguments; use --enroll-token-file or LIFTOFF_ENROLL_TOKEN"
    );
}

/// `args` without `--enroll-token T` / `--enroll-token=T`, and the token; `None` if absent.
fn without_enroll_token(
    args: &[std::ffi::OsString],
) -> Option<(Vec<std::ffi::OsString>, std::ffi::OsString)> {
    let mut kept = Vec::with_capacity(args.len());
    let mut token = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            kept.push(a.clone());
            kept.extend(it.by_ref().cloned());
            break;
        }
        if a == "--enroll-token" {
            token = it.next().cloned();
            continue;
        }
        if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--enroll-token=")) {
            token = Some(v.into());
            continue;
        }
        kept.push(a.clone());
    }
    token.map(|t| (kept, t))
}

/// Runs the agent until `shutdown` resolves (SIGTERM, Ctrl-C): then the event in progress
/// finishes within the stop grace period, is reported, and this returns.
pub async fn run(
    args: AgentArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if let Some(addr) = args.metrics_listen {
        crate::metrics::serve(addr)?;
    }
    let (config, fleet) = args.config()?;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("stopping: the event in progress finishes first, then it is reported");
        let _ = tx.send(true);
        // Keep the sender: dropping it would read as "nobody can ask to stop any more".
        std::future::pending::<()>().await;
    });
    crate::run(config, fleet, rx).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn os(list: &[&str]) -> Vec<std::ffi::OsString> {
        list.iter().map(Into::into).collect()
    }

    #[test]
    fn the_enroll_token_is_taken_out_of_the_arguments() {
        let (kept, token) = without_enroll_token(&os(&[
            "liftoff",
            "agent",
            "--server",
            "u",
            "--enroll-token",
            "lft_enroll_x",
            "--zone",
            "z",
        ]))
        .unwrap();
        assert_eq!(
            kept,
            os(&["liftoff", "agent", "--server", "u", "--zone", "z"])
        );
        assert_eq!(token, "lft_enroll_x");
        let (kept, token) =
            without_enroll_token(&os(&["liftoff-agent", "--enroll-token=t1", "--zone", "z"]))
                .unwrap();
        assert_eq!(kept, os(&["liftoff-agent", "--zone", "z"]));
        assert_eq!(token, "t1");
        assert!(
            without_enroll_token(&os(&["liftoff", "agent", "--enroll-token-file", "/f"])).is_none()
        );
    }

    #[derive(clap::Parser)]
    struct Cmd {
        #[command(flatten)]
        agent: AgentArgs,
    }

    fn config(extra: &[&str]) -> anyhow::Result<(AgentConfig, Option<Fleet>)> {
        use clap::Parser;
        let mut args = vec!["agent", "--server", "http://127.0.0.1:1", "--zone", "z"];
        args.extend_from_slice(extra);
        Cmd::try_parse_from(args)?.agent.config()
    }

    #[test]
    fn a_simulated_fleet_enrolls_from_a_range_of_addresses_that_must_fit() {
        let (_, fleet) =
            config(&["--simulate", "3", "--simulate-source-address", "127.1.0.1"]).unwrap();
        assert_eq!(
            fleet.unwrap().source_address,
            Some("127.1.0.1".parse().unwrap())
        );
        let alone = config(&["--simulate-source-address", "127.1.0.1"]).unwrap_err();
        assert!(
            alone.to_string().contains("only with --simulate"),
            "{alone}"
        );
        let past = config(&[
            "--simulate",
            "3",
            "--simulate-source-address",
            "255.255.255.254",
        ])
        .unwrap_err();
        assert!(past.to_string().contains("runs past"), "{past}");
        assert_eq!(config(&[]).unwrap().0.enroll_source_address, None);
    }
}
