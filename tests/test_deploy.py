"""Deployment files: systemd units verify, deploy/install.sh makes what they name (staged under DESTDIR), the
compose file's services start with the environment compose gives them (outside containers: the env file,
the environment, the mounts), compose and Dockerfile agree."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import crawl_env, write_sources
from tests.redis_server import COURTNEWS, free_port

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
        "UMask=0027",
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
    assert "archive:/data" in services["daemon"]["volumes"] and services["datasette"]["volumes"] == [
        "archive:/data"
    ]
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


# ---------------------------------------------------------------- deploy/install.sh, staged (no root effects)
INSTALL = ROOT / "deploy" / "install.sh"


def stage(destdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**crawl_env(), "DESTDIR": str(destdir)}
    return subprocess.run(["sh", str(INSTALL), *args], env=env, capture_output=True, text=True, timeout=60)


def test_install_sh_makes_every_file_the_units_name(tmp_path):
    """Before: the units ran as User=courtnews and read /etc/courtnews/courtnews.env, which nothing made (the
    README's steps failed with status=217/USER). install.sh makes the user, the config and the data folders;
    staged under DESTDIR it writes the same files, so the test checks what a real install gets."""
    done = stage(tmp_path, "--no-start")
    assert done.returncode == 0, done.stderr
    etc, state = tmp_path / "etc" / "courtnews", tmp_path / "var" / "lib" / "courtnews"
    modes = {path: path.stat().st_mode & 0o777 for path in (etc, etc / "courtnews.env", etc / "sources.toml")}
    assert modes == {etc: 0o750, etc / "courtnews.env": 0o640, etc / "sources.toml": 0o640}
    assert (state / "backups").is_dir() and state.stat().st_mode & 0o777 == 0o750
    # every path the units and the env file name exists in the staged tree
    env = dict(line.split("=", 1) for line in active_lines(etc / "courtnews.env"))
    for unit in UNITS:
        installed = tmp_path / "etc" / "systemd" / "system" / unit.name
        assert installed.read_text("utf-8") == unit.read_text("utf-8")
        for line in active_lines(installed):
            if line.startswith("EnvironmentFile="):
                assert (tmp_path / line.split("=", 1)[1].lstrip("/")).is_file(), line
    assert (tmp_path / env["COURTNEWS_SOURCES"].lstrip("/")).is_file()
    assert Path(env["COURTNEWS_DB"]).parent == Path("/var/lib/courtnews")
    checked = subprocess.run(
        [COURTNEWS, "sources", "--sources", str(etc / "sources.toml")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    # run again (an upgrade): the operator's edits are kept
    (etc / "sources.toml").write_text("# mine\n" + (etc / "sources.toml").read_text("utf-8"), "utf-8")
    assert stage(tmp_path, "--no-start").returncode == 0
    assert (etc / "sources.toml").read_text("utf-8").startswith("# mine\n")


def test_install_sh_dry_run_names_the_user_and_systemctl_steps(tmp_path):
    done = subprocess.run(["sh", str(INSTALL), "--dry-run"], capture_output=True, text=True, timeout=60)
    printed = done.stdout
    if subprocess.run(["id", "courtnews"], capture_output=True).returncode != 0:
        assert "+ useradd --system --user-group --home-dir /var/lib/courtnews" in printed
    if not Path("/etc/courtnews/courtnews.env").exists():  # this machine has no install: nothing was run
        assert "+ chown root:courtnews /etc/courtnews/courtnews.env" in printed
        assert not Path("/etc/courtnews").exists()
    assert "+ systemctl enable --now courtnews-daemon.service courtnews-datasette.service" in printed


# ---------------------------------------------------------------- compose
COMPOSE = ROOT / "deploy" / "compose.yaml"


def test_docker_compose_config_accepts_the_file():
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed here: `docker compose config` not run")
    version = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if version.returncode != 0:
        pytest.skip("the docker compose plugin is not installed here: `docker compose config` not run")
    for profile in ([], ["--profile", "distributed"]):
        done = subprocess.run(
            ["docker", "compose", "-f", str(COMPOSE), *profile, "config", "--quiet"],
            capture_output=True,
            text=True,
            env={**os.environ, "REDIS_PASSWORD": "x", "COURTNEWS_REDIS_URL": ""},
        )
        assert done.returncode == 0, done.stderr


def interpolate(text: str, variables: dict[str, str]) -> str:
    """compose's ${NAME:-default}, ${NAME} and $$."""
    text = re.sub(
        r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: variables.get(m[1]) or (m[2] or ""), text.replace("$$", "\0")
    )
    return text.replace("\0", "$")


def as_run_here(service: dict, variables: dict[str, str], root: Path) -> tuple[list[str], dict[str, str]]:
    """A compose service's command and environment outside a container: its env_file and environment as
    compose reads them, each bind mount's container path replaced by its host file, each volume's by a
    folder under root. (The image's CMD for a service without a command.)"""
    mounts: dict[str, str] = {}
    for volume in service.get("volumes", []):
        source, target = interpolate(volume, variables).split(":")[:2]
        if source.startswith((".", "/")):
            mounts[target] = str((COMPOSE.parent / source).resolve())
        else:
            mounts[target] = str(root / source)
            (root / source).mkdir(parents=True, exist_ok=True)

    def here(value: str) -> str:
        for target, host in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
            if value == target or value.startswith(target + "/"):
                return host + value[len(target) :]
        return value

    env = {}
    for line in active_lines(COMPOSE.parent / service["env_file"]) if "env_file" in service else ():
        name, value = line.split("=", 1)
        env[name] = value
    env.update({k: interpolate(str(v), variables) for k, v in service.get("environment", {}).items()})
    command = service.get("command") or DOCKER_CMD
    return [here(arg) for arg in command], {k: here(v) for k, v in env.items()}


DOCKER_CMD = ["courtnews", "daemon", "--db", "/data/archive.db", "--log-dir", "/data/logs"]


def test_dockerfile_cmd_is_the_one_the_compose_test_runs():
    text = (ROOT / "deploy" / "Dockerfile").read_text("utf-8")
    assert "CMD " + json.dumps(DOCKER_CMD) in text


def test_compose_services_start_with_the_environment_compose_gives_them(tmp_path, site_factory):
    """Before: every service loaded the env example, which names /etc/courtnews/sources.toml, and nothing
    mounted it: the daemon could not start. Each service's environment is what compose gives it (env file,
    environment, mounts); started with it, the daemon schedules the sources and Datasette answers. The
    sources file is the operator's (COURTNEWS_SOURCES_FILE, as deploy/.env sets it), here a local site's."""
    compose = yaml.safe_load(COMPOSE.read_text("utf-8"))
    site = site_factory("court-gov-cn")
    sources = write_sources(tmp_path / "mine.toml", site)
    variables = {"COURTNEWS_SOURCES_FILE": str(sources)}
    volumes = tmp_path / "volumes"
    # the default mount is the shipped sources file, which exists in the checkout
    _, default_env = as_run_here(compose["services"]["daemon"], {}, volumes)
    assert Path(default_env["COURTNEWS_SOURCES"]).is_file(), default_env
    # the worker loads its sources the same way (distributed profile)
    worker, worker_env = as_run_here(compose["services"]["worker"], variables, volumes)
    assert Path(worker_env["COURTNEWS_SOURCES"]) == sources
    daemon_cmd, daemon_env = as_run_here(compose["services"]["daemon"], variables, volumes)
    assert Path(daemon_env["COURTNEWS_SOURCES"]) == sources
    serve_cmd, serve_env = as_run_here(compose["services"]["datasette"], variables, volumes)
    port = free_port()
    # published on the host's 127.0.0.1 only: here too, on a free port
    serve_cmd = [("127.0.0.1" if a == "0.0.0.0" else str(port) if a == "8001" else a) for a in serve_cmd]
    base = {**crawl_env(), "COURTNEWS_DOWNLOAD_DELAY": "0", "COURTNEWS_AUTOTHROTTLE": "0"}
    started = []
    try:
        daemon = subprocess.Popen(
            [COURTNEWS, *daemon_cmd[1:]],
            env={**base, **daemon_env},
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(daemon)
        assert daemon.stderr is not None
        lines = []
        for line in daemon.stderr:
            lines.append(line)
            if "job revisit every" in line:
                break
        assert daemon.poll() is None, "".join(lines)
        assert any(f"job crawl:{site.slug}" in line for line in lines), "".join(lines)
        serve = subprocess.Popen(
            [COURTNEWS, *serve_cmd[1:]], env={**base, **serve_env}, cwd=tmp_path, stdout=subprocess.DEVNULL
        )
        started.append(serve)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/archive.json", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline and serve.poll() is None
                time.sleep(0.3)
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            process.wait(timeout=150)
    assert (volumes / "archive" / "archive.db").is_file()
