//! The per-group fleet gauge on `/metrics`: `liftoff_hosts_by_group{team, application,
//! deployment_group, state}`, each deployment group's hosts by state, counted from the
//! scheduler's pushed copies of the hosts (`known_hosts`, from host-registry) and of the
//! groups' selectors (`known_groups`, from deployment-api). The scheduler is the one service
//! that holds both; nothing is asked of a peer. A host in two groups counts in both.
//! Refreshed from the tick at most every few seconds.

use std::collections::{BTreeMap, HashMap};

use liftoff_kit::ApiError;
use liftoff_types::names::selector_matches;
use liftoff_types::registry::HostState;

use crate::State;
use crate::store::{known_groups, known_hosts};

pub async fn refresh(state: &State) -> Result<(), ApiError> {
    if !state.gauges.due() {
        return Ok(());
    }
    let (groups, hosts) = state
        .db
        .run(|c| {
            let groups = known_groups::all(c)?;
            // No group, nothing to count: skip reading the fleet.
            let hosts = if groups.is_empty() {
                Vec::new()
            } else {
                known_hosts::live_tags(c)?
            };
            Ok((groups, hosts))
        })
        .await?;
    let values = tokio::task::spawn_blocking(move || count(&groups, hosts))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    state.gauges.set("liftoff_hosts_by_group", values);
    Ok(())
}

type Labels = Vec<(String, String)>;
type Tags = BTreeMap<String, String>;

/// Each group's hosts by state, as gauge values; a group whose selector does not parse (never
/// written by deployment-api) counts no hosts.
fn count(
    groups: &[known_groups::KnownGroup],
    hosts: Vec<(String, String, HostState)>,
) -> Vec<(Labels, f64)> {
    // Tags parsed once per host, hosts by team: a group only ever selects its team's hosts.
    let mut by_team: HashMap<String, Vec<(Tags, HostState)>> = HashMap::new();
    for (team, tags, host_state) in hosts {
        if let Ok(tags) = serde_json::from_str::<Tags>(&tags) {
            by_team.entry(team).or_default().push((tags, host_state));
        }
    }
    let mut values = Vec::with_capacity(groups.len() * HostState::LIVE.len());
    for g in groups {
        let selector = serde_json::from_str::<BTreeMap<String, Vec<String>>>(&g.selector).ok();
        let mut n = [0u64; HostState::LIVE.len()];
        if let Some(selector) = selector {
            for (tags, host_state) in by_team.get(&g.team).map_or(&[][..], Vec::as_slice) {
                if let Some(i) = HostState::LIVE.iter().position(|s| s == host_state)
                    && selector_matches(&selector, tags)
                {
                    n[i] += 1;
                }
            }
        }
        for (i, host_state) in HostState::LIVE.iter().enumerate() {
            values.push((
                vec![
                    ("team".to_string(), g.team.clone()),
                    ("application".to_string(), g.application.clone()),
                    ("deployment_group".to_string(), g.name.clone()),
                    ("state".to_string(), host_state.as_str().to_string()),
                ],
                n[i] as f64,
            ));
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn group(team: &str, name: &str, selector: &str) -> known_groups::KnownGroup {
        known_groups::KnownGroup {
            deployment_group_id: format!("{team}-{name}"),
            team: team.into(),
            application: "web".into(),
            name: name.into(),
            selector: selector.into(),
            received_at: NaiveDateTime::default(),
        }
    }

    fn value(values: &[(Labels, f64)], team: &str, name: &str, state: &str) -> f64 {
        values
            .iter()
            .find(|(l, _)| {
                l.contains(&("team".into(), team.into()))
                    && l.contains(&("deployment_group".into(), name.into()))
                    && l.contains(&("state".into(), state.into()))
            })
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no series for {team}/{name}/{state}"))
    }

    #[test]
    fn hosts_are_counted_in_every_group_of_their_team_that_selects_them() {
        let groups = [
            group("a", "prod", r#"{"env":["prod"]}"#),
            group("a", "all", r#"{"env":["prod","staging"]}"#),
            group("b", "prod", r#"{"env":["prod"]}"#),
        ];
        let hosts = vec![
            ("a".into(), r#"{"env":"prod"}"#.into(), HostState::InService),
            ("a".into(), r#"{"env":"prod"}"#.into(), HostState::Lost),
            (
                "a".into(),
                r#"{"env":"staging"}"#.into(),
                HostState::InService,
            ),
            ("a".into(), r#"{"env":"dev"}"#.into(), HostState::InService),
            // Not a live state: not counted in any.
            (
                "a".into(),
                r#"{"env":"prod"}"#.into(),
                HostState::Deregistered,
            ),
        ];
        let v = count(&groups, hosts);
        assert_eq!(v.len(), 3 * HostState::LIVE.len());
        assert_eq!(value(&v, "a", "prod", "InService"), 1.0);
        assert_eq!(value(&v, "a", "prod", "Lost"), 1.0);
        assert_eq!(value(&v, "a", "all", "InService"), 2.0);
        assert_eq!(value(&v, "a", "all", "Pending"), 0.0);
        // Team b's group selects none of team a's hosts.
        assert_eq!(value(&v, "b", "prod", "InService"), 0.0);
    }
}
