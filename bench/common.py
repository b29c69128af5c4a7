"""Shared measuring tools: medians, a gunicorn server on loopback, and wrk load runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 2) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str] | None = None, workers: int = 2,
             port: int | None = None, extra: Sequence[str] = ()) -> Iterator[str]:
    """Serve ``app_spec`` (module:callable) with gunicorn on 127.0.0.1; yield its base URL."""
    port = port or free_port()
    binary = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [binary, "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--chdir", str(ROOT), *extra, app_spec],
        env={**os.environ, **(env or {})},
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def wrk(url: str, connections: int = 32, seconds: int = 10, threads: int = 2,
        headers: dict[str, str] | None = None) -> dict[str, float]:
    """Load ``url`` with wrk; return requests/s, non-2xx/3xx count and socket errors."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    args = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    latency = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    return {
        "rps": rps,
        "non_2xx_3xx": float(bad.group(1)) if bad else 0.0,
        "socket_errors": float(sum(int(g) for g in errors.groups())) if errors else 0.0,
        "p50_ms": _ms(latency) if latency else float("nan"),
    }


def _ms(match: re.Match[str]) -> float:
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def table(rows: Sequence[dict[str, Any]]) -> str:
    """A plain text table of dict rows, columns in first-seen order."""
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    cells = [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def save(name: str, payload: dict[str, Any]) -> Path:
    """Keep the figures as JSON under bench/results/ (ignored by git) for the closing notes."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def bench_database(kind: str, name: str, pg_url: str, reuse: bool, sqlite_dir: Path) -> tuple[str, bool]:
    """A database for one benchmark: a SQLite file in ``sqlite_dir``, or a database called ``name`` on the
    PostgreSQL server of ``pg_url``. Returns its URL and whether an earlier run's copy was kept (``reuse``)."""
    import sqlalchemy as sa

    if kind == "sqlite":
        sqlite_dir.mkdir(parents=True, exist_ok=True)
        path = sqlite_dir / f"{name}.db"
        if reuse and path.exists():
            return f"sqlite:///{path}", True
        for old in sqlite_dir.glob(f"{name}.db*"):
            old.unlink()
        return f"sqlite:///{path}", False
    url = re.sub(r"/[^/]*$", f"/{name}", pg_url)
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if reuse and exists:
                return url, True
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()
    return url, False
