//! The status enums as TEXT columns (feature `diesel`, enabled by the services only).
//!
//! A column holds exactly the name `as_str` gives, the same string the JSON carries, so no
//! stored value changes with these mappings. Reading a string no variant has is a
//! deserialization error that names the column's type and the string, never a panic or a
//! silent default. The impls are generic over the backend, so the services' `MultiBackend`
//! (SQLite and PostgreSQL behind one connection type) gets them through its own `str`/`String`
//! mappings; they live here because the orphan rule allows `AsExpression<Text>` and the
//! row impls only in the crate that defines the enum.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

macro_rules! text_column {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl<DB> ToSql<Text, DB> for $ty
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let s = String::from_sql(bytes)?;
                <$ty>::parse(&s).ok_or_else(|| format!("unknown {} {s:?} in the database", $what).into())
            }
        }
    )*};
}

text_column! {
    crate::scheduler::RolloutStatus => "rollout status",
    crate::scheduler::HostTargetStatus => "host target status",
    crate::scheduler::EventStatus => "lifecycle event status",
    crate::scheduler::CommandStatus => "command status",
    crate::registry::HostState => "host state",
    crate::registry::InstallStatus => "install status",
    crate::registry::HostCommandStatus => "host command status",
    crate::registry::OutcomeStatus => "install outcome status",
    crate::registry::InstallMode => "install mode",
    crate::registry::HostCommandKind => "host command kind",
    crate::deployments::DeploymentStatus => "deployment status",
    crate::autoscaling::LifecycleActionStatus => "lifecycle action status",
}
