"""CSV files the sidecar writes: cells a spreadsheet would run as a formula
are neutralized, as the plugin's SENW_CRM_Csv does. A cell starting with
= + - @, a tab or a carriage return gets a leading apostrophe (OWASP's advice
for CSV injection). Every csv.writer in sidecar/ comes from writer() here (a
test checks)."""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One cell as text a spreadsheet shows and does not run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def row(values: Iterable[Any]) -> list[str]:
    return [cell(v) for v in values]


class SafeWriter:
    """csv.writer whose rows are neutralized cell by cell."""

    def __init__(self, fh: IO[str], **fmt: Any) -> None:
        self._writer = csv.writer(fh, **fmt)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow(row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def writer(fh: IO[str], **fmt: Any) -> SafeWriter:
    return SafeWriter(fh, **fmt)
