"""The production stack on 127.0.0.1, from the shipped deployment files: PostgreSQL, Redis, gunicorn and nginx.

Used by the several-server test (tests/deploy/test_servers.py) and ``python -m bench servers``. Each part gets a free
port and a folder under ``workdir``; the app servers run the ``ExecStart`` of deploy/systemd/doorstep-web.service
with deploy/doorstep.env as their environment, and nginx runs deploy/nginx/doorstep.conf with only its
addresses and paths replaced (``site_config``), so what is tested is what ships.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import http.client
import os
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import ROOT, free_port, wait_for_port

DEPLOY = ROOT / "deploy"
SITE_CONFIG = DEPLOY / "nginx" / "doorstep.conf"
WEB_UNIT = DEPLOY / "systemd" / "doorstep-web.service"
WORKER_UNIT = DEPLOY / "systemd" / "doorstep-outbox@.service"
ENV_FILE = DEPLOY / "doorstep.env"
HOST = "leads.example.com"  # the shipped server_name; requests say it, as a browser would


def missing_tools() -> list[str]:
    """What this machine lacks to start the stack."""
    missing = [tool for tool in ("redis-server", "nginx", "openssl") if shutil.which(tool) is None
               and not Path(f"/usr/sbin/{tool}").exists()]
    if not _pg_bin():
        missing.append("PostgreSQL (initdb)")
    return missing


def _tool(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


def _pg_bin() -> str:
    found = shutil.which("initdb") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))[-1:]), "")
    return str(Path(found).resolve().parent) if found else ""


def _as_postgres_user(args: Sequence[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "nobody", "--", *args] if os.geteuid() == 0 else list(args)


def unit_command(unit: Path, env: dict[str, str]) -> list[str]:
    """A systemd unit's ExecStart, for this checkout: its ${VARIABLES} from ``env``, /srv/doorstep here."""
    line = next(row for row in unit.read_text().splitlines() if row.startswith("ExecStart="))
    line = line.removeprefix("ExecStart=").replace("/srv/doorstep/.venv/bin", str(Path(sys.executable).parent))
    line = re.sub(r"\$\{(\w+)\}", lambda match: env[match.group(1)], line)
    return shlex.split(line.replace("/srv/doorstep", str(ROOT)))


def unit_for_here(unit: Path, workdir: Path, instance: str = "") -> Path:
    """A copy of ``unit`` for this checkout (/srv/doorstep here, the env file from deploy/), for systemd-analyze."""
    text = unit.read_text().replace("/srv/doorstep/.venv/bin", str(Path(sys.executable).parent))
    text = text.replace("/srv/doorstep", str(ROOT)).replace("/etc/doorstep/env", str(ENV_FILE))
    copy = workdir / (unit.name.replace("@.", f"@{instance}.") if instance else unit.name)
    copy.write_text(text)
    return copy


def env_file() -> dict[str, str]:
    """deploy/doorstep.env as a mapping, the way systemd's EnvironmentFile reads it."""
    values = {}
    for row in ENV_FILE.read_text().splitlines():
        if row.strip() and not row.lstrip().startswith("#"):
            key, _, value = row.partition("=")
            values[key.strip()] = value.strip()
    return values


def nginx_version() -> tuple[int, ...]:
    """The installed nginx's version, as numbers: (1, 26, 3)."""
    shown = subprocess.run([_tool("nginx"), "-v"], capture_output=True, text=True).stderr
    found = re.search(r"nginx/(\d+(?:\.\d+)*)", shown)
    return tuple(int(part) for part in found.group(1).split(".")) if found else ()


# The first nginx with the ``http2`` directive; an older one takes HTTP/2 on the listen line, as the site says.
HTTP2_DIRECTIVE = (1, 25, 1)


def site_config(upstreams: Sequence[int], http_port: int, https_port: int, workdir: Path) -> str:
    """The shipped nginx site with this run's ports and paths; each replaced text must be there exactly once.
    On an nginx older than 1.25.1 (Debian 12's), HTTP/2 goes on the listen line, as the site's comment says."""
    text = SITE_CONFIG.read_text()
    servers = "\n    ".join(f"server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in upstreams)
    old_nginx = nginx_version() < HTTP2_DIRECTIVE
    for old, new in [
        ("server 127.0.0.1:8000 max_fails=3 fail_timeout=10s;", servers),
        ("/var/cache/nginx/doorstep", str(workdir / "cache")),
        ("    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http_port};\n"),
        ("    listen 443 ssl;\n    listen [::]:443 ssl;\n",
         f"    listen 127.0.0.1:{https_port} ssl{' http2' if old_nginx else ''};\n"),
        ("    http2 on;\n", "" if old_nginx else "    http2 on;\n"),
        (f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(workdir / "tls.crt")),
        (f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(workdir / "tls.key")),
        ("/var/www/html", str(workdir / "acme")),
    ]:
        if text.count(old) != 1:
            raise AssertionError(f"{SITE_CONFIG} no longer has {old!r} exactly once")
        text = text.replace(old, new)
    return text


def main_config(workdir: Path, site: str, extra: str = "") -> Path:
    """An nginx.conf of its own (pid, logs, temp files under ``workdir``) that includes ``site``."""
    (workdir / "site.conf").write_text(site)
    temp = "\n".join(f"    {kind}_temp_path {workdir / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                            "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = workdir / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 2;
pid {workdir / 'nginx.pid'};
error_log {workdir / 'error.log'} warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
{temp}
    include {workdir / 'site.conf'};
{extra}
}}
""")
    return conf


def nginx_test(conf: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on ``conf``: its answer, for a test to read."""
    return subprocess.run([_tool("nginx"), "-t", "-e", str(workdir / "error.log"), "-p", str(workdir), "-c", str(conf)],
                          capture_output=True, text=True)


def self_signed_certificate(workdir: Path) -> Path:
    """A certificate for the shipped server_name and 127.0.0.1; clients trust exactly this file."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1",
                    "-keyout", str(workdir / "tls.key"), "-out", str(workdir / "tls.crt")],
                   check=True, capture_output=True)
    return workdir / "tls.crt"


@dataclass
class Stack:
    https_port: int
    http_port: int
    database_url: str
    redis_url: str
    cafile: Path
    app_ports: list[int]
    content_dirs: list[Path]
    access_logs: list[Path]
    workdir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def connection(self, source: str = "127.0.0.1") -> http.client.HTTPSConnection:
        """A TLS connection to nginx from ``source`` (any 127.x.y.z: a visitor of its own)."""
        context = ssl.create_default_context(cafile=str(self.cafile))
        return http.client.HTTPSConnection("127.0.0.1", self.https_port, timeout=60, context=context,
                                           source_address=(source, 0))


@contextlib.contextmanager
def _process(args: Sequence[str], log: Path, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(list(args), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def postgres(workdir: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster; yields the URL of its empty ``doorstep`` database."""
    # Outside ``workdir``, which may sit in a folder only its owner can enter: PostgreSQL runs as nobody under root.
    pg_bin, data, port = _pg_bin(), Path(tempfile.mkdtemp(prefix="doorstep-pg-")), free_port()
    if os.geteuid() == 0:
        shutil.chown(data, "nobody")
    run = _as_postgres_user
    subprocess.run(run([f"{pg_bin}/initdb", "-D", str(data / "data"), "-U", "doorstep", "--auth=trust", "-E", "UTF8"]),
                   check=True, capture_output=True)
    subprocess.run(run([f"{pg_bin}/pg_ctl", "-D", str(data / "data"), "-l", str(data / "log"), "-w", "-o",
                        f"-h 127.0.0.1 -p {port} -k {data} -F -c max_connections=200", "start"]),
                   check=True, capture_output=True)
    try:
        subprocess.run(run([f"{pg_bin}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "doorstep", "doorstep"]),
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://doorstep@127.0.0.1:{port}/doorstep"
    finally:
        subprocess.run(run([f"{pg_bin}/pg_ctl", "-D", str(data / "data"), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@contextlib.contextmanager
def redis(workdir: Path) -> Iterator[str]:
    port = free_port()
    args = [_tool("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(workdir)]
    with _process(args, workdir / "redis.log"):
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"


def prepare_database(env: dict[str, str], reps: int) -> None:
    """Migrate, and add ``reps`` sales reps for the round robin, with the shipped ``doorstep`` commands."""
    doorstep = str(Path(sys.executable).parent / "doorstep")
    subprocess.run([doorstep, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    for n in range(reps):
        subprocess.run([doorstep, "users", "create", "--email", f"rep{n}@team.example", "--name", f"Rep {n}",
                        "--role", "sales", "--password", "a long test password for reps"],
                       env=env, check=True, capture_output=True, cwd=ROOT)


@contextlib.contextmanager
def stack(workdir: Path, app_servers: int = 2, workers: int = 2, reps: int = 3, settings: dict[str, str] | None = None,
          nginx_extra: str = "", outbox_worker: bool = False) -> Iterator[Stack]:
    """The whole stack, torn down in reverse order when the block ends."""
    with contextlib.ExitStack() as stop:
        database_url = stop.enter_context(postgres(workdir))
        redis_url = stop.enter_context(redis(workdir))
        base = {**os.environ, **env_file(), "DATABASE_URL": database_url, "DOORSTEP_RATELIMIT_STORAGE": redis_url,
                "DOORSTEP_SITE_URL": f"https://{HOST}", "DOORSTEP_SECRET_KEY": "several-servers-test-secret",
                "DOORSTEP_ADDRESS_HASH_KEY": "several-servers-test-address-key",
                "DOORSTEP_CALENDAR_KEY": "c2V2ZXJhbC1zZXJ2ZXJzLXRlc3QtZmVybmV0LWtleSE=",
                "DOORSTEP_MAIL_BACKEND": "mailbox", "DOORSTEP_WORKERS": str(workers),
                "DOORSTEP_CARD_DIR": str(workdir / "cards"), "DOORSTEP_MAILBOX_DIR": str(workdir / "mailbox"),
                **(settings or {})}
        prepare_database(base, reps)
        ports, content_dirs, logs = [], [], []
        for n in range(app_servers):
            # Each server has its own copy of the content, as on separate machines: a deploy updates each.
            content = workdir / f"server{n}" / "content"
            shutil.copytree(ROOT / "content", content)
            port = free_port()
            env = {**base, "DOORSTEP_CONTENT_DIR": str(content), "DOORSTEP_BIND": f"127.0.0.1:{port}"}
            log = workdir / f"server{n}" / "gunicorn.log"
            stop.enter_context(_process(unit_command(WEB_UNIT, env), log, env=env, cwd=ROOT))
            ports.append(port)
            content_dirs.append(content)
            logs.append(log)
        for port in ports:
            wait_for_port(port, timeout=60)
        if outbox_worker:  # on the first server, reading its content (alerts name the model's rules)
            worker_env = {**base, "DOORSTEP_CONTENT_DIR": str(content_dirs[0])}
            stop.enter_context(_process(unit_command(WORKER_UNIT, worker_env), workdir / "outbox.log", env=worker_env,
                                        cwd=ROOT))
        http_port, https_port = free_port(), free_port()
        cafile = self_signed_certificate(workdir)
        for folder in ("cache", "acme"):
            (workdir / folder).mkdir()
        conf = main_config(workdir, site_config(ports, http_port, https_port, workdir), nginx_extra)
        checked = nginx_test(conf, workdir)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the shipped config: {checked.stderr}")
        stop.enter_context(_process([_tool("nginx"), "-e", str(workdir / "error.log"), "-p", str(workdir), "-c",
                                     str(conf)], workdir / "nginx.out"))
        wait_for_port(https_port)
        yield Stack(https_port, http_port, database_url, redis_url, cafile, ports, content_dirs, logs, workdir)


def requests_served(log: Path, method: str, path_prefix: str) -> int:
    """How many ``method`` requests under ``path_prefix`` one gunicorn access log shows."""
    pattern = re.compile(rf'"{method} {re.escape(path_prefix)}')
    return sum(1 for row in log.read_text(errors="replace").splitlines() if pattern.search(row))


def deploy_file(content_dirs: Sequence[Path], relative: str, text: str) -> None:
    """The content deploy step: write a file into every server's content folder, whole, then rename it into place
    (what ``rsync --delay-updates`` does), so no server ever reads half a file."""
    for content in content_dirs:
        target = content / relative
        partial = target.with_name(f".{target.name}.partial")
        partial.write_text(text)
        os.replace(partial, target)


def form_body(pairs: Sequence[tuple[str, str]]) -> str:
    return urllib.parse.urlencode(list(pairs))


def wait_until(check: Callable[[], bool], timeout: float = 30.0, interval: float = 0.2) -> bool:
    """Whether ``check`` comes true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False


class Visitor:
    """One visitor's browser, over TLS through nginx: its own source address, cookies, and the site's Host."""

    def __init__(self, running: Stack, source: str = "127.0.0.1") -> None:
        self.running = running
        self.source = source
        self.conn = running.connection(source)
        self.cookies: dict[str, str] = {}
        self.token = ""

    def __enter__(self) -> Visitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def request(self, method: str, path: str, form: Sequence[tuple[str, str]] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, str]:
        sent = {"Host": HOST, "Referer": f"https://{HOST}{path}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = form_body(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = self.running.connection(self.source)
                if attempt:
                    raise
        raw = response.read()
        text = (gzip.decompress(raw) if response.getheader("Content-Encoding") == "gzip" else raw).decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, response.headers, text

    def sign_in(self, email: str, password: str) -> int:
        """A sign-in attempt, as the form posts it; the status code."""
        from bench.bench_submit import page_csrf_token

        if not self.token:  # one form page, then attempt after attempt, as a person retyping a password does
            self.token = page_csrf_token(self.request("GET", "/login")[2])
        status, _, _ = self.request("POST", "/login", [("email", email), ("password", password),
                                                       ("csrf_token", self.token)])
        return status

    def send_questionnaire(self, n: int) -> bool:
        """Walk the questionnaire as the ``n``th ready buyer; True once the answers are acknowledged (the result)."""
        from bench.bench_submit import page_csrf_token, ready_buyer_form

        form = ready_buyer_form(n)
        _, _, page = self.request("GET", "/questionnaire")
        url = "/questionnaire"
        for _ in range(10):
            status, headers, page = self.request("POST", url, [("csrf_token", page_csrf_token(page)), *form])
            location = urllib.parse.urlsplit(headers.get("Location", "")).path
            if status != 303:
                raise RuntimeError(f"a step post answered {status}")
            if location.endswith("/questionnaire/result"):
                return True
            url = location
            _, _, page = self.request("GET", url)
        raise RuntimeError("the questionnaire never reached its result")
