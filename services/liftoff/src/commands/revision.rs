//! `liftoff revision push|list`.

use std::path::PathBuf;

use clap::Subcommand;
use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::RegisterRevisionUrl;

use crate::cli::Global;
use crate::client::print;
use crate::commands::time_or_never;

#[derive(Debug, Subcommand)]
pub enum RevisionCmd {
    /// Push a directory holding appspec.yml, or a .tar.gz/.tar/.zip bundle; or, with --url and
    /// --sha256, have the server fetch the bundle from a URL.
    Push {
        #[arg(long)]
        app: String,
        #[arg(required_unless_present = "url")]
        path: Option<PathBuf>,
        /// Register the bundle at this http(s) URL instead of uploading one.
        #[arg(long, conflicts_with = "path", requires = "sha256")]
        url: Option<String>,
        /// The SHA-256 the bundle at --url must have.
        #[arg(long, requires = "url")]
        sha256: Option<String>,
        #[arg(long)]
        version_label: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// The application's revisions, newest first, with when each was first and last deployed.
    List {
        #[arg(long)]
        app: String,
    },
}

pub async fn run(g: &Global, api: &DeploymentApiClient, cmd: RevisionCmd) -> anyhow::Result<()> {
    match cmd {
        RevisionCmd::Push {
            app,
            path,
            url,
            sha256,
            version_label,
            description,
        } => {
            let rev = match (path, url, sha256) {
                (_, Some(url), Some(sha256)) => {
                    api.register_revision_url(
                        &app,
                        &RegisterRevisionUrl {
                            url,
                            sha256,
                            version_label,
                            description,
                        },
                    )
                    .await?
                }
                (Some(path), _, _) => {
                    crate::client::push_revision(
                        api,
                        &app,
                        &path,
                        version_label.as_deref(),
                        description.as_deref(),
                    )
                    .await?
                }
                _ => anyhow::bail!("pass a PATH, or --url with --sha256"),
            };
            print(g, &rev, |r| {
                let mut out = format!(
                    "{} revision {} (sha256 {}, {} bytes, hooks: {})",
                    if r.created { "pushed" } else { "already had" },
                    r.revision_id,
                    r.sha256,
                    r.size_bytes,
                    r.hook_events.join(", ")
                );
                for w in &r.warnings {
                    out.push_str("\nwarning: ");
                    out.push_str(w);
                }
                out
            })
        }
        RevisionCmd::List { app } => {
            let l = api.list_revisions(&app).await?;
            print(g, &l, |l| {
                let mut lines = vec![format!(
                    "{:36}  {:20}  {:16}  {:20}  {:20}",
                    "REVISION", "CREATED", "LABEL", "FIRST DEPLOYED", "LAST DEPLOYED"
                )];
                for r in &l.revisions {
                    lines.push(format!(
                        "{:36}  {:20}  {:16}  {:20}  {:20}{}",
                        r.revision_id,
                        time_or_never(Some(r.created_at)),
                        r.version_label.clone().unwrap_or_default(),
                        time_or_never(r.first_deployed_at),
                        time_or_never(r.last_deployed_at),
                        r.description
                            .as_ref()
                            .map(|d| format!("  {d}"))
                            .unwrap_or_default()
                    ));
                }
                lines.join("\n")
            })
        }
    }
}
