"""Deployment files: systemd units verify, the Datasette metadata loads, compose and Dockerfile agree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_units_verify(unit, tmp_path):
    # point ExecStart at this checkout's venv so verify can check the executable exists
    text = unit.read_text("utf-8").replace(
        "/opt/courtnews/.venv/bin/", str(Path(sys.executable).parent) + "/"
    )
    copy = tmp_path / unit.name
    copy.write_text(text, "utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown key" not in result.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_units_run_unprivileged_and_hardened(unit):
    settings = active_lines(unit)
    for line in (
        "User=courtnews",
        "Restart=on-failure",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/courtnews",
        "NoNewPrivileges=yes",
        "EnvironmentFile=/etc/courtnews/courtnews.env",
    ):
        assert line in settings, f"{unit.name}: {line} is not an active setting"


def active_lines(path: Path) -> set[str]:
    """The lines a program reads: stripped, without blank and commented-out lines."""
    lines = (line.strip() for line in path.read_text("utf-8").splitlines())
    return {line for line in lines if line and not line.startswith(("#", ";"))}


def test_compose_runs_daemon_and_datasette_on_one_volume():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text("utf-8"))
    services = {name: s for name, s in compose["services"].items() if "profiles" not in s}
    assert set(services) == {"daemon", "datasette"}
    assert services["daemon"]["volumes"] == services["datasette"]["volumes"] == ["archive:/data"]
    # Datasette's options live in one place: `courtnews serve`
    assert services["datasette"]["command"][:2] == ["courtnews", "serve"]


def test_dockerfile_installs_pins_before_copying_source():
    lines = (ROOT / "deploy" / "Dockerfile").read_text("utf-8").splitlines()
    pins = next(i for i, line in enumerate(lines) if "constraints.txt" in line and line.startswith("COPY"))
    # the pinned dependencies are installed in that layer: a RUN whose continuation lines install them
    run = next(i for i, line in enumerate(lines) if i > pins and line.startswith("RUN"))
    layer = [lines[run]]
    while layer[-1].rstrip().endswith("\\"):
        layer.append(lines[run + len(layer)])
    assert any("constraints.txt" in line for line in layer) and any(
        line.lstrip(" &").startswith("/app/.venv/bin/pip install") and "-r /tmp/deps.txt" in line
        for line in layer
    ), layer
    source = next(i for i, line in enumerate(lines) if line.startswith("COPY crawler"))
    assert pins < run < source


def test_the_datasette_unit_runs_courtnews_serve():
    unit = (ROOT / "deploy" / "systemd" / "courtnews-datasette.service").read_text("utf-8")
    exec_start = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert exec_start == [
        "ExecStart=/opt/courtnews/.venv/bin/courtnews serve --db ${COURTNEWS_DB} --host 127.0.0.1 --port 8001"
    ]


def test_env_example_names_what_the_units_use():
    names = {line.split("=", 1)[0] for line in active_lines(ROOT / "deploy" / "courtnews.env.example")}
    assert {"COURTNEWS_DB", "COURTNEWS_SOURCES"} <= names
