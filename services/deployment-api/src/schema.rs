//! Tables of deployment-api.

diesel::table! {
    applications (id) {
        id -> Text,
        team -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        stages -> Nullable<Text>,
    }
}

diesel::table! {
    bundles (sha256) {
        sha256 -> Text,
        size_bytes -> BigInt,
        format -> Text,
        chunk_count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    bundle_chunks (sha256, seq) {
        sha256 -> Text,
        seq -> Integer,
        data -> Binary,
    }
}

diesel::table! {
    revisions (id) {
        id -> Text,
        application_id -> Text,
        sha256 -> Text,
        version_label -> Nullable<Text>,
        description -> Nullable<Text>,
        hook_events -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        source_url -> Nullable<Text>,
    }
}

diesel::table! {
    deployment_groups (id) {
        id -> Text,
        application_id -> Text,
        name -> Text,
        selector -> Text,
        deployment_config -> Text,
        auto_rollback -> Bool,
        concurrency_policy -> Text,
        stage -> Nullable<Text>,
        last_successful_revision_id -> Nullable<Text>,
        last_successful_deployment_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        traffic_hooks -> Bool,
        health_analysis -> Nullable<Text>,
        pushed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    deployments (id) {
        id -> Text,
        team -> Text,
        application_id -> Text,
        application -> Text,
        group_id -> Text,
        deployment_group -> Text,
        revision_id -> Text,
        deployment_config -> Text,
        minimum_healthy -> Text,
        status -> Text,
        reason -> Text,
        rollback_of -> Nullable<Text>,
        description -> Nullable<Text>,
        overview -> Nullable<Text>,
        error_code -> Nullable<Text>,
        error_message -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        request_hash -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        zone_mode -> Nullable<Text>,
        canary_batch_size -> Nullable<Integer>,
        idempotency_lease_until -> Nullable<Timestamp>,
        rollout_options -> Nullable<Text>,
        progress -> Nullable<Text>,
        progress_seq -> Nullable<BigInt>,
        traceparent -> Nullable<Text>,
        waiting_for -> Nullable<Text>,
    }
}

diesel::table! {
    deployment_hosts (deployment_id, host_id) {
        deployment_id -> Text,
        host_id -> Text,
        position -> Integer,
        body -> Text,
        seq -> BigInt,
    }
}

diesel::table! {
    deployment_configs (id) {
        id -> Text,
        team -> Text,
        name -> Text,
        minimum_healthy -> Text,
        zone_mode -> Text,
        canary_batch_size -> Nullable<Integer>,
        created_by -> Text,
        created_at -> Timestamp,
        zone_bake_secs -> Integer,
        health_analysis -> Nullable<Text>,
    }
}

diesel::joinable!(revisions -> applications (application_id));
diesel::joinable!(deployment_groups -> applications (application_id));
diesel::table! {
    freezes (id) {
        id -> Text,
        team -> Text,
        application -> Nullable<Text>,
        reason -> Text,
        ends_at -> Timestamp,
        created_by -> Text,
        created_at -> Timestamp,
        lifted_at -> Nullable<Timestamp>,
        lifted_by -> Nullable<Text>,
        pushed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    deployment_windows (group_id) {
        group_id -> Text,
        windows -> Text,
        outside_window -> Text,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    stage_approvals (application_id, stage) {
        application_id -> Text,
        stage -> Text,
        expires_after_secs -> Integer,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    promotion_requests (id) {
        id -> Text,
        team -> Text,
        application_id -> Text,
        application -> Text,
        from_stage -> Text,
        to_stage -> Text,
        revision_id -> Text,
        source_deployment_id -> Text,
        config -> Nullable<Text>,
        description -> Nullable<Text>,
        status -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        expires_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
        deployment_ids -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    applications,
    revisions,
    deployment_groups,
    deployments,
    deployment_configs,
    bundles,
    bundle_chunks
);
