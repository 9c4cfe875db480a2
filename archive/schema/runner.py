"""The migration set every step registers on; archive.db applies what is pending under the write lock."""

from __future__ import annotations

from sqlite_utils.migrations import Migrations

MIGRATION_SET = "courtnews"
migrations = Migrations(MIGRATION_SET)
