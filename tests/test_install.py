"""courtnews works as an installed package, not only from its checkout: built as a wheel and installed into
a new virtual environment, `courtnews demo` and `courtnews serve` run from an unrelated folder, reading the
sources file, the demo's articles and the Datasette metadata from the package itself."""

from __future__ import annotations

import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_installed_wheel_runs_the_demo_and_serves_from_any_folder(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # the dependencies come from the project's environment (already pinned and installed); courtnews from the wheel
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    Path(site, "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheels.glob("courtnews-*.whl"))
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True, capture_output=True
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([python, "-c", "import crawler, archive; print(crawler.__file__, archive.__file__)"],
                           cwd=elsewhere, capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert str(ROOT) not in where and str(venv) in where  # the installed copy, not the checkout
    courtnews = venv / "bin" / "courtnews"
    listed = subprocess.run([courtnews, "sources"], cwd=elsewhere, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and "court-gov-cn-news" in listed.stdout  # the shipped sources file
    demo = subprocess.run([courtnews, "demo", "--data-dir", "data"], cwd=elsewhere, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "What the archive now holds" in demo.stdout and (elsewhere / "data" / "demo.db").exists()
    port = free_port()
    server = subprocess.Popen([courtnews, "serve", "--db", "data/demo.db", "--port", str(port)], cwd=elsewhere,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline, page = time.monotonic() + 60, ""
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/demo/latest_articles", timeout=5
                ) as answer:
                    page = answer.read().decode("utf-8")
            except OSError:
                time.sleep(0.5)
        assert "镇原县人民法院" in page  # the demo's article, through the shipped metadata and plugin
    finally:
        server.terminate()
        server.wait(timeout=20)
