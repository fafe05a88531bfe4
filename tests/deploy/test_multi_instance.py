"""Two app instances and two outbox workers against one PostgreSQL and one Redis on loopback.

Everything runs as in production: gunicorn with deploy/gunicorn.conf.py and
APP_CONFIG=production (one SECRET_KEY shared), `flask worker` processes, the schema made by
`flask db upgrade`, data by `flask seed-demo` and `flask users import`, and the requests
arrive as nginx forwards them (Host, X-Forwarded-For, X-Forwarded-Proto: https).

The database is a fresh one on the TEST_DATABASE_URL server when the suite runs on
PostgreSQL, else a throwaway cluster started from Debian's binaries (as
scripts/with-postgres.sh does): so the test runs in both CI passes, always on PostgreSQL,
which is what several instances share in production. A missing redis-server or PostgreSQL
makes it fail, never skip.
"""

from __future__ import annotations

import asyncio
import copy
import glob
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.smtp import SMTPServer, _Collector

ROOT = Path(__file__).resolve().parents[2]
HOST = "exchange.test"
PASSWORD = "a long shared test password 2020"
DEMO_PASSWORD = "demo-password-2020"
PEOPLE = 50
SEATS = 10
START_TIMEOUT = 40
TITLE = "Reopening schools safely, two instances and one waitlist"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, logs=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tails = "\n".join(f"--- {p}:\n{Path(p).read_text()[-3000:]}" for p in logs if Path(p).exists())
    pytest.fail(f"{what} did not happen within {timeout} s\n{tails}")


# -- PostgreSQL -------------------------------------------------------------------------------


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    pytest.fail(
        "The multi-instance test needs PostgreSQL: set TEST_DATABASE_URL or install the "
        "server binaries (Debian: apt-get install postgresql)."
    )


class ThrowawayCluster:
    """initdb + pg_ctl on a free loopback port; as root through runuser, like with-postgres.sh."""

    def __init__(self):
        self.bin = _pg_bin()
        # Not under pytest's folder: that one is private to the user running the tests.
        self.dir = Path(tempfile.mkdtemp(prefix="ux-multi-pg."))
        self.port = free_port()
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.run_as = ["runuser", "-u", "postgres", "--"]

    def _pg(self, *args: str) -> None:
        result = subprocess.run([*self.run_as, *args], capture_output=True, text=True)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> str:
        data = self.dir / "data"
        self._pg(
            str(self.bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._pg(
            str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w",
            "-o", options, "start",
        )  # fmt: skip
        self._pg(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
            "-U", "postgres", "multi_instance",
        )  # fmt: skip
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/multi_instance"

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m",
             "immediate", "stop"],
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


class DatabaseOnSuiteServer:
    """A database of its own on the suite's PostgreSQL server (TEST_DATABASE_URL)."""

    def __init__(self, url: str, worker: str):
        base = make_url(url)
        self.name = f"{base.database}_multi_{worker}"
        self.url = base.set(database=self.name).render_as_string(hide_password=False)
        self.admin = create_engine(base, isolation_level="AUTOCOMMIT")

    def _drop(self, conn) -> None:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": self.name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))

    def start(self) -> str:
        with self.admin.connect() as conn:
            self._drop(conn)
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def stop(self) -> None:
        with self.admin.connect() as conn:
            self._drop(conn)
        self.admin.dispose()


# -- Redis and SMTP ---------------------------------------------------------------------------


def start_redis(base: Path) -> tuple[subprocess.Popen, int]:
    binary = shutil.which("redis-server")
    if not binary:
        pytest.fail(
            "The multi-instance test needs redis-server (Debian: apt-get install redis-server)."
        )
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(base)],
        stdout=open(base / "redis.log", "w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_until(answers, 15, "redis-server answering", [base / "redis.log"])
    return process, port


class _SlowCollector(_Collector):
    """Takes 40 ms per message, like a real relay, so that both workers get a share."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.04)
        return await super().handle_DATA(server, session, envelope)


def start_smtp() -> SMTPServer:
    smtp = SMTPServer()
    smtp.controller = Controller(_SlowCollector(smtp), hostname="127.0.0.1", port=smtp.port)
    smtp.start()
    return smtp


# -- the platform -----------------------------------------------------------------------------


def run_flask(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"flask {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def platform(request, tmp_path_factory):
    base = tmp_path_factory.mktemp("multi")
    suite_url = os.environ.get("TEST_DATABASE_URL", "")
    if suite_url.startswith("postgresql"):
        worker = getattr(request.config, "workerinput", {}).get("workerid", "master")
        database = DatabaseOnSuiteServer(suite_url, worker)
    else:
        database = ThrowawayCluster()
    processes: list[subprocess.Popen] = []
    smtp = None
    try:
        url = database.start()
        redis, redis_port = start_redis(base)
        processes.append(redis)
        smtp = start_smtp()
        env = {
            **os.environ,
            "APP_CONFIG": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": url,
            # REDIS_URL alone must be enough for the rate limits to be shared.
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "MAIL_USE_TLS": "0",
            "BASE_URL": f"https://{HOST}",
            "UPLOAD_FOLDER": str(base / "uploads"),
            "PROXY_FIX_X_FOR": "1",
            "PROXY_FIX_X_PROTO": "1",
            "LOGIN_FAILURES_PER_ACCOUNT": "4 per 15 minutes",
            "PYTHONUNBUFFERED": "1",
            # The only departure from production: a cheap password hash keeps 100 logins fast.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
        for name in ("RATELIMIT_STORAGE_URI", "TEST_DATABASE_URL", "FLASK_DEBUG"):
            env.pop(name, None)
        run_flask(env, "db", "upgrade")
        people = (
            "email,name,role,city,password\n"
            + "".join(
                f"person{i}@example.net,Person {i},participant,,{PASSWORD}\n" for i in range(PEOPLE)
            )
            + "".join(f"guest{i}@example.net,Guest {i},participant,,{PASSWORD}\n" for i in (1, 2))
        )
        (base / "people.csv").write_text(people)
        # The data and the four long-running processes start side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            loading = [
                pool.submit(run_flask, env, "seed-demo"),
                pool.submit(run_flask, env, "users", "import", str(base / "people.csv")),
            ]
            instances = []
            for name in ("a", "b"):
                port = free_port()
                log = base / f"gunicorn-{name}.log"
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "gunicorn",
                            "-c",
                            "deploy/gunicorn.conf.py",
                            "--bind",
                            f"127.0.0.1:{port}",
                            "--workers",
                            "2",
                            "wsgi:app",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=open(log, "w"),
                        stderr=subprocess.STDOUT,
                    )  # fmt: skip
                )
                instances.append(SimpleNamespace(url=f"http://127.0.0.1:{port}", log=log))
            worker_logs = []
            for name in ("1", "2"):
                log = base / f"worker-{name}.log"
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "flask",
                            "--app",
                            "wsgi",
                            "worker",
                            "--interval",
                            "0.2",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=open(log, "w"),
                        stderr=subprocess.STDOUT,
                    )  # fmt: skip
                )
                worker_logs.append(log)
            for future in loading:
                future.result()
        for instance in instances:
            wait_until(
                lambda url=instance.url: _is_up(url),
                START_TIMEOUT,
                f"{instance.url} up",
                [instance.log],
            )
        engine = create_engine(url)
        yield SimpleNamespace(
            a=instances[0].url,
            b=instances[1].url,
            smtp=smtp,
            db=engine,
            worker_logs=worker_logs,
        )
        engine.dispose()
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if smtp is not None:
            smtp.stop()
        database.stop()


# -- a browser behind the load balancer -------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _BehindTLS(http.cookiejar.DefaultCookiePolicy):
    """TLS ends at the (simulated) load balancer: keep and send Secure cookies over http."""

    def set_ok(self, cookie, request):
        return super().set_ok(cookie, request)

    def return_ok_secure(self, cookie, request):
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser; each request names the instance, as the load balancer would."""

    def __init__(self, address: str = "198.51.100.1", jar=None):
        self.address = address
        self.jar = jar or http.cookiejar.CookieJar(policy=_BehindTLS())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def clone(self) -> Browser:
        """Another browser holding a copy of this one's cookies (a stolen or kept cookie)."""
        jar = http.cookiejar.CookieJar(policy=_BehindTLS())
        for cookie in self.jar:
            jar.set_cookie(copy.copy(cookie))
        return Browser(self.address, jar)

    def _open(self, instance: str, path: str, data: dict | None = None):
        request = urllib.request.Request(
            instance + path,
            data=urllib.parse.urlencode(data).encode() if data is not None else None,
            headers={
                "Host": HOST,
                "X-Forwarded-For": self.address,
                "X-Forwarded-Proto": "https",
                "Referer": f"https://{HOST}/",
            },
        )
        try:
            response = self.opener.open(request, timeout=120)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            return response.status, response.headers, response.read().decode()

    def get(self, instance: str, path: str):
        return self._open(instance, path)

    def post(self, instance: str, path: str, data: dict) -> tuple[int, object, str]:
        """Post a form with the CSRF token of the page at `path` (or of the feed)."""
        return self._open(instance, path, data)

    def token(self, instance: str, path: str = "/") -> str:
        _status, _headers, page = self.get(instance, path)
        return CSRF.search(page).group(1)

    def login(self, instance: str, email: str, password: str) -> int:
        token = self.token(instance, "/auth/login")
        status, _headers, _page = self.post(
            instance, "/auth/login", {"csrf_token": token, "email": email, "password": password}
        )
        return status


def signed_in_as(browser: Browser, instance: str) -> str | None:
    """The e-mail shown on /account, or None when the instance sends to the login page."""
    status, headers, page = browser.get(instance, "/account")
    if status == 302:
        assert "/auth/login" in headers["Location"]
        return None
    assert status == 200, page[:500]
    match = re.search(r"guest\d+@example\.net", page)
    return match.group(0) if match else ""


# -- the tests --------------------------------------------------------------------------------


def test_a_login_on_one_instance_is_valid_on_the_other_and_logout_ends_it_on_both(platform):
    browser = Browser()
    assert browser.login(platform.a, "guest1@example.net", PASSWORD) == 302
    assert signed_in_as(browser, platform.a) == "guest1@example.net"
    assert signed_in_as(browser, platform.b) == "guest1@example.net"

    # The same session cookie, kept by someone after the logout, must be worthless too.
    kept = browser.clone()
    status, _headers, _page = browser.post(
        platform.b, "/auth/logout", {"csrf_token": browser.token(platform.b)}
    )
    assert status == 302
    for instance in (platform.a, platform.b):
        assert signed_in_as(browser, instance) is None
        assert signed_in_as(kept, instance) is None


def test_the_login_failure_limit_is_shared_by_the_instances(platform):
    """Four failures per account in 15 minutes (LOGIN_FAILURES_PER_ACCOUNT): two on each."""
    attacker = Browser(address="203.0.113.66")
    email = "guest2@example.net"
    answers = []
    for instance in (platform.a, platform.b, platform.a, platform.b):
        token = attacker.token(instance, "/auth/login")
        answers.append(
            attacker.post(
                instance, "/auth/login", {"csrf_token": token, "email": email, "password": "no"}
            )[0]
        )
    assert answers == [422, 422, 422, 422]
    for instance in (platform.a, platform.b):
        token = attacker.token(instance, "/auth/login")
        status, headers, _page = attacker.post(
            instance, "/auth/login", {"csrf_token": token, "email": email, "password": PASSWORD}
        )
        assert status == 429, f"{instance} let a fifth attempt through"
        assert int(headers["Retry-After"]) > 0


def _city_id(page: str, name: str) -> str:
    match = re.search(rf'<option[^>]*value="(\d+)"[^>]*>\s*{name}\b', page)
    assert match, page
    return match.group(1)


def _exchange_counts(platform, exchange_id: int) -> dict[str, int]:
    with platform.db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT status, count(*) FROM registration WHERE exchange_id = :id GROUP BY status"
            ),
            {"id": exchange_id},
        )
        return dict(rows.all())


def _outbox(platform) -> list[tuple[str, str]]:
    with platform.db.connect() as conn:
        return list(conn.execute(text("SELECT message_id, status FROM outbox_message")).all())


def test_sign_ups_spread_over_both_instances_never_overbook_and_each_mail_goes_once(platform):
    organiser = Browser(address="198.51.100.2")
    assert organiser.login(platform.a, "l.bianchi@comune.roma.it", DEMO_PASSWORD) == 302
    _status, _headers, form = organiser.get(platform.a, "/exchanges/new")
    starts = datetime.now(UTC) + timedelta(days=10)
    status, headers, page = organiser.post(
        platform.a,
        "/exchanges/new",
        {
            "csrf_token": CSRF.search(form).group(1),
            "title": TITLE,
            "agenda": "Each city presents.",
            "host_city": _city_id(form, "Rome"),
            "timezone": "Europe/Rome",
            "starts_at": starts.strftime("%Y-%m-%dT%H:00"),
            "duration_minutes": "90",
            "video_url": "https://meet.jit.si/ux-multi-instance",
            "capacity": str(SEATS),
        },
    )
    assert status == 302, page[:2000]
    exchange_id = int(re.search(r"/exchanges/(\d+)", headers["Location"]).group(1))

    instances = [platform.a, platform.b]
    people = [Browser(address=f"198.51.100.{10 + i}") for i in range(PEOPLE)]

    def log_in(i: int) -> int:
        return people[i].login(instances[i % 2], f"person{i}@example.net", PASSWORD)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(log_in, range(PEOPLE))) == [302] * PEOPLE
    tokens = [p.token(instances[(i + 1) % 2]) for i, p in enumerate(people)]

    barrier = threading.Barrier(PEOPLE)
    results: list[int] = [0] * PEOPLE

    def rush(i: int) -> None:
        barrier.wait()
        # Each person signs up on the instance they did not log in on.
        results[i] = people[i].post(
            instances[(i + 1) % 2], f"/exchanges/{exchange_id}/register", {"csrf_token": tokens[i]}
        )[0]

    threads = [threading.Thread(target=rush, args=(i,)) for i in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == [302] * PEOPLE
    assert _exchange_counts(platform, exchange_id) == {
        "confirmed": SEATS,
        "waitlisted": PEOPLE - SEATS,
    }
    for instance in instances:
        _status, _headers, body = Browser().get(instance, f"/api/v1/exchanges/{exchange_id}")
        assert '"seats_left": 0' in body.replace('"seats_left":0', '"seats_left": 0')

    # Every message in the outbox reaches the SMTP server exactly once, whichever worker took it.
    wait_until(
        lambda: all(status == "sent" for _id, status in _outbox(platform)),
        90,
        "the two workers emptying the outbox",
        platform.worker_logs,
    )
    outbox = _outbox(platform)
    assert len(outbox) >= PEOPLE
    received = Counter(m["Message-ID"] for m in platform.smtp.messages)
    assert [mid for mid, n in received.items() if n > 1] == []
    assert set(received) == {mid for mid, _status in outbox}
    ours = Counter(
        m["Subject"].split(":")[0] for m in platform.smtp.messages if TITLE in m["Subject"]
    )
    assert ours == {
        "Your seat is confirmed": SEATS,
        "You are on the waitlist": PEOPLE - SEATS,
    }, Counter(m["Subject"] for m in platform.smtp.messages)
    # Both workers took part, and together they report exactly what the server received.
    shares = [
        sum(int(n) for n in re.findall(r"sent (\d+), failed 0", Path(log).read_text()))
        for log in platform.worker_logs
    ]
    assert all(share > 0 for share in shares), shares
    assert sum(shares) == len(platform.smtp.messages)
