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
        Ok(Self {
            admin_url: server_url.to_string(),
            url: with_database(server_url, &name),
            name,
        })
    }
}

/// `server_url` naming database `name` instead of its own, its parameters (`?sslmode=…`) kept:
/// `postgres://u@h:5432/postgres?sslmode=require` → `postgres://u@h:5432/NAME?sslmode=require`.
fn with_database(server_url: &str, name: &str) -> String {
    let (address, params) = match server_url.split_once('?') {
        Some((a, p)) => (a, Some(p)),
        None => (server_url, None),
    };
    // The database is the path after the authority (`scheme://authority/database`).
    let authority_at = address.find("://").map_or(0, |i| i + 3);
    let base = match address[authority_at..].find('/') {
        Some(slash) => &address[..authority_at + slash],
        None => address,
    };
    match params {
        Some(p) => format!("{base}/{name}?{p}"),
        None => format!("{base}/{name}"),
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

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_is_replaced_and_parameters_kept() {
        for (server, want) in [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@127.0.0.1:5432/x",
            ),
            (
                "postgres://postgres@127.0.0.1:5432",
                "postgres://postgres@127.0.0.1:5432/x",
            ),
            (
                "postgres://h/postgres?sslmode=require&application_name=a/b",
                "postgres://h/x?sslmode=require&application_name=a/b",
            ),
            (
                "postgresql://u:p@h:1/db?sslmode=disable",
                "postgresql://u:p@h:1/x?sslmode=disable",
            ),
            (
                "postgres://h?sslmode=require",
                "postgres://h/x?sslmode=require",
            ),
        ] {
            assert_eq!(with_database(server, "x"), want, "{server}");
        }
    }
}
