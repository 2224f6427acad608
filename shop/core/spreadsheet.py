"""CSV files that staff open in a spreadsheet, written so no cell can run as a formula.

Excel, LibreOffice and Google Sheets read a text cell that starts with = + - or @ (or their
full-width forms, or a tab or carriage return before them) as a formula, and a formula can
fetch URLs or leak other cells: a customer who calls themselves `=HYPERLINK(...)` would
otherwise attack whoever opens the packing list. Such a cell is written with a leading
apostrophe, which every spreadsheet shows as text. Numbers pass through unchanged.
"""

import csv
from collections.abc import Iterable
from typing import IO, Any

# ASCII triggers, their full-width twins (U+FF1D, U+FF0B, U+FF0D, U+FF20), tab and CR.
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20\t\r")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet will show it: text that would be read as a formula is
    prefixed with an apostrophe, even behind leading whitespace; anything else is as given."""
    if not isinstance(value, str):
        return "" if value is None else value
    stripped = value.lstrip(" \u3000\u00a0\n")
    if value.startswith(("\t", "\r")) or (stripped and stripped[0] in FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(out: IO[str], header: Iterable[str], rows: Iterable[Iterable[Any]]) -> int:
    """Write a header and rows with every cell made safe; returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow([safe_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
    return count
