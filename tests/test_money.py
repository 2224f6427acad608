import pytest

from shop.core.money import CurrencyMismatch, Money, exact_share, format_money


def test_money_adds_and_formats_in_pounds():
    total = Money(1200) + Money(699) * 2
    assert total == Money(2598)
    assert total.format() == "£25.98"
    assert format_money(5) == "£0.05"
    assert format_money(123456) == "£1,234.56"


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(12.5)
    with pytest.raises(CurrencyMismatch):
        Money(100, "GBP") + Money(100, "EUR")


def test_other_currencies_format_with_their_symbol():
    assert Money(1000, "EUR").format() == "€10.00"
    assert format_money(None) == ""


def test_exact_share_only_when_it_multiplies_back():
    assert exact_share(3240, 6) == 540
    assert exact_share(3250, 6) is None  # 6 × £5.41 would be £32.46
    assert exact_share(0, 3) == 0 and exact_share(100, 0) is None
