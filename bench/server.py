"""The app under gunicorn on a benchmark's database, and a bounded HTTP load loop against it.

Everything listens on and talks to 127.0.0.1 only; the server is always stopped, and the load
loop sends a fixed number of requests and ends.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
REQUEST_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """DATABASE_URL for a child process: the database this process is using now."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


@contextmanager
def gunicorn(
    *,
    workers: int = 2,
    settings: str = "bench.settings",
    app: str = "config.wsgi:application",
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve the app (sync workers) on a free loopback port; yield its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = Path(tempfile.mkdtemp(prefix="vignette-bench-")) / "gunicorn.log"
    argv = [sys.executable, "-m", "gunicorn", app]
    argv += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    argv += ["--error-logfile", "-", "--graceful-timeout", "5", "--no-control-socket"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603  our own program, fixed arguments
            argv,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so that a KILL reaches the workers too
        )
    try:
        _wait_healthy(process, url, log_path)
        yield url
    except BaseException:
        stop_process(process)
        print(f"gunicorn's log is kept at {log_path}")
        raise
    stop_process(process)
    shutil.rmtree(log_path.parent, ignore_errors=True)


def _wait_healthy(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        threading.Event().wait(0.1)
    raise TimeoutError(f"gunicorn did not answer {url}/healthz; log: {log_path}")


def stop_process(process: subprocess.Popen) -> None:
    """TERM, then KILL its whole session after STOP_TIMEOUT; nothing if it already ended."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_TIMEOUT)


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    def merge(self, other: "LoadResult") -> "LoadResult":
        return LoadResult(
            self.requests + other.requests,
            self.seconds + other.seconds,
            self.latencies + other.latencies,
            self.errors + other.errors,
            (self.error_samples + other.error_samples)[:5],
        )

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.per_second, 1),
            "p50_ms": round(self.percentile(0.50) * 1000, 1),
            "p95_ms": round(self.percentile(0.95) * 1000, 1),
            "p99_ms": round(self.percentile(0.99) * 1000, 1),
            "errors": self.errors,
            "error_samples": self.error_samples,
        }


# A request is (path, headers, body); each thread makes its own from its own share of the work.
Request = tuple[str, dict[str, str], bytes]


def load(url: str, makers: list[Callable[[], Request]], *, per_thread: int) -> LoadResult:
    """Each maker drives one thread with one keep-alive connection (reopened when the server
    closes it), sending `per_thread` POSTs one after another; all threads start together."""
    host, port = url.removeprefix("http://").split(":")
    start = threading.Barrier(len(makers) + 1)
    results: list[LoadResult] = []
    lock = threading.Lock()

    def run(make: Callable[[], Request]) -> None:
        result = LoadResult(per_thread, 0.0)
        connection = http.client.HTTPConnection(host, int(port), timeout=REQUEST_TIMEOUT)
        start.wait()
        try:
            for _ in range(per_thread):
                path, headers, body = make()
                began = time.perf_counter()
                try:
                    connection.request("POST", path, body, headers)
                    response = connection.getresponse()
                    data = response.read()
                    if response.will_close:
                        connection.close()
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    result.errors += 1
                    result.error_samples.append(repr(error))
                    continue
                result.latencies.append(time.perf_counter() - began)
                if response.status != 200:
                    result.errors += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(f"{response.status} {data[:200]!r}")
        finally:
            connection.close()
            with lock:
                results.append(result)

    threads = [threading.Thread(target=run, args=(make,)) for make in makers]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    total = LoadResult(0, 0.0)
    for result in results:
        total = total.merge(result)
    total.seconds = seconds
    return total


def json_body(payload: dict) -> bytes:
    return json.dumps(payload).encode()
