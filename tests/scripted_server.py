"""A fixture site whose answers are written as raw HTTP bytes, for what http.server cannot say: header values
in raw UTF-8 (a CMS's Chinese Location), a body in chunks without a Content-Length, and an answer that
changes from one request to the next (a 503 with Retry-After, then the page). Bound to 127.0.0.1 only.

A path's script is a list of answers, sent one per request in order (the last one repeats once the list is
used up); a path without a script is the file under the site's folder, or a 404. Every request's path and
arrival time is kept, so a test can say how often and when the site was asked.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import BaseRequestHandler, ThreadingTCPServer
from urllib.parse import unquote, urlsplit


class _Server(ThreadingTCPServer):
    allow_reuse_address = True  # its closed connections must not keep the port from refused_port
    daemon_threads = True


@dataclass
class Answer:
    status: int = 200
    reason: str = "OK"
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    chunked: bool = False  # Transfer-Encoding: chunked, no Content-Length
    file: str | None = None  # the body is this file of the site's folder


def utf8_raw(text: str) -> bytes:
    """The raw UTF-8 bytes some CMSs put in a header value (no percent-encoding)."""
    return text.encode("utf-8")


class ScriptedSite:
    def __init__(self, root: Path, script: dict[str, list[Answer]] | None = None) -> None:
        self.root = root
        self.script = script or {}
        self.requests: list[tuple[str, float]] = []  # (path, monotonic time) of every request
        self._lock = threading.Lock()
        site = self

        class Handler(BaseRequestHandler):
            def handle(self) -> None:
                site.answer(self.request)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def times(self, path: str) -> list[float]:
        return [t for p, t in self.requests if p == path]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------ one request, one answer, then close
    def answer(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        target = data.split(b"\r\n", 1)[0].split(b" ")[1].decode("ascii")
        path = unquote(urlsplit(target).path)
        with self._lock:
            self.requests.append((path, time.monotonic()))
            answers = self.script.get(path)
            answer = (answers.pop(0) if len(answers) > 1 else answers[0]) if answers else None
        if answer is None:
            answer = self._file_answer(path)
        try:
            conn.sendall(self._bytes(answer))
        except OSError:
            pass  # the client gave up (a cancelled download)
        finally:
            conn.close()

    def _file_answer(self, path: str) -> Answer:
        file = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() in file.parents and file.is_file():
            return Answer(headers=[(b"Content-Type", b"text/html")], body=file.read_bytes())
        return Answer(404, "Not Found", [(b"Content-Type", b"text/html")], b"<html><body>404</body></html>")

    def _bytes(self, answer: Answer) -> bytes:
        body = (self.root / answer.file).read_bytes() if answer.file else answer.body
        head = [f"HTTP/1.1 {answer.status} {answer.reason}".encode("ascii")]
        head += [name + b": " + value for name, value in answer.headers]
        if answer.chunked:
            head.append(b"Transfer-Encoding: chunked")
            size = 16384
            pieces = [body[i : i + size] for i in range(0, len(body), size)]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        else:
            head.append(b"Content-Length: %d" % len(body))
        head.append(b"Connection: close")
        return b"\r\n".join(head) + b"\r\n\r\n" + body


def refused_port(port: int) -> socket.socket:
    """A socket bound to port and never listening: every connection to it is refused (a dead site), and no
    other server can take the port while the test holds it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock
