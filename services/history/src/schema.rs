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
