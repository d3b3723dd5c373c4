"""The services `make chaos` may break at will: a PostgreSQL cluster, a Redis and a Celery
worker of the run's own, on free loopback ports and temporary directories, so that restarting
or killing them touches nothing else on the machine. Every one is stopped at the end."""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.server import free_port, stop_process

BASE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _wait(predicate, what: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Gave up after {timeout:g} s waiting for {what}.")
        time.sleep(0.1)


def _spawn(argv: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603  our own services, fixed arguments
            argv,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


class PrivatePostgres:
    """A cluster in a temporary directory. PostgreSQL refuses to run as root, so under root it
    runs as the `postgres` user that Debian's package creates."""

    def __init__(self, work: Path):
        self.port = free_port()
        self.data = work / "postgres"
        self.log = work / "postgres.log"
        self.process: subprocess.Popen | None = None
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(work, "postgres")
        self._as_owner([self._bin("initdb"), "-D", str(self.data), "-U", "postgres"])

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        argv = [self._bin("postgres"), "-D", str(self.data), "-p", str(self.port)]
        argv += ["-k", str(self.data), "-c", "listen_addresses=127.0.0.1"]
        self.process = _spawn(self._owner_prefix() + argv, self.log)
        _wait(lambda: self._ready(), "PostgreSQL to accept connections")

    def stop(self) -> None:
        """A fast shutdown: every session is ended, as on a restart in production."""
        if self.process is None or self.process.poll() is not None:
            return
        self._as_owner([self._bin("pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w"])
        self.process.wait(STOP_TIMEOUT)

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited; see {self.log}")
        argv = [self._bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
        argv += ["-U", "postgres"]
        return subprocess.run(argv, check=False).returncode == 0  # noqa: S603

    @staticmethod
    def _bin(name: str) -> str:
        found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        return found[-1] if found else shutil.which(name) or name

    @staticmethod
    def _owner_prefix() -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _as_owner(self, argv: list[str]) -> None:
        with self.log.open("ab") as out:
            subprocess.run(self._owner_prefix() + argv, check=True, stdout=out, stderr=out)  # noqa: S603


class PrivateRedis:
    def __init__(self, work: Path):
        self.port = free_port()
        self.dir = work
        self.log = work / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.dir)]
        self.process = _spawn(argv, self.log)
        _wait(lambda: _accepts(self.port), "Redis to accept connections")

    def stop(self) -> None:
        stop_process(self.process)
        _wait(lambda: not _accepts(self.port), "Redis to stop listening", STOP_TIMEOUT)


@dataclass
class Worker:
    """A Celery worker (prefork, one pool child) on the run's database and broker. `env` holds
    a short visibility timeout, so that a message a killed worker took comes back in seconds."""

    env: dict
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork"]
        argv += ["--concurrency=1", "--loglevel=INFO", "-n", f"chaos-{os.getpid()}@%h"]
        self.process = _spawn(argv, self.log, self.env)

    def pool_child(self) -> int:
        """The pid of the process that runs tasks (the worker's only child)."""

        def child():
            path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return path.read_text().split() if path.exists() else []

        _wait(lambda: child(), "the worker's pool child")
        return int(child()[0])

    def kill_pool_child(self) -> None:
        os.kill(self.pool_child(), signal.SIGKILL)

    def kill(self) -> None:
        """The worker and its pool child at once, as when its machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT)

    def stop(self) -> None:
        stop_process(self.process)


def work_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="vignette-chaos-"))
    path.chmod(0o755)
    return path
