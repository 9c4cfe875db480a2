"""The mutation runner (mutation/run.py) leaves no process behind when it is stopped: each child runs in a
process group of its own, ended whole, so the pytest that cosmic-ray started (and what that pytest started)
dies with the runner."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.daemon_process import is_gone, wait_for

ROOT = Path(__file__).resolve().parent.parent

# the runner's own helpers, around a child that starts a grandchild (as cosmic-ray starts pytest) and waits
RUNNER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {mutation!r})
    import run
    child = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        "open(sys.argv[1], 'w').write(str(p.pid)); time.sleep(600)"
    )
    with run.children_ended():
        run.run_group([sys.executable, '-c', child, {pid_file!r}])
    """
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_mutation_runner_ends_its_childrens_whole_process_groups(tmp_path, signum):
    pid_file = tmp_path / "grandchild.pid"
    script = RUNNER.format(mutation=str(ROOT / "mutation"), pid_file=str(pid_file))
    runner = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        assert wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), 30)
        grandchild = int(pid_file.read_text())
        runner.send_signal(signum)
        assert runner.wait(timeout=30) != 0
        assert wait_for(lambda: is_gone(grandchild), 15), (
            f"pytest-like grandchild {grandchild} outlived the runner"
        )
    finally:
        runner.kill()
