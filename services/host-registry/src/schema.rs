//! Tables of the host registry.

diesel::table! {
    enrollment_tokens (id) {
        id -> Text,
        team -> Text,
        token_hash -> Text,
        tags -> Text,
        description -> Nullable<Text>,
        expires_at -> Timestamp,
        uses_left -> Nullable<BigInt>,
        uses -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    hosts (id) {
        id -> Text,
        team -> Text,
        name -> Text,
        zone -> Text,
        tags -> Text,
        state -> Text,
        agent_version -> Nullable<Text>,
        credential_id -> Text,
        enrollment_token_id -> Text,
        last_heartbeat_at -> Nullable<Timestamp>,
        enrolled_at -> Timestamp,
        updated_at -> Timestamp,
        deregistered_at -> Nullable<Timestamp>,
        state_reason -> Nullable<Text>,
        state_changed_at -> Nullable<Timestamp>,
        epoch -> BigInt,
        previous_tags -> Nullable<Text>,
        resume_state -> Nullable<Text>,
    }
}

diesel::table! {
    host_installs (host_id, epoch, group_id) {
        host_id -> Text,
        epoch -> BigInt,
        group_id -> Text,
        application -> Text,
        deployment_group -> Text,
        deployment_id -> Text,
        revision_id -> Text,
        mode -> Text,
        status -> Text,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    host_commands (id) {
        id -> Text,
        host_id -> Text,
        kind -> Text,
        action_id -> Nullable<Text>,
        status -> Text,
        message -> Nullable<Text>,
        output_tail -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    lifecycle_actions (id) {
        id -> Text,
        event_id -> Text,
        direction -> Text,
        instance_id -> Text,
        asg_name -> Nullable<Text>,
        hook_name -> Nullable<Text>,
        action_token -> Nullable<Text>,
        host_id -> Nullable<Text>,
        team -> Nullable<Text>,
        status -> Text,
        result -> Nullable<Text>,
        default_result -> Text,
        message -> Nullable<Text>,
        deadline -> Timestamp,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    host_revisions (host_id, application) {
        host_id -> Text,
        application -> Text,
        team -> Text,
        deployment_group -> Text,
        deployment_group_id -> Text,
        deployment_id -> Text,
        revision_id -> Text,
        installed_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    install_outcomes (event_id) {
        event_id -> Text,
        deployment_id -> Text,
        host_id -> Nullable<Text>,
        status -> Text,
        error_code -> Nullable<Text>,
        message -> Nullable<Text>,
        occurred_at -> Timestamp,
        received_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(hosts, host_commands);
