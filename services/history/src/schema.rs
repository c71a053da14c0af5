//! Tables of the history service.

diesel::table! {
    events (seq) {
        seq -> BigInt,
        event_id -> Text,
        source -> Text,
        event_type -> Text,
        occurred_at -> Timestamp,
        recorded_at -> Timestamp,
        team -> Nullable<Text>,
        actor -> Nullable<Text>,
        application -> Nullable<Text>,
        deployment_group -> Nullable<Text>,
        deployment_id -> Nullable<Text>,
        host_id -> Nullable<Text>,
        revision_id -> Nullable<Text>,
        data -> Text,
    }
}

diesel::table! {
    host_revisions (host_id, application) {
        host_id -> Text,
        application -> Text,
        team -> Text,
        deployment_group -> Nullable<Text>,
        revision_id -> Text,
        deployment_id -> Text,
        since -> Timestamp,
    }
}

diesel::table! {
    host_revision_spans (id) {
        id -> BigInt,
        host_id -> Text,
        application -> Text,
        team -> Text,
        deployment_group -> Nullable<Text>,
        revision_id -> Text,
        deployment_id -> Text,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    group_deployments (deployment_id) {
        deployment_id -> Text,
        team -> Nullable<Text>,
        application -> Nullable<Text>,
        deployment_group -> Nullable<Text>,
        revision_id -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        started_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        status -> Text,
    }
}

diesel::table! {
    host_commands (command_id) {
        command_id -> Text,
        team -> Nullable<Text>,
        deployment_id -> Text,
        host_id -> Text,
        revision_id -> Nullable<Text>,
        started_at -> Timestamp,
    }
}

diesel::table! {
    hook_logs (id) {
        id -> BigInt,
        command_id -> Text,
        event -> Text,
        team -> Text,
        deployment_id -> Text,
        host_id -> Text,
        revision_id -> Text,
        output -> Text,
        bytes -> BigInt,
        original_bytes -> BigInt,
        truncated -> Bool,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    retired_hosts (host_id) {
        host_id -> Text,
        team -> Nullable<Text>,
        retired_at -> Timestamp,
    }
}

diesel::table! {
    pins (team, revision_id) {
        team -> Text,
        revision_id -> Text,
        note -> Nullable<Text>,
        pinned_by -> Text,
        pinned_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    events,
    group_deployments,
    hook_logs,
    host_commands,
    host_revision_spans,
    host_revisions,
    pins,
    retired_hosts,
);
