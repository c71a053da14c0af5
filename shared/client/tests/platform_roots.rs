//! Clients trust the platform's TLS roots, loaded once per process: a server whose certificate
//! is among them is reached, one whose certificate is not is refused.
//!
//! The roots are read once per process, so the check runs in a child process of this test
//! binary with `SSL_CERT_FILE` naming a certificate made here (and `SSL_CERT_DIR` an empty
//! directory, so the machine's own roots stay out). The servers are `openssl s_server`. After
//! the first client, the child overwrites that file with the other CA: clients built later
//! still trust what was loaded, so the store is not read again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHILD: &str = "trusts_only_the_platform_roots_in_a_child";

/// Runs `openssl` with `args`; panics if it fails.
fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A certificate authority `<name>-ca.pem` and a server certificate for `localhost` it signed,
/// `<name>.pem` with its key `<name>.key`.
fn certificate(dir: &Path, name: &str) {
    let (ca, ca_key) = (format!("{name}-ca.pem"), format!("{name}-ca.key"));
    let (cert, key, csr) = (
        format!("{name}.pem"),
        format!("{name}.key"),
        format!("{name}.csr"),
    );
    let subject = format!("/CN=Liftoff test CA {name}");
    openssl(
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", &subject,
            "-keyout", &ca_key, "-out", &ca,
        ],
        dir,
    );
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            &key,
            "-out",
            &csr,
        ],
        dir,
    );
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-days",
            "1",
            "-copy_extensions",
            "copy",
            "-out",
            &cert,
        ],
        dir,
    );
}

/// Kills the server when the test ends, passed or not.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An HTTPS server (`openssl s_server -www`) with certificate `name`, once it accepts.
fn serve(dir: &Path, name: &str) -> (Server, SocketAddr) {
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let server = Server(
        Command::new("openssl")
            .args(["s_server", "-www", "-quiet", "-accept"])
            .arg(addr.to_string())
            .arg("-cert")
            .arg(dir.join(format!("{name}.pem")))
            .arg("-key")
            .arg(dir.join(format!("{name}.key")))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "openssl s_server never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, addr)
}

#[test]
fn a_client_trusts_the_platform_roots_and_nothing_else() {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipped: no openssl command to make certificates and serve HTTPS");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    certificate(dir.path(), "trusted");
    certificate(dir.path(), "stranger");
    let empty = dir.path().join("no-more-roots");
    std::fs::create_dir(&empty).unwrap();
    let (_trusted, trusted_at) = serve(dir.path(), "trusted");
    let (_stranger, stranger_at) = serve(dir.path(), "stranger");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([CHILD, "--exact", "--ignored", "--nocapture"])
        .env("SSL_CERT_FILE", dir.path().join("trusted-ca.pem"))
        .env("SSL_CERT_DIR", &empty)
        .env("TRUSTED_AT", trusted_at.to_string())
        .env("STRANGER_AT", stranger_at.to_string())
        .env("STRANGER_CA", dir.path().join("stranger-ca.pem"))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the child's checks failed:\n{said}");
    assert!(
        said.contains("1 passed"),
        "the child's check did not run:\n{said}"
    );
}

/// Run by the test above, in a process of its own.
#[tokio::test]
#[ignore = "run by a_client_trusts_the_platform_roots_and_nothing_else"]
async fn trusts_only_the_platform_roots_in_a_child() {
    let at = |var: &str| -> SocketAddr { std::env::var(var).unwrap().parse().unwrap() };
    let get = |addr: SocketAddr| async move {
        // A new client each time, as a webhook delivery builds one: the roots are not read
        // again, and each client still verifies against them.
        let client = liftoff_client::platform_roots(reqwest::Client::builder())
            .resolve("localhost", addr)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        client
            .get(format!("https://localhost:{}/", addr.port()))
            .send()
            .await
    };
    // Its answer is dropped at once: `openssl s_server` serves one connection at a time.
    let first = get(at("TRUSTED_AT"))
        .await
        .expect("the trusted server is reached");
    assert_eq!(first.status().as_u16(), 200);
    drop(first);
    // The store changes on disk: the roots loaded with the first client stay.
    let store = std::env::var("SSL_CERT_FILE").unwrap();
    std::fs::copy(std::env::var("STRANGER_CA").unwrap(), &store).unwrap();
    for _ in 0..3 {
        let res = get(at("TRUSTED_AT"))
            .await
            .expect("the trusted server is still reached: the roots were not read again");
        assert_eq!(res.status().as_u16(), 200);
    }
    let refused = get(at("STRANGER_AT"))
        .await
        .expect_err("an unknown certificate is refused");
    let chain = format!("{:?}", refused);
    assert!(
        chain.contains("UnknownIssuer") || chain.contains("certificate"),
        "refused for another reason: {chain}"
    );
}
