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

diesel::table! {
    webhooks (id) {
        id -> Text,
        team -> Text,
        url -> Text,
        events -> Text,
        application -> Nullable<Text>,
        deployment_group -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        delivery_id -> Text,
        webhook_id -> Text,
        team -> Text,
        event_id -> Text,
        event_type -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        queued_at -> Timestamp,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> BigInt,
        response -> Nullable<Text>,
        error -> Nullable<Text>,
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
    webhook_attempts,
    webhook_deliveries,
    webhooks,
);
