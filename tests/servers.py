"""Real servers for the tests, on free loopback ports: Debian's redis-server and TSI itself under gunicorn
(`tsi run --workers N`), each a child process that the tests start, stop and restart."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TSI = str(Path(sys.executable).with_name("tsi"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = e
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s (last error: {last!r})")


class RedisServer:
    """`redis-server` with a password, no persistence, on 127.0.0.1:<free port>; `url` selects db 2."""

    password = "tsi-test-redis-pw"

    def __init__(self, workdir: Path) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed (scripts/install-system-deps.sh installs it)")
        self.exe = exe
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://:{self.password}@127.0.0.1:{self.port}/2"
        self.proc: subprocess.Popen | None = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> "RedisServer":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--requirepass", self.password,
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir), "--logfile", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.client().ping(), 15, "redis-server")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self.proc = None

    def keys(self, pattern: str = "tsi:*") -> list[str]:
        return [k.decode() for k in self.client().keys(pattern)]


class TsiServer:
    """`tsi run --workers N` (gunicorn) on 127.0.0.1:<free port> with the given TSI_* settings.

    gunicorn's access log (stdout, one line per request: `<worker pid> <status> <path>`) tells which worker
    answered which request.
    """

    def __init__(self, env: dict[str, str], workers: int = 2, log: Path | None = None) -> None:
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None
        self._out = None

    def start(self, timeout: float = 60) -> "TsiServer":
        import requests

        env = {k: v for k, v in os.environ.items() if not k.startswith("TSI_")}
        env.update(self.env)
        env["GUNICORN_CMD_ARGS"] = "--access-logfile - --access-logformat '%(p)s %(s)s %(U)s'"
        env["PYTHONUNBUFFERED"] = "1"  # the access log is read while the server runs
        self._out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen([TSI, "run", "--workers", str(self.workers), "--host", "127.0.0.1",
                                      "--port", str(self.port)],
                                     cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            wait_until(lambda: self.proc.poll() is None and requests.get(self.url + "/healthz", timeout=5).status_code
                       in (200, 503), timeout, "tsi run")
        except BaseException:
            self.stop()  # never leave a half-started server behind
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
        if self._out not in (None, subprocess.DEVNULL):
            self._out.close()
        self._out = None

    def access_log(self) -> list[tuple[int, int, str]]:
        """(worker pid, status, path) of every request answered so far."""
        out = []
        for line in (self.log.read_text(errors="replace").splitlines() if self.log else []):
            parts = line.strip().split(" ")  # "<pid> status path"
            if len(parts) == 3 and parts[0].strip("<>").isdigit() and parts[1].isdigit():
                out.append((int(parts[0].strip("<>")), int(parts[1]), parts[2]))
        return out


def tsi_cli(env: dict[str, str], *args: str, timeout: float = 120, stdin: str | None = None
            ) -> subprocess.CompletedProcess:
    """Run the `tsi` command in another process with these TSI_* settings (and `stdin` as its input)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("TSI_")}
    full.update(env)
    return subprocess.run([TSI, *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=timeout,
                          input=stdin)


def add_users(env: dict[str, str], users: dict[str, tuple[str, str]]) -> None:
    """`tsi user add NAME --role R --password-stdin` for each {name: (role, password)}, as an operator would."""
    for name, (role, password) in users.items():
        out = tsi_cli(env, "user", "add", name, "--role", role, "--password-stdin", stdin=password + "\n")
        assert out.returncode == 0, out.stderr


def ingest_with(env: dict[str, str], dirs: dict[str, Path]) -> dict[str, int]:
    """Store generated schedules in the database that `env`'s settings name (in this process, as the servers
    will read it); returns {name: schedule id}. This process's settings are restored afterwards."""
    import pytest

    from builders import ingest_dir
    from tsi import data
    from tsi.config import reset_settings

    with pytest.MonkeyPatch.context() as mp:
        for k in [k for k in os.environ if k.startswith("TSI_")]:
            mp.delenv(k)
        for k, v in env.items():
            mp.setenv(k, v)
        reset_settings()
        data.reset()
        try:
            return {name: ingest_dir(d)["schedule_id"] for name, d in dirs.items()}
        finally:
            reset_settings()
            data.reset()
