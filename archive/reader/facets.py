"""A Datasette facet type, ``counted``, for the reader's views: on an unfiltered view it reads the counts the
archive keeps (``facet_counts``, schema step m009) instead of counting every row, which at a million versions
takes longer than Datasette's facet time limit; with any filter or search it counts like Datasette's own
column facet. The metadata names it: ``facets: [{counted: court}]``."""

from __future__ import annotations

from typing import Any

from datasette.facets import ColumnFacet
from datasette.utils import path_with_added_args, path_with_removed_args

from archive.schema.era3_reader import FACETS


class CountedFacet(ColumnFacet):
    type = "counted"

    async def suggest(self) -> list:
        return []

    def _unfiltered(self) -> bool:
        return not self.params and " where " not in self.sql.lower()

    async def facet_results(self) -> tuple[list[dict], list[str]]:
        configs = self.get_configs()
        columns = [c["config"].get("column") or c["config"]["simple"] for c in configs]
        if not self._unfiltered() or any(f"{self.table}.{column}" not in FACETS for column in columns):
            return await super().facet_results()
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        results = []
        for source_and_config, column in zip(configs, columns, strict=True):
            rows = await self.ds.execute(
                self.database,
                "SELECT value, n FROM facet_counts WHERE facet = ? AND n > 0 ORDER BY n DESC, value LIMIT ?",
                [f"{self.table}.{column}", size + 1],
            )
            values = []
            for value, count in list(rows)[:size]:
                values.append(
                    {
                        "value": value,
                        "label": value,
                        "count": count,
                        "toggle_url": self.ds.absolute_url(
                            self.request,
                            self.ds.urls.path(path_with_added_args(self.request, {column: value})),
                        ),
                        "selected": (column, str(value)) in pairs,
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                    "results": values,
                    "truncated": len(rows) > size,
                }
            )
        return results, []


def facet_classes() -> list[Any]:
    return [CountedFacet]
