"""The shop runs on UK time: cutoffs and dates customers read are Europe/London."""

from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
