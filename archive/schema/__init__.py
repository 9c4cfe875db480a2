"""The archive's schema, as the sequence of migrations that builds it. Each step is frozen once released:
a change to the schema is a new step, so every archive reaches the same shape whatever its age.

``runner.py`` holds the migration set; the steps are grouped by era, registered in the order the eras
are imported below (their names sort in that order).
"""

from __future__ import annotations

from archive.schema import era1_core, era2_pages, era3_reader  # noqa: F401 - registers the steps, era by era
from archive.schema.runner import MIGRATION_SET, migrations

__all__ = ["MIGRATION_SET", "migrations"]
