"""CSV files that staff open in a spreadsheet, written so no cell can run as a formula.

Excel, LibreOffice and Google Sheets read a text cell that starts with = + - or @ (or their
full-width forms, or a tab or carriage return before them) as a formula, and a formula can
fetch URLs or leak other cells: a customer who calls themselves `=HYPERLINK(...)` would
otherwise attack whoever opens the packing list. Such a cell is written with a leading
apostrophe, which every spreadsheet shows as text. Numbers pass through unchanged.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

# ASCII triggers, their full-width twins (U+FF1D, U+FF0B, U+FF0D, U+FF20), tab and CR.
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20\t\r")
# The whitespace a spreadsheet skips before it looks for a trigger.
LEADING_SPACE = " \u3000\u00a0\n"
# A cell starting with anything else is text as it is: the common case, decided at once.
NEEDS_A_LOOK = FORMULA_STARTS | frozenset(LEADING_SPACE)


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet will show it: text that would be read as a formula is
    prefixed with an apostrophe, even behind leading whitespace; anything else is as given."""
    if not isinstance(value, str):
        return "" if value is None else value
    if not value or value[0] not in NEEDS_A_LOOK:
        return value
    stripped = value.lstrip(LEADING_SPACE)
    if value.startswith(("\t", "\r")) or (stripped and stripped[0] in FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(out: IO[str], header: Iterable[str] | None, rows: Iterable[Iterable[Any]]) -> int:
    """Write a header (unless None) and rows with every cell made safe; returns the number
    of rows."""
    writer = csv.writer(out)
    if header is not None:
        writer.writerow([safe_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow(map(safe_cell, row))
        count += 1
    return count


def stream_csv(header: Iterable[str], rows: Iterable[Iterable[Any]], *, batch: int = 500) -> Iterator[str]:
    """The same file as write_csv, as text chunks of `batch` rows, for a streamed download
    that never holds the whole file in memory."""
    out = io.StringIO()
    write_csv(out, header, [])
    yield out.getvalue()
    rows = iter(rows)
    while chunk := list(islice(rows, batch)):
        out = io.StringIO()
        write_csv(out, None, chunk)
        yield out.getvalue()
