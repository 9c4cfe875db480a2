"""A small HTTP server for fixture and demo sites, bound to 127.0.0.1 only.

It serves the files of a folder as received (no charset added), and a ``_routes.json`` in that folder can
make a path misbehave the way real court sites do: a status (404, 412, 521, 503), extra headers, a delay
(timeouts), a redirect, a Content-Type, a body cut short (``"truncate": N`` sends N bytes and no
Content-Length; ``"short": N`` announces the whole length and sends N bytes), or any literal ``"body"``.
The route ``"*"`` answers for every missing file (a site's soft 404), and ``"**"`` for every path, files
included (a site in maintenance, one page for every address). A file served as it is carries an
ETag and a Last-Modified, and a conditional request for an unchanged file gets 304. POST requests (the 澎湃号 list API) are answered from
``<path>/page-<pageNum>.json``. The folder is read on every request, so a test can edit or delete a page
between two crawls.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".shtml": "text/html",
    ".json": "application/json",
    ".txt": "text/plain",
    ".css": "text/css",
    ".js": "application/javascript",
    "": "text/html",
}


class _Handler(BaseHTTPRequestHandler):
    server_version = "courtnews-fixture/1.0"
    root: Path

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests read the archive, not logs
        pass

    def _routes(self) -> dict:
        path = self.root / "_routes.json"
        return json.loads(path.read_text("utf-8")) if path.exists() else {}

    def _send(self, status: int, body: bytes, headers: dict[str, str], route: dict | None = None) -> None:
        route = route or {}
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "truncate" in route:
                body = body[: int(route["truncate"])]  # no length announced: the close ends the body
            else:
                self.send_header("Content-Length", str(len(body)))
                if "short" in route:
                    body = body[: int(route["short"])]
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to do

    def _file(self, path: str) -> Path | None:
        relative = unquote(path).lstrip("/") or "index.html"
        target = (self.root / relative).resolve()
        if self.root.resolve() not in target.parents and target != self.root.resolve():
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        routes = self._routes()
        route = routes.get(path) or routes.get("**") or {}
        if not route and self._file(path) is None and "*" in routes:
            route = routes["*"]  # how this site answers for a page it does not have
        if route.get("delay"):
            time.sleep(float(route["delay"]))
        headers = dict(route.get("headers", {}))
        if "redirect" in route:
            headers["Location"] = route["redirect"]
            self._send(route.get("status", 302), b"", headers)
            return
        if "body" in route:
            headers.setdefault("Content-Type", route.get("content_type", "text/html"))
            self._send(route.get("status", 200), route["body"].encode("utf-8"), headers, route)
            return
        target = self._file(route.get("file", path))
        if target is None:
            self._send(
                route.get("status", 404),
                b"<html><body><h1>404 Not Found</h1></body></html>",
                {"Content-Type": "text/html", **headers},
            )
            return
        headers.setdefault(
            "Content-Type",
            route.get("content_type", CONTENT_TYPES.get(target.suffix, "application/octet-stream")),
        )
        body = target.read_bytes()
        if not route:  # a file served as it is: validators, and 304 when the client has this version
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            modified = formatdate(int(target.stat().st_mtime), usegmt=True)
            headers.update({"ETag": etag, "Last-Modified": modified})
            if self.headers.get("If-None-Match") == etag or (
                not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == modified
            ):
                self._send(304, b"", headers)
                return
        self._send(route.get("status", 200), body, headers, route)

    do_HEAD = do_GET

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            payload = {}
        page = int(payload.get("pageNum", 1)) if isinstance(payload, dict) else 1
        target = self._file(f"{urlsplit(self.path).path.rstrip('/')}/page-{page}.json")
        body = target.read_bytes() if target else b'{"data": {"list": []}}'
        self._send(200, body, {"Content-Type": "application/json"})


@dataclass
class FixtureServer:
    root: Path
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(root: str | Path, port: int = 0) -> FixtureServer:
    """Serve a folder on 127.0.0.1 in a background thread; port 0 picks a free port."""
    handler = type("Handler", (_Handler,), {"root": Path(root)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"fixture-{Path(root).name}", daemon=True)
    thread.start()
    return FixtureServer(Path(root), server, thread)
