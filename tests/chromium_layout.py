"""Layout read from a real headless Chromium over its DevTools pipe (``--remote-debugging-pipe``: commands on
fd 3, replies on fd 4, each a JSON message ended by NUL), for assertions the dumped DOM cannot answer: where an
element is drawn and how it is displayed at a given window width. No websocket library and no network: the
browser is started with the same flags as the screenshots (it talks to 127.0.0.1 only).

The measuring expression is evaluated by DevTools, not by the page: the reader's pages still allow no script."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
from typing import Any


class Layout:
    """One Chromium; ``measure(url, width, expression)`` loads url in a fresh tab of that width and returns the
    expression's value (JSON-serialisable) once the page has loaded."""

    def __init__(self, chromium: str, flags: list[str]) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="courtnews-layout-")
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()

        def onto_3_and_4() -> None:  # in the child: the two pipe ends as fds 3 and 4, inheritable
            a, b = os.dup(to_browser), os.dup(from_browser)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self._process = subprocess.Popen(
            [
                chromium,
                *flags,
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            preexec_fn=onto_3_and_4,  # noqa: PLW1509 (no threads run in the child before exec)
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._id = 0
        self._pending = b""

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._pending:
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    raise RuntimeError(f"chromium closed its DevTools pipe during {method}")
                self._pending += chunk
            raw, self._pending = self._pending.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply["result"])

    def _evaluate(self, expression: str, session: str) -> Any:
        result = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        return result["result"].get("value")

    def measure(self, url: str, width: int, expression: str, height: int = 900) -> Any:
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 700}
        self._send("Emulation.setDeviceMetricsOverride", metrics, session)
        self._send("Page.navigate", {"url": url}, session)
        for _ in range(400):  # until this url has loaded (about:blank is complete too)
            if self._evaluate("document.readyState === 'complete' && location.href", session) == url:
                break
            time.sleep(0.05)
        else:
            raise AssertionError(f"{url} did not load")
        value = self._evaluate(expression, session)
        self._send("Target.closeTarget", {"targetId": target})
        return value

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):
            self._send("Browser.close")
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._read)
        os.close(self._write)
        self._profile.cleanup()
