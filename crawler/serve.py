"""Datasette over the archive, with the project's metadata (titles, facets, canned queries)."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

import yaml

METADATA = Path(str(resources.files("archive.reader") / "metadata.yml"))  # package data


def datasette_metadata(db_path: Path) -> dict:
    """The shipped metadata, keyed by the database name Datasette gives this file (its stem)."""
    metadata = yaml.safe_load(METADATA.read_text("utf-8"))
    databases = metadata.get("databases", {})
    if "archive" in databases and db_path.stem != "archive":
        databases[db_path.stem] = databases.pop("archive")
        metadata["description_html"] = metadata["description_html"].replace("/archive/", f"/{db_path.stem}/")
    return metadata


def datasette_command(db_path: Path, metadata_file: Path, host: str, port: int) -> list[str]:
    # never immutable (-i): the daemon writes to this file while Datasette reads it
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
        "--setting",
        "sql_time_limit_ms",
        "3000",
    ]


def write_metadata(db_path: Path, target: Path) -> Path:
    target.write_text(json.dumps(datasette_metadata(db_path), ensure_ascii=False, indent=2), "utf-8")
    return target
