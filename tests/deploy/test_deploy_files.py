"""deploy/ stays in step with the app: body size, static path, commands, settings, hardening."""

from __future__ import annotations

import configparser
import multiprocessing
import re
import runpy
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = (DEPLOY / "nginx" / "urban-exchange.conf").read_text()
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text())
    return parser


def test_nginx_accepts_exactly_what_the_app_accepts(app):
    [size] = re.findall(r"client_max_body_size\s+(\d+)m;", NGINX)
    assert int(size) * 1024 * 1024 == app.config["MAX_CONTENT_LENGTH"]
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["ATTACHMENT_MAX_BYTES"]


def test_nginx_serves_static_files_for_a_year_and_proxies_the_rest(app):
    static = re.search(r"location /static/ \{(.*?)\n    \}", NGINX, re.S).group(1)
    assert re.search(r"alias /srv/urban-exchange/static/;", static)
    assert Path(app.static_folder).resolve() == (ROOT / "static").resolve()
    assert "max-age=31536000, immutable" in static
    assert "Strict-Transport-Security" in static  # add_header in a location drops the server's
    proxy = re.search(r"location / \{(.*?)\n    \}", NGINX.split("listen 443", 1)[1], re.S).group(1)
    for header in ("Host $host", "X-Forwarded-For $proxy_add_x_forwarded_for",
                   "X-Forwarded-Proto $scheme"):  # fmt: skip
        assert f"proxy_set_header {header};" in proxy
    assert "return 301 https://$host$request_uri;" in NGINX
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in NGINX
    assert re.search(r'Strict-Transport-Security "max-age=\d{8,}', NGINX)


def test_gunicorn_settings(monkeypatch):
    for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["workers"] == multiprocessing.cpu_count() * 2 + 1
    assert settings["worker_class"] == "sync"
    assert settings["accesslog"] == "-" and settings["errorlog"] == "-"
    assert 0 < settings["timeout"] < 35  # nginx's proxy_read_timeout is 35 s
    monkeypatch.setenv("GUNICORN_BIND", "unix:/run/urban-exchange/gunicorn.sock")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["bind"] == ["unix:/run/urban-exchange/gunicorn.sock"]
    assert settings["workers"] == 3


def _command(service: configparser.ConfigParser) -> list[str]:
    return shlex.split(service["Service"]["ExecStart"])


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_units_read_the_environment_file_and_are_hardened(path):
    service = unit(path)["Service"]
    assert service["EnvironmentFile"] == "/etc/urban-exchange/env"
    assert service["User"] == "urban-exchange"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service.get(key) == value, f"{path.name}: {key}"


def test_units_run_commands_that_exist(app):
    web = _command(unit(DEPLOY / "systemd" / "urban-exchange.service"))
    assert web[0].endswith("/.venv/bin/gunicorn")
    assert web[web.index("-c") + 1] == "deploy/gunicorn.conf.py" and web[-1] == "wsgi:app"
    worker = _command(unit(DEPLOY / "systemd" / "urban-exchange-worker@.service"))
    assert worker[1:] == ["--app", "wsgi", "worker"]
    backup = _command(unit(DEPLOY / "systemd" / "urban-exchange-backup.service"))
    assert backup[1:5] == ["--app", "wsgi", "backup", "create"]
    assert "worker" in app.cli.commands
    assert "create" in app.cli.commands["backup"].commands


def test_the_example_environment_names_only_settings_that_exist():
    sources = (ROOT / "config.py").read_text() + (DEPLOY / "gunicorn.conf.py").read_text()
    example = (DEPLOY / "urban-exchange.env.example").read_text()
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M)
    assert "SECRET_KEY" in names and "REDIS_URL" in names and "PROXY_FIX_X_FOR" in names
    for name in names:
        assert name == "APP_CONFIG" or f'"{name}"' in sources, name
