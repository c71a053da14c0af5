//! The browser the console test drives: chromedriver started on a free port, headless Chromium
//! in a fresh profile, and the few W3C WebDriver calls the test needs (spoken with reqwest).

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use liftoff_testkit::{free_port, wait_for};
use serde_json::{Value, json};

use crate::WAIT;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub fn find(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// A headless Chromium session through a chromedriver of our own.
pub struct Browser {
    http: reqwest::Client,
    session: String,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
    shots: PathBuf,
}

impl Browser {
    pub async fn start(chromium: &Path, chromedriver: &Path, shots: PathBuf) -> Browser {
        let port = free_port();
        // Its own process group, which Chromium joins: a failing test kills them all (Drop).
        let driver = tokio::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        wait_for("chromedriver to answer", WAIT, || {
            let (http, base) = (http.clone(), base.clone());
            async move {
                let v: Value = http
                    .get(format!("{base}/status"))
                    .send()
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                v["value"]["ready"].as_bool().filter(|r| *r)
            }
        })
        .await;
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .unwrap();
        let id = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {v}"));
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            http,
            session: format!("{base}/session/{id}"),
            driver,
            _profile: profile,
            shots,
        }
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
            .json()
            .await
            .unwrap();
        v["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// The text of the first element matching `css`, if any.
    pub async fn text(&self, css: &str) -> Option<String> {
        let v = self
            .script(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                json!([css]),
            )
            .await;
        v.as_str().map(str::to_string)
    }

    /// Waits until the element matching `css` exists and its text contains `want`.
    /// On a timeout it saves `timed-out.png` and says what the element showed instead.
    pub async fn wait_text(&self, css: &str, want: &str) -> String {
        let end = tokio::time::Instant::now() + WAIT;
        loop {
            let text = self.text(css).await;
            if let Some(t) = text.as_ref().filter(|t| t.contains(want)) {
                return t.clone();
            }
            if tokio::time::Instant::now() >= end {
                let shot = self.screenshot("timed-out").await;
                let page = self.text("main").await.unwrap_or_default();
                panic!(
                    "timed out after {WAIT:?} waiting for {css} to show {want:?}; it shows {text:?} (page: {page}; screenshot {})",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn element(&self, css: &str) -> String {
        wait_for(&format!("an element {css}"), WAIT, || async move {
            let v = self
                .call(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            v[ELEMENT].as_str().map(str::to_string)
        })
        .await
    }

    /// Clicks the element matching `css`, finding it again if the page replaced it meanwhile.
    pub async fn click(&self, css: &str) {
        wait_for(&format!("a click on {css}"), WAIT, || async move {
            let e = self.element(css).await;
            let v = self
                .call(
                    reqwest::Method::POST,
                    &format!("/element/{e}/click"),
                    Some(json!({})),
                )
                .await;
            v.get("error").is_none().then_some(())
        })
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Presses one key (a WebDriver key code, e.g. `\u{E004}` Tab, `\u{E007}` Enter).
    pub async fn press(&self, key: &str) {
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(
                json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]}),
            ),
        )
        .await;
    }

    /// Tabs from the top of the page to the element matching `css` (at most 80 presses).
    pub async fn tab_to(&self, css: &str) {
        self.script(
            "document.activeElement && document.activeElement.blur(); window.focus();",
            json!([]),
        )
        .await;
        for _ in 0..80 {
            self.press("\u{E004}").await;
            let here = self
                .script(
                    "return document.activeElement.matches(arguments[0]);",
                    json!([css]),
                )
                .await;
            if here == json!(true) {
                return;
            }
        }
        panic!("{css} cannot be reached with the Tab key");
    }

    /// Accepts the confirmation dialog a control opened.
    pub async fn accept_confirmation(&self) {
        wait_for("the confirmation dialog", WAIT, || async move {
            let v = self.call(reqwest::Method::GET, "/alert/text", None).await;
            v.as_str().map(str::to_string)
        })
        .await;
        self.call(reqwest::Method::POST, "/alert/accept", Some(json!({})))
            .await;
    }

    /// Clicks a control and accepts the confirmation it asks for.
    pub async fn confirm_click(&self, css: &str) {
        self.click(css).await;
        self.accept_confirmation().await;
    }

    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("screenshot"))
            .unwrap();
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    pub async fn sign_in(&self, url: &str, token: &str) {
        self.goto(&format!("{url}/#/signin")).await;
        self.element("#token").await;
        self.script(
            "sessionStorage.clear(); document.getElementById('token').value = '';",
            json!([]),
        )
        .await;
        self.type_into("#token", token).await;
        self.click("#signin").await;
        self.wait_text("#who", "team").await;
    }

    /// Controls (buttons, inputs, selects) without an accessible name.
    pub async fn unlabelled_controls(&self) -> Value {
        self.script(
            "return [...document.querySelectorAll('button, input, select, a[href]')]
               .filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') || e.innerText.trim()))
               .map(e => e.outerHTML);",
            json!([]),
        )
        .await
    }

    pub async fn stop(self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

impl Drop for Browser {
    /// Chromium outlives chromedriver unless its whole group is killed (a panicking test
    /// would otherwise leave browsers running).
    fn drop(&mut self) {
        if let Some(pid) = self.driver.id() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}
