//! Tables of the scheduler.

diesel::table! {
    rollouts (deployment_id) {
        deployment_id -> Text,
        team -> Text,
        application -> Text,
        deployment_group -> Text,
        deployment_group_id -> Text,
        revision_id -> Text,
        spec -> Text,
        status -> Text,
        error_code -> Nullable<Text>,
        error_message -> Nullable<Text>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        canary_hosts -> Integer,
        approved_at -> Nullable<Timestamp>,
        current_zone -> Nullable<Text>,
        gate_until -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        lease_epoch -> BigInt,
        lease_expires_at -> Nullable<Timestamp>,
        reported -> Nullable<Text>,
        report_seq -> BigInt,
        traceparent -> Nullable<Text>,
        waiting_for -> Nullable<Text>,
    }
}

diesel::table! {
    rollout_hosts (deployment_id, host_id) {
        deployment_id -> Text,
        host_id -> Text,
        zone -> Text,
        position -> Integer,
        status -> Text,
        attempt -> Integer,
        command_id -> Nullable<Text>,
        error_code -> Nullable<Text>,
        message -> Nullable<Text>,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        tier -> Integer,
        dispatched_at -> Nullable<Timestamp>,
        unreported -> Bool,
    }
}

diesel::table! {
    rollout_zones (deployment_id, zone) {
        deployment_id -> Text,
        zone -> Text,
        pending -> Integer,
        in_flight -> Integer,
        succeeded -> Integer,
        failed -> Integer,
        skipped -> Integer,
    }
}

diesel::table! {
    host_revisions (team, application, host_id) {
        team -> Text,
        application -> Text,
        host_id -> Text,
        revision_id -> Text,
        deployment_id -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    host_commands (id) {
        id -> Text,
        deployment_id -> Text,
        host_id -> Text,
        attempt -> Integer,
        payload -> Text,
        status -> Text,
        created_at -> Timestamp,
        acked_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        error_code -> Nullable<Text>,
        message -> Nullable<Text>,
    }
}

diesel::table! {
    command_events (command_id, event) {
        command_id -> Text,
        event -> Text,
        status -> Text,
        exit_code -> Nullable<Integer>,
        error_code -> Nullable<Text>,
        message -> Nullable<Text>,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        output_tail -> Text,
        output_truncated -> Bool,
    }
}

diesel::table! {
    inventory_outbox (id) {
        id -> BigInt,
        host_id -> Text,
        team -> Text,
        application -> Text,
        deployment_group -> Text,
        deployment_group_id -> Text,
        deployment_id -> Text,
        revision_id -> Text,
        succeeded_at -> Timestamp,
        created_at -> Timestamp,
        attempts -> Integer,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    analysis_measurements (deployment_id, seq) {
        deployment_id -> Text,
        seq -> BigInt,
        measured_at -> Timestamp,
        outcome -> Text,
        value -> Nullable<Text>,
        message -> Nullable<Text>,
    }
}

diesel::table! {
    known_hosts (host_id) {
        host_id -> Text,
        team -> Text,
        zone -> Text,
        tags -> Text,
        state -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    known_groups (deployment_group_id) {
        deployment_group_id -> Text,
        team -> Text,
        application -> Text,
        name -> Text,
        selector -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    gate_freezes (freeze_id) {
        freeze_id -> Text,
        team -> Text,
        application -> Nullable<Text>,
        ends_at -> Timestamp,
        lifted_at -> Nullable<Timestamp>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    gate_windows (deployment_group_id) {
        deployment_group_id -> Text,
        windows -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    gate_events (event_id) {
        event_id -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    gate_overrides (deployment_id, freeze_id) {
        deployment_id -> Text,
        freeze_id -> Text,
    }
}
