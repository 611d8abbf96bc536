"""Run the real app under gunicorn with several workers on loopback, the way production runs it.

Used by the tests that only mean something across processes (rate limits, idempotency, crash safety) and by
the benchmarks. The database is whatever URI the caller passes (the test's own SQLite file or PostgreSQL DB).
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, database_uri: str, workers: int = 3, extra_env: dict | None = None, threads: int = 1,
                 port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PRO_SQLALCHEMY_DATABASE_URI": database_uri,
            "PRO_SECRET_KEY": "gunicorn-test-secret",
            "PRO_SESSION_COOKIE_SECURE": "false",
            "PRO_BASE_URL": self.url,
            "PRO_TRUSTED_HOSTS": '["127.0.0.1"]',
            "PRO_ARGON2_TIME_COST": "1", "PRO_ARGON2_MEMORY_COST": "8", "PRO_ARGON2_PARALLELISM": "1",
            "PRO_MESSAGE_CHANNEL_EMAIL": "console", "PRO_MESSAGE_CHANNEL_SMS": "console",
            **(extra_env or {}),
        }
        self.args = [GUNICORN, "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{self.port}",
                     "--graceful-timeout", "2", "--log-level", "warning", "wsgi:app"]
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> "Gunicorn":
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                message = self.process.stderr.read().decode()[-2000:]
                self.process.stderr.close()
                raise RuntimeError(f"gunicorn exited: {message}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def kill(self) -> None:
        """kill -9 the master and every worker (the whole process group we started)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
