from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qianqi_rules.tax import after_tax, gross_for_net, withholding

D = Decimal


@pytest.mark.parametrize(
    ("income", "tax"),
    [
        ("800", "0"), ("500", "0"),
        ("1000", "40.00"),            # (1000 − 800) × 20 %
        ("3999", "639.80"),           # just below 4,000
        ("4000", "640.00"),           # (4000 − 800) × 20 %
        ("4001", "640.16"),           # 4001 × 80 % × 20 %: the rule changes at 4,000
        ("25000", "4000.00"),         # taxable 20,000: still 20 %
        ("30000", "5200.00"),         # taxable 24,000: 30 % − 2,000
        ("62500", "13000.00"),        # taxable 50,000: 30 % − 2,000
        ("100000", "25000.00"),       # taxable 80,000: 40 % − 7,000
    ],
)
def test_withholding_on_both_sides_of_each_threshold(income: str, tax: str) -> None:
    assert withholding(D(income)) == D(tax)


def test_after_tax_is_continuous_at_4000() -> None:
    assert after_tax(D("4000")) == D("3360.00")
    assert after_tax(D("4000.01")) - after_tax(D("4000")) < D("0.02")


@given(st.decimals(min_value=D("0.01"), max_value=D("500000"), places=2))
def test_gross_for_net_inverts_after_tax(income: Decimal) -> None:
    net = after_tax(income)
    gross = gross_for_net(net)
    assert after_tax(gross) <= net < after_tax(gross + D("0.01"))  # the largest payment within the cap
    assert gross >= income


def test_gross_for_the_expert_caps() -> None:
    assert gross_for_net(D("1500")) == D("1675.00")     # (1500 − 160) / 0.8
    assert gross_for_net(D("2400")) == D("2800.00")
    assert gross_for_net(D("3600")) == D("4285.72")     # above 4,000: about 3600 / 0.84, tax rounded to the cent
