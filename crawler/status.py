"""`courtnews status`: what the daemon has done and will do, source by source, for people and monitors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import sqlite_utils

from crawler.daemon import cadence, last_success, source_trigger
from crawler.sources import DaemonConfig, Source


def source_status(
    db: sqlite_utils.Database,
    sources: dict[str, Source],
    config: DaemonConfig,
    fail_after: int,
    now: datetime | None = None,
) -> list[dict]:
    now = now or datetime.now(UTC)
    rows = []
    for slug, source in sources.items():
        runs = list(
            db.query(
                "SELECT * FROM runs WHERE source = ? ORDER BY started_at DESC, id DESC LIMIT ?",
                [slug, max(fail_after, 1)],
            )
        )
        last = runs[0] if runs else None
        success = last_success(db, slug)
        if success is None or now - success > cadence(source, now, config):
            next_run = "soon (overdue: runs once when the daemon starts)"
        else:
            trigger = source_trigger(source, replace(config, jitter=0))
            upcoming = (
                trigger.get_next_fire_time(None, now)
                if source.schedule.cron
                else success + cadence(source, now, config)
            )
            next_run = upcoming.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        totals = next(
            iter(
                db.query(
                    "SELECT COUNT(DISTINCT p.id) AS pages, COUNT(v.id) AS versions FROM pages p LEFT JOIN versions v ON v.page_id = p.id "
                    "WHERE p.source = ?",
                    [slug],
                )
            )
        )
        rows.append(
            {
                "source": slug,
                "schedule": source.schedule.text,
                "last_run": last
                and {
                    k: last[k]
                    for k in (
                        "id",
                        "kind",
                        "trigger",
                        "started_at",
                        "finished_at",
                        "status",
                        "exit_code",
                        "captures",
                        "new_versions",
                        "removed",
                        "failures",
                        "reason",
                    )
                },
                "next_run": next_run,
                "pages": totals["pages"],
                "versions": totals["versions"],
                "failing": len(runs) >= fail_after
                and all(r["status"] in ("failed", "interrupted") for r in runs),
            }
        )
    return rows


def format_status(rows: list[dict]) -> str:
    lines = [
        f"{'source':<26}{'last run (UTC)':<22}{'outcome':<13}{'next run':<24}{'pages':>7}{'versions':>9}"
    ]
    for row in rows:
        last = row["last_run"]
        outcome = (
            "never run"
            if not last
            else f"{last['status']}"
            + (f" ({last['exit_code']})" if last.get("exit_code") not in (None, 0) else "")
        )
        when = last["started_at"] if last else "-"
        lines.append(
            f"{row['source']:<26}{when:<22}{outcome:<13}{row['next_run'][:23]:<24}{row['pages']:>7}{row['versions']:>9}"
            + ("  FAILING" if row["failing"] else "")
        )
    return "\n".join(lines)
