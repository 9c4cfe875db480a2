"""The WARC export replays in pywb, the reference replay tool: every response of the hostile-site archive
(redirect hops, revisits of unchanged pages, removals, soft 404s, pages that moved) comes back at its own
URL and time with its own status and bytes, never the extracted text and never another page."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import urljoin

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from archive.urls import page_key
from crawler.cli import main
from tests.conftest import ROOT

PYWB = ROOT / ".venv-pywb" / "bin"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # replay must answer the redirect itself
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def wayback(tmp_path, hostile_archive):
    if not (PYWB / "wayback").exists():
        pytest.skip(f"pywb is not installed in {PYWB.parent}; `make` installs it (constraints-pywb.txt)")
    db_path, _ = hostile_archive
    warc = tmp_path / "hostile.warc.gz"
    result = CliRunner().invoke(main, ["export", "--format", "warc", "-o", str(warc), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    subprocess.run([PYWB / "wb-manager", "init", "courtnews"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run(
        [PYWB / "wb-manager", "add", "courtnews", warc], cwd=tmp_path, check=True, capture_output=True
    )
    port = free_port()
    server = subprocess.Popen(
        [PYWB / "wayback", "-b", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/courtnews", warc
    server.terminate()
    server.wait(timeout=10)


def replay(base: str, timestamp: str, url: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(f"{base}/{timestamp}id_/{url}", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:  # 3xx and 4xx answers are what we recorded
        return error.code, error.read()


def test_pywb_replays_every_capture_as_its_original_page(wayback):
    base, warc = wayback
    payloads: dict[str, bytes] = {}  # WARC-Payload-Digest -> bytes, for revisit records
    expected = []
    with open(warc, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type not in ("response", "revisit"):
                continue
            body = record.content_stream().read()
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            if record.rec_type == "response":
                payloads[digest] = body
            date = record.rec_headers.get_header("WARC-Date")
            timestamp = "".join(ch for ch in date if ch.isdigit())[:14]
            status = int(record.http_headers.get_statuscode())
            uri = record.rec_headers.get_header("WARC-Target-URI")
            location = record.http_headers.get_header("Location")
            if location and page_key(urljoin(uri, location)) == page_key(uri):
                continue  # a redirect to the same page spelled otherwise: pywb skips such self-redirects
            expected.append(
                (record.rec_headers.get_header("WARC-Target-URI"), timestamp, status, payloads[digest])
            )
    assert len(expected) > 30 and {s for _, _, s, _ in expected} >= {200, 301, 302}
    wrong = []
    for url, timestamp, status, body in expected:
        got_status, got_body = replay(base, timestamp, url)
        if (got_status, got_body) != (status, body):
            wrong.append((url, timestamp, status, got_status, got_body[:80]))
    assert wrong == []
