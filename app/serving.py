"""How the app sits behind a reverse proxy: trusted X-Forwarded-* headers, versioned static URLs."""

from __future__ import annotations

import hashlib
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

PROXY_SETTINGS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")


class ConfiguredProxyFix:
    """ProxyFix with the number of trusted proxies read from the config (PROXY_FIX_X_*).

    Read on each request, so that it follows app.config wherever that was set. Zero, the
    default, ignores the header: without a proxy in front, a client could otherwise pick the
    address that the rate limits count.
    """

    def __init__(self, app: Flask):
        self.app = app
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response):
        counts = {
            name: int(self.app.config.get(f"PROXY_FIX_{name.upper()}", 0) or 0)
            for name in PROXY_SETTINGS
        }
        if not any(counts.values()):
            return self.wsgi_app(environ, start_response)
        return ProxyFix(self.wsgi_app, **counts)(environ, start_response)


class StaticVersions:
    """A short hash of each static file's content, recomputed when the file changes.

    Only a memo of what is on disk: every instance computes the same value from the same file.
    """

    def __init__(self, folder: str):
        self.folder = folder
        self._known: dict[str, tuple[tuple[int, int], str]] = {}

    def __call__(self, filename: str) -> str | None:
        path = os.path.join(self.folder, filename)
        try:
            stat = os.stat(path)
        except OSError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(filename)
        if known and known[0] == key:
            return known[1]
        with open(path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:12]
        self._known[filename] = (key, digest)
        return digest


def register(app: Flask) -> None:
    """Wrap the WSGI app in the proxy fix; add ?v=<content hash> to every static URL."""
    app.wsgi_app = ConfiguredProxyFix(app)
    versions = StaticVersions(app.static_folder)

    @app.url_defaults
    def _static_version(endpoint, values):
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = versions(values["filename"])
            if version:
                values["v"] = version
