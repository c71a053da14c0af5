//! The status enums of `liftoff-types` as TEXT columns through the services' own connection
//! type: every variant round-trips unchanged (the stored string is the JSON name), and a
//! string no variant has is a deserialization error. SQLite always; PostgreSQL too when
//! `LIFTOFF_TEST_DATABASE_URL` is set.

use diesel::connection::SimpleConnection;
use diesel::result::Error;
use diesel::sql_types::Text;
use diesel::{
    Connection, ExpressionMethods, IntoSql, PgConnection, QueryDsl, RunQueryDsl, SqliteConnection,
};
use liftoff_types::autoscaling::LifecycleActionStatus;
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::registry::{
    HostCommandKind, HostCommandStatus, HostState, InstallMode, InstallStatus, OutcomeStatus,
};
use liftoff_types::scheduler::{CommandStatus, EventStatus, HostTargetStatus, RolloutStatus};

use crate::AnyConnection;

diesel::table! {
    status_probe (id) {
        id -> Integer,
        value -> Text,
    }
}

fn connections() -> Vec<AnyConnection> {
    let mut all = vec![AnyConnection::Sqlite(
        SqliteConnection::establish(":memory:").unwrap(),
    )];
    if let Ok(url) = std::env::var("LIFTOFF_TEST_DATABASE_URL") {
        all.push(AnyConnection::Postgresql(
            PgConnection::establish(&url).unwrap(),
        ));
    }
    for conn in &mut all {
        conn.batch_execute(
            "CREATE TEMPORARY TABLE status_probe (id INTEGER PRIMARY KEY, value TEXT NOT NULL)",
        )
        .unwrap();
    }
    all
}

/// Writes each variant into a table as the enum, reads it back as the enum and as the raw
/// string (which must be the serialized name), finds it with an enum filter, then reads
/// `bogus` as the enum. A macro, not a generic function: diesel's bounds for a generic
/// column value in a query are longer than the test.
macro_rules! round_trip {
    ($ty:ty, [$($v:expr),* $(,)?]) => {{
        let variants: Vec<$ty> = vec![$($v),*];
        for mut conn in connections() {
            for (i, v) in variants.iter().enumerate() {
                let id = i as i32;
                diesel::insert_into(status_probe::table)
                    .values((status_probe::id.eq(id), status_probe::value.eq(*v)))
                    .execute(&mut conn)
                    .unwrap();
                let back: $ty = status_probe::table
                    .find(id)
                    .select(status_probe::value)
                    .get_result(&mut conn)
                    .unwrap();
                assert_eq!(back, *v);
                let raw: String = status_probe::table
                    .find(id)
                    .select(status_probe::value)
                    .get_result(&mut conn)
                    .unwrap();
                assert_eq!(raw, v.as_str(), "stored as its serialized name");
                assert_eq!(serde_json::to_value(v).unwrap(), raw.as_str());
                let found: i64 = status_probe::table
                    .filter(status_probe::value.eq(*v))
                    .count()
                    .get_result(&mut conn)
                    .unwrap();
                assert_eq!(found, 1, "{v:?} found by an enum filter");
            }
            let err = diesel::select("bogus".into_sql::<Text>())
                .get_result::<$ty>(&mut conn)
                .unwrap_err();
            match err {
                Error::DeserializationError(e) => {
                    // diesel wraps the cause in the field it was reading: read the chain.
                    let mut text = e.to_string();
                    let mut cause = e.source();
                    while let Some(c) = cause {
                        text = format!("{text}: {c}");
                        cause = c.source();
                    }
                    assert!(text.contains("unknown") && text.contains("\"bogus\""), "{text}");
                }
                other => panic!("an unknown string must be a deserialization error: {other:?}"),
            }
        }
    }};
}

#[test]
fn rollout_status_round_trips() {
    use RolloutStatus::*;
    round_trip!(
        RolloutStatus,
        [
            Pending,
            InProgress,
            Paused,
            AwaitingApproval,
            Succeeded,
            Failed,
            Stopped
        ]
    );
}

#[test]
fn host_target_status_round_trips() {
    use HostTargetStatus::*;
    round_trip!(
        HostTargetStatus,
        [Pending, Dispatched, InProgress, Succeeded, Failed, Skipped]
    );
}

#[test]
fn event_status_round_trips() {
    use EventStatus::*;
    round_trip!(
        EventStatus,
        [InProgress, Succeeded, Failed, TimedOut, Skipped]
    );
}

#[test]
fn host_command_status_round_trips() {
    use HostCommandStatus::*;
    round_trip!(
        HostCommandStatus,
        [Pending, Delivered, Succeeded, Failed, Abandoned]
    );
}

#[test]
fn install_mode_round_trips() {
    round_trip!(InstallMode, [InstallMode::Install, InstallMode::Join]);
}

#[test]
fn host_command_kind_round_trips() {
    round_trip!(HostCommandKind, [HostCommandKind::ApplicationStop]);
}

#[test]
fn outcome_status_round_trips() {
    use OutcomeStatus::*;
    round_trip!(OutcomeStatus, [Succeeded, Failed, Skipped, Stopped]);
}

#[test]
fn command_status_round_trips() {
    use CommandStatus::*;
    round_trip!(
        CommandStatus,
        [Dispatched, InProgress, Succeeded, Failed, Cancelled]
    );
}

#[test]
fn host_state_round_trips() {
    use HostState::*;
    round_trip!(
        HostState,
        [Pending, Installing, InService, Failed, Lost, Deregistered]
    );
}

#[test]
fn install_status_round_trips() {
    use InstallStatus::*;
    round_trip!(InstallStatus, [InProgress, Succeeded, Failed]);
}

#[test]
fn deployment_status_round_trips() {
    use DeploymentStatus::*;
    round_trip!(
        DeploymentStatus,
        [
            Created,
            Queued,
            InProgress,
            Paused,
            AwaitingApproval,
            Succeeded,
            Failed,
            Stopped
        ]
    );
}

#[test]
fn lifecycle_action_status_round_trips() {
    use LifecycleActionStatus::*;
    round_trip!(LifecycleActionStatus, [InProgress, Completed, TimedOut]);
}
