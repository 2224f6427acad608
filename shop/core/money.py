"""Money as integer minor units with an ISO currency code. Never floats."""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.numbers import format_currency

SHOP_CURRENCY = "GBP"
SHOP_LOCALE = "en_GB"


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


# A page shows the same few prices again and again, and Babel takes tens of microseconds
# for each: each amount is formatted once per process (a string is a few dozen bytes).
@lru_cache(maxsize=8192)
def _formatted(pence: int, currency: str, locale: str) -> str:
    return format_currency(Decimal(pence).scaleb(-2), currency, locale=_locale(locale))


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


@dataclass(frozen=True, slots=True)
class Money:
    pence: int
    currency: str = SHOP_CURRENCY

    def __post_init__(self):
        if not isinstance(self.pence, int):
            raise TypeError(f"Money takes integer minor units, not {type(self.pence).__name__}")

    def _check(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._check(other)
        return Money(self.pence + other.pence, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._check(other)
        return Money(self.pence - other.pence, self.currency)

    def __mul__(self, times: int) -> "Money":
        return Money(self.pence * int(times), self.currency)

    def __lt__(self, other: "Money") -> bool:
        self._check(other)
        return self.pence < other.pence

    @classmethod
    def zero(cls, currency: str = SHOP_CURRENCY) -> "Money":
        return cls(0, currency)

    def format(self, locale: str = SHOP_LOCALE) -> str:
        return _formatted(self.pence, self.currency, locale)

    def __str__(self) -> str:
        return self.format()


def format_money(value: "Money | int | None", currency: str = SHOP_CURRENCY) -> str:
    """The one Jinja filter for amounts: `{{ product.price | money }}`."""
    if value is None:
        return ""
    if not isinstance(value, Money):
        value = Money(value, currency)
    return value.format()


def exact_share(total_pence: int, parts: int) -> int | None:
    """`total_pence` ÷ `parts` when it divides exactly, else None. A page shows "6 × £5.40"
    only when six times £5.40 is the figure charged; otherwise it shows the total alone."""
    if parts <= 0 or total_pence % parts:
        return None
    return total_pence // parts


def pence_from_text(text: str) -> int:
    """An amount typed in pounds — "12.50", "£12.5", "1,299" — as pence. Raises ValueError
    with a message fit for a form when it is not one (more than two decimals included)."""
    cleaned = (text or "").strip().replace(",", "").removeprefix("£").strip()
    try:
        amount = Decimal(cleaned)
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise ValueError("Enter an amount in pounds, like 12.50.")
    return int(amount.scaleb(2))
