"""Datasette over the archive, with the project's metadata (titles, facets, canned queries) and settings.

The courtnews plugin (archive/reader) is loaded by Datasette itself through its entry point, so these settings
and the metadata are all `courtnews serve` adds to a plain `datasette archive.db --metadata metadata.yml`."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

METADATA = Path(str(resources.files("archive.reader") / "metadata.yml"))  # package data
# suggested facets run a query per column on every table page (seconds at a million versions, each one cut at
# its own time limit): off; cells not shortened by the plugin are cut at 300 characters
DATASETTE_SETTINGS: dict[str, Any] = {
    "suggest_facets": False,
    "truncate_cells_html": 300,
    "sql_time_limit_ms": 3000,
}


def _renamed(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    return value


def datasette_metadata(db_path: Path) -> dict:
    """The shipped metadata, keyed by the database name Datasette gives this file (its stem); links written
    for /archive/ point at that name."""
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))
    databases = metadata.get("databases", {})
    if "archive" in databases and db_path.stem != "archive":
        databases[db_path.stem] = databases.pop("archive")
        metadata = _renamed(metadata, "/archive/", f"/{db_path.stem}/")
    return metadata


def datasette_command(db_path: Path, metadata_file: Path, host: str, port: int) -> list[str]:
    # never immutable (-i): the daemon writes to this file while Datasette reads it
    settings = [
        part
        for name, value in DATASETTE_SETTINGS.items()
        for part in ("--setting", name, ("on" if value else "off") if isinstance(value, bool) else str(value))
    ]
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_file),
        "--host",
        host,
        "--port",
        str(port),
        *settings,
    ]


def write_metadata(db_path: Path, target: Path) -> Path:
    target.write_text(json.dumps(datasette_metadata(db_path), ensure_ascii=False, indent=2), "utf-8")
    return target
