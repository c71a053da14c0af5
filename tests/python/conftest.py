"""A real control plane (`liftoff up` on a free port, fresh data dir) and real agent
processes, for the generated client's scenario. LIFTOFF_BIN names the `liftoff` binary."""

import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def wait_for(what, check, timeout=60.0, every=0.2):
    """Polls `check` until it returns something truthy; fails naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


class ControlPlane:
    def __init__(self, binary: str, workdir: Path):
        self.binary = binary
        self.workdir = workdir
        self.data_dir = workdir / "up"
        self.log = open(workdir / "up.log", "w+")
        self.process = subprocess.Popen(
            [binary, "up", "--listen", "127.0.0.1:0", "--data-dir", str(self.data_dir)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.agents: list[subprocess.Popen] = []

        def started():
            self.log.seek(0)
            m = re.search(r"liftoff is up at (http://\S+)", self.log.read())
            return m and (self.data_dir / "admin.token").exists() and m.group(1)

        self.url = wait_for("liftoff up to start", started)
        self.token = (self.data_dir / "admin.token").read_text().strip()

    def start_agent(self, enroll_token: str, zone: str, tags: dict[str, str]) -> None:
        root = Path(tempfile.mkdtemp(dir=self.workdir, prefix="host-"))
        args = [self.binary, "agent", "--server", self.url, "--enroll-token", enroll_token,
                "--zone", zone, "--root", str(root), "--install-root", str(root / "install"),
                "--poll-wait", "2"]
        for k, v in tags.items():
            args += ["--tag", f"{k}={v}"]
        log = open(root / "agent.log", "w")
        self.agents.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))

    def stop(self) -> None:
        for p in [*self.agents, self.process]:
            p.send_signal(signal.SIGTERM)
        for p in [*self.agents, self.process]:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture
def control_plane(tmp_path):
    binary = os.environ.get("LIFTOFF_BIN")
    if not binary:
        pytest.fail("set LIFTOFF_BIN to a built liftoff binary (scripts/contract python does)")
    cp = ControlPlane(binary, tmp_path)
    try:
        yield cp
    finally:
        cp.stop()
