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
    }
}
