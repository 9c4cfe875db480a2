"""The daemon soak (`make soak`, COURTNEWS_SOAK=1 only; never part of `make test`): the real daemon for a few
minutes (COURTNEWS_SOAK_SECONDS, default 180) on short cadences against local fixture sites that change
while it runs, with SIGHUPs that change a cadence and kill -9 of running crawls. At the end it prints the runs
by kind and status and holds the daemon to its promises: it stops cleanly, no run is left open, only a
crawl that was killed is interrupted, nothing else failed, and the archive verifies."""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import crawl_env
from tests.daemon_process import FAST_DAEMON, crawl_processes, runs, start_daemon, wait_for

SOAK = os.environ.get("COURTNEWS_SOAK") == "1"
SECONDS = float(os.environ.get("COURTNEWS_SOAK_SECONDS", "180"))

pytestmark = [
    pytest.mark.skipif(not SOAK, reason="the daemon soak runs under COURTNEWS_SOAK=1 (make soak)"),
    pytest.mark.timeout(SECONDS + 600),
]


def sources_text(site, header: str, cadence: str) -> str:
    first = site.source_entry().replace('schedule = "1h"', f'schedule = "{cadence}"')
    second = first.replace(f'slug = "{site.slug}"', 'slug = "second"').replace(
        f'schedule = "{cadence}"', 'schedule = "7s"'
    )
    return header + first + second


def crawl_leaders(db: Path) -> list[int]:
    """The `scrapy crawl` processes themselves (each leads its process group), not their workers."""
    leaders = []
    for pid in crawl_processes(db):
        try:
            if os.getpgid(pid) == pid:
                leaders.append(pid)
        except ProcessLookupError:
            continue
    return leaders


def test_the_daemon_soak(site_factory, tmp_path, capsys):
    site = site_factory("court-gov-cn")
    sources = tmp_path / "sources.toml"
    header = FAST_DAEMON.format(max_concurrent=2, crawl_timeout="30s").replace(
        'revisit_every = "2s"', 'revisit_every = "3s"'
    )
    cadences = ["5s", "4s", "6s"]
    sources.write_text(sources_text(site, header, cadences[0]), "utf-8")
    daemon = start_daemon(tmp_path, sources)
    db = daemon.db
    article = site.path("zixun/xiangqing/1002.html")
    original = article.read_text("utf-8")
    rng = random.Random(32)
    events: collections.Counter[str] = collections.Counter()
    deadline = time.monotonic() + SECONDS
    try:
        assert wait_for(lambda: any(r["status"] == "finished" for r in runs(db)), 120), daemon.output()[
            -3000:
        ]
        while time.monotonic() < deadline:
            action = rng.choice(["mutate", "mutate", "hup", "kill", "kill", "wait"])
            if action == "mutate":  # an edit, or the original back: both become versions
                events["edits"] += 1
                text = (
                    original
                    if events["edits"] % 2 == 0
                    else original.replace("平稳有序运行", f"平稳有序运行{events['edits']}")
                )
                article.write_text(text, "utf-8")
            elif action == "hup":
                events["sighups"] += 1
                cadence = cadences[events["sighups"] % len(cadences)]
                sources.write_text(sources_text(site, header, cadence), "utf-8")
                daemon.process.send_signal(signal.SIGHUP)
            elif action == "kill":
                leaders = crawl_leaders(db)
                if leaders:
                    victim = rng.choice(leaders)
                    try:
                        os.killpg(victim, signal.SIGKILL)
                        events["kills"] += 1
                    except ProcessLookupError:
                        pass
            time.sleep(rng.uniform(1, 6))
            assert daemon.process.poll() is None, daemon.output()[-3000:]
    finally:
        code = daemon.stop(timeout=120)
    output = daemon.output()
    recorded = runs(db)
    by_status = collections.Counter((r["kind"], r["status"]) for r in recorded)
    report = [
        f"daemon soak: {SECONDS:.0f} s, {len(recorded)} runs; {events['edits']} site edits, "
        f"{events['sighups']} SIGHUPs, {events['kills']} crawls killed with SIGKILL",
        *(f"  {kind:<8} {status:<12} {n:5}" for (kind, status), n in sorted(by_status.items())),
    ]
    with capsys.disabled():  # the report is the soak's output: shown whatever pytest captures
        print("\n" + "\n".join(report), flush=True)
    (Path("build") / "soak-daemon.txt").parent.mkdir(exist_ok=True)
    (Path("build") / "soak-daemon.txt").write_text("\n".join(report) + "\n", "utf-8")
    assert code == 0 and "Traceback" not in output, output[-3000:]
    assert not [r for r in recorded if r["status"] == "running"]
    interrupted = [r for r in recorded if r["status"] == "interrupted"]
    assert len(interrupted) <= events["kills"]  # a crawl is interrupted only when we killed it
    assert all(r["exit_code"] == -signal.SIGKILL for r in interrupted), interrupted
    assert not [r for r in recorded if r["status"] == "failed"], [
        r for r in recorded if r["status"] == "failed"
    ]
    assert by_status[("crawl", "finished")] and by_status[("revisit", "finished")]
    verify = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "verify", "--db", str(db)],
        capture_output=True, text=True, timeout=300, env=crawl_env(),
    )  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr
