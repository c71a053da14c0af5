//! `liftoff local`: try a bundle's whole lifecycle on this machine before pushing it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use liftoff_agent::local::{LocalReport, LocalRun};
use liftoff_bundle::LifecycleEvent;

use crate::cli::Global;
use crate::client::print;

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// A bundle directory, or an archive (.zip, .tar, .tar.gz, .tgz).
    pub bundle: PathBuf,
    /// Where the appspec's `files` go. Default: `root/` in the work directory, so a try never
    /// writes outside it; `--install-root /` installs as a host would (as root).
    #[arg(long)]
    pub install_root: Option<PathBuf>,
    /// Only these events (comma-separated, e.g. `BeforeInstall,Install,AfterInstall`); the
    /// others are reported skipped.
    #[arg(long, value_delimiter = ',', value_parser = parse_event)]
    pub events: Vec<LifecycleEvent>,
    /// The bundle this machine ran before: its ApplicationStop runs first.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// Where the bundles are unpacked and the hook logs written (default: a new directory
    /// under the system's temp directory, kept and printed).
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// `APPLICATION_NAME` in the hooks' environment.
    #[arg(long, default_value = "local")]
    pub application: String,
    /// `DEPLOYMENT_GROUP_NAME` in the hooks' environment.
    #[arg(long, default_value = "local")]
    pub deployment_group: String,
    /// The user hooks without `runas` run as (default: yours).
    #[arg(long)]
    pub hook_user: Option<String>,
}

fn parse_event(s: &str) -> Result<LifecycleEvent, String> {
    LifecycleEvent::parse(s.trim()).ok_or_else(|| {
        let all: Vec<&str> = LifecycleEvent::in_place_order()
            .iter()
            .map(|e| e.as_str())
            .collect();
        format!("{s:?} is not a lifecycle event; one of {}", all.join(", "))
    })
}

pub async fn run(g: &Global, args: LocalArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.bundle.exists(),
        "{}: no such bundle directory or archive",
        args.bundle.display()
    );
    if let Some(p) = &args.previous {
        anyhow::ensure!(p.exists(), "{}: no such --previous bundle", p.display());
    }
    let work_dir = match args.work_dir {
        Some(d) => d,
        None => tempfile::Builder::new()
            .prefix("liftoff-local-")
            .tempdir()?
            .keep(),
    };
    let install_root = args.install_root.unwrap_or_else(|| work_dir.join("root"));
    let report = liftoff_agent::local::run(&LocalRun {
        bundle: args.bundle,
        install_root,
        events: args.events,
        previous: args.previous,
        work_dir,
        application: args.application,
        deployment_group: args.deployment_group,
        hook_user: args.hook_user,
    })
    .await?;
    print(g, &report, human)?;
    Ok(if report.status == "Succeeded" {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn human(r: &LocalReport) -> String {
    let mut out = String::new();
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    for e in &r.events {
        out.push_str(&format!(
            "{:<18} {:<9} {:>6} ms",
            e.event, e.status, e.duration_ms
        ));
        if let Some(code) = e.exit_code.filter(|_| e.is_failure()) {
            out.push_str(&format!("  exit {code}"));
        }
        if let Some(c) = &e.error_code {
            out.push_str(&format!("  {c}"));
        }
        if let Some(m) = &e.message {
            out.push_str(&format!("  {m}"));
        }
        out.push('\n');
        for line in e.output.lines() {
            out.push_str(&format!("    | {line}\n"));
        }
    }
    out.push_str(&format!(
        "{}: files under {}, hook logs in {}",
        r.status,
        r.install_root.display(),
        r.work_dir.join("logs").display()
    ));
    out
}
