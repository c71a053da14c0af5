//! `liftoff ARGS --json` run as a user runs it, against a test platform.

#![allow(dead_code)]

use liftoff_testkit::TestPlatform;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_liftoff");

pub struct Cli<'a> {
    pub p: &'a TestPlatform,
}

impl Cli<'_> {
    /// Runs `liftoff ARGS --json`; returns (exit code, stdout as JSON).
    pub async fn run(&self, args: &[&str]) -> (i32, Value) {
        let out = tokio::process::Command::new(BIN)
            .args(args)
            .arg("--json")
            .env("LIFTOFF_URL", &self.p.url)
            .env("LIFTOFF_TOKEN", &self.p.admin_token)
            .env("LIFTOFF_DATA_DIR", self.p.dir.path().join("cli-data"))
            .output()
            .await
            .expect("run liftoff");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "`liftoff {}` printed no single JSON document ({e}):\n{stdout}\nstderr:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), json)
    }

    pub async fn ok(&self, args: &[&str]) -> Value {
        let (code, json) = self.run(args).await;
        assert_eq!(code, 0, "`liftoff {}` failed: {json}", args.join(" "));
        json
    }

    /// Fails with error code `want`.
    pub async fn fails(&self, args: &[&str], want: &str) -> Value {
        let (code, json) = self.run(args).await;
        assert_ne!(code, 0, "`liftoff {}` should fail: {json}", args.join(" "));
        assert_eq!(
            json["error"]["code"],
            want,
            "`liftoff {}`: {json}",
            args.join(" ")
        );
        json
    }
}
