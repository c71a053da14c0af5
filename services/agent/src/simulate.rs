//! `--simulate N`: N virtual hosts in one process, for tests and benchmarks of large fleets.
//!
//! Each virtual host is a whole [`Agent`](crate::Agent) running the same code as a real one: its own
//! enrollment, host id, credential, zone, state directory and install root, its own heartbeat
//! and long poll (each on a connection of its own while it is open), its own hooks. What they
//! share is what one process would share anyway: the runtime and the HTTP connection pools.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::{AgentConfig, Transport};

/// The shape of a simulated fleet.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub hosts: usize,
    /// Host `i` is in `zones[i % zones.len()]`; empty means the config's zone for all.
    pub zones: Vec<String>,
    /// Host `i` enrolls from this address plus `i` (`--simulate-source-address`): each host of
    /// a real fleet has an address of its own, and the registry limits enrollments per address.
    pub source_address: Option<std::net::Ipv4Addr>,
}

/// Longest spread of the virtual hosts' start, so a large fleet does not enroll in one burst.
const MAX_START_SPREAD: Duration = Duration::from_secs(5);

/// The config of virtual host `i`: state under `<root>/sim-<i>`, files under
/// `<install-root>/sim-<i>`, hostname `<hostname>-sim-<i>`.
pub fn host_config(base: &AgentConfig, fleet: &Fleet, i: usize) -> AgentConfig {
    let mut c = base.clone();
    c.root = base.root.join(format!("sim-{i}"));
    c.install_root = base.install_root.join(format!("sim-{i}"));
    c.hostname = format!("{}-sim-{i}", base.hostname);
    if !fleet.zones.is_empty() {
        c.zone = fleet.zones[i % fleet.zones.len()].clone();
    }
    if let Some(base) = fleet.source_address {
        // `--simulate-source-address` checked that the whole range fits.
        let offset = u32::try_from(i).unwrap_or(u32::MAX);
        c.enroll_source_address =
            Some(std::net::Ipv4Addr::from(u32::from(base).saturating_add(offset)).into());
    }
    c
}

/// Runs the fleet until `stop` turns true. A virtual host that fails is logged and the others
/// go on; the call fails at the end if any did.
pub async fn run(
    config: AgentConfig,
    fleet: Fleet,
    transport: &Transport,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    raise_open_file_limit(fleet.hosts);
    let spread = (Duration::from_millis(5) * u32::try_from(fleet.hosts).unwrap_or(u32::MAX))
        .min(MAX_START_SPREAD);
    let mut tasks = JoinSet::new();
    for i in 0..fleet.hosts {
        let c = host_config(&config, &fleet, i);
        let (t, stop) = (transport.clone(), stop.clone());
        let delay = spread.mul_f64(i as f64 / fleet.hosts.max(1) as f64);
        tasks.spawn(async move {
            tokio::time::sleep(delay).await;
            let result = async {
                match crate::Agent::start(c, &t, &stop).await? {
                    Some(agent) => agent.run(stop).await,
                    None => Ok(()),
                }
            }
            .await;
            (i, result)
        });
    }
    tracing::info!(hosts = fleet.hosts, "simulated fleet started");
    let mut failed = 0usize;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((_, Ok(()))) => {}
            Ok((i, Err(e))) => {
                failed += 1;
                tracing::error!(host = i, error = %e, "virtual host stopped");
            }
            Err(e) => {
                failed += 1;
                tracing::error!(error = %e, "virtual host panicked");
            }
        }
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} virtual hosts failed",
        fleet.hosts
    );
    Ok(())
}

/// Each virtual host holds a few connections (its long poll, its heartbeat, a download), more
/// than the common default of 1,024 open files allows for a large fleet: raise the soft limit
/// to the hard one, as far as needed.
fn raise_open_file_limit(hosts: usize) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let needed = (hosts as u64).saturating_mul(3).saturating_add(256);
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return;
    };
    if soft >= needed {
        return;
    }
    let want = needed.min(hard);
    if let Err(e) = setrlimit(Resource::RLIMIT_NOFILE, want, hard) {
        tracing::warn!(error = %e, soft, "could not raise the open-file limit");
    } else if want < needed {
        tracing::warn!(
            limit = want,
            needed,
            "the open-file limit may be too low for this fleet"
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::path::PathBuf;

    use super::*;

    #[test]
    fn virtual_hosts_get_their_own_roots_names_and_zones_in_turn() {
        let mut base = AgentConfig::new("http://cp", "zone-a", PathBuf::from("/srv/sim"));
        base.install_root = PathBuf::from("/srv/fs");
        base.hostname = "box".into();
        let fleet = Fleet {
            hosts: 5,
            zones: vec!["a".into(), "b".into()],
            source_address: Some("127.1.0.254".parse().unwrap()),
        };
        let c: Vec<_> = (0..5).map(|i| host_config(&base, &fleet, i)).collect();
        assert_eq!(c[3].root, PathBuf::from("/srv/sim/sim-3"));
        assert_eq!(c[3].install_root, PathBuf::from("/srv/fs/sim-3"));
        assert_eq!(c[3].hostname, "box-sim-3");
        let zones: Vec<_> = c.iter().map(|c| c.zone.as_str()).collect();
        assert_eq!(zones, ["a", "b", "a", "b", "a"]);
        let from: Vec<_> = c
            .iter()
            .map(|c| c.enroll_source_address.unwrap().to_string())
            .collect();
        assert_eq!(
            from,
            [
                "127.1.0.254",
                "127.1.0.255",
                "127.1.1.0",
                "127.1.1.1",
                "127.1.1.2"
            ],
            "each virtual host enrolls from an address of its own"
        );
        let no_zones = Fleet {
            hosts: 1,
            zones: vec![],
            source_address: None,
        };
        assert_eq!(host_config(&base, &no_zones, 0).zone, "zone-a");
        assert_eq!(host_config(&base, &no_zones, 0).enroll_source_address, None);
    }
}
