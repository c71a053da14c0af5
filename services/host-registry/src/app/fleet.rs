//! The fleet gauges on `/metrics`, computed from the registry's own hosts table (the owner of
//! liveness): `liftoff_hosts{state, zone}` and `liftoff_hosts_heartbeat_age_max_seconds`.
//! Refreshed from the tick at most every few seconds (see [`liftoff_kit::telemetry::GaugeRefresh`]).

use liftoff_kit::ApiError;
use liftoff_kit::db::now;

use liftoff_types::registry::HostState;

use crate::State;
use crate::store::hosts;

pub async fn refresh(state: &State) -> Result<(), ApiError> {
    if !state.gauges.due() {
        return Ok(());
    }
    let (counts, oldest) = state
        .db
        .run(|c| {
            Ok((
                hosts::count_by_state_and_zone(c)?,
                hosts::oldest_live_heartbeat(c)?,
            ))
        })
        .await?;
    // Every live state in every zone that has hosts, 0 where none: "no lost hosts" is a 0, not
    // a missing series.
    let zones: std::collections::BTreeSet<String> =
        counts.iter().map(|(_, zone, _)| zone.clone()).collect();
    let mut values = Vec::new();
    for zone in &zones {
        for host_state in HostState::LIVE {
            let n = counts
                .iter()
                .find(|(s, z, _)| *s == host_state && z == zone)
                .map_or(0, |(_, _, n)| *n);
            values.push((
                vec![
                    ("state".to_string(), host_state.as_str().to_string()),
                    ("zone".to_string(), zone.clone()),
                ],
                n as f64,
            ));
        }
    }
    state.gauges.set("liftoff_hosts", values);
    let age = oldest.map_or(0.0, |t| {
        (now() - t).num_milliseconds().max(0) as f64 / 1000.0
    });
    state.gauges.set(
        "liftoff_hosts_heartbeat_age_max_seconds",
        vec![(Vec::new(), age)],
    );
    Ok(())
}
