//! A PostgreSQL database made for one run and dropped after it: each test, and each
//! `liftoff bench` given a server, starts from nothing and leaves nothing behind.

use diesel::{Connection, PgConnection, RunQueryDsl};

/// A database created on a server for one run, dropped (connections and all) when this is.
pub struct PgDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl PgDatabase {
    /// A fresh `liftoff_t_…` database on the server `server_url` names (through its database).
    pub fn create(server_url: &str) -> anyhow::Result<Self> {
        Self::create_named(server_url, "liftoff_t")
    }

    /// A fresh `{prefix}_…` database; `prefix` is a plain SQL identifier.
    pub fn create_named(server_url: &str, prefix: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "database prefix {prefix:?}: lowercase letters and _ only"
        );
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(server_url)?;
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn)?;
        let base = server_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(server_url);
        Ok(Self {
            admin_url: server_url.to_string(),
            url: format!("{base}/{name}"),
            name,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}
