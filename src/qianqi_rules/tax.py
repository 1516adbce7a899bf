"""Individual income tax withheld on 劳务报酬 (remuneration for services), and its inverse.

Ledgers record what was paid before withholding; expert and lecture fee
standards are after tax.  The withholding rule: the taxable amount is the
income minus 800 when the income is at most 4,000, otherwise 80 % of it; the
rate is 20 % up to 20,000 taxable, 30 % (less 2,000) up to 50,000 and 40 %
(less 7,000) above.  :func:`gross_for_net` inverts it, to say how much of a
payment lies above an after-tax cap.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .values import CENT, ZERO

_BRACKETS = (  # (taxable up to, rate, quick deduction)
    (Decimal(20_000), Decimal("0.20"), ZERO),
    (Decimal(50_000), Decimal("0.30"), Decimal(2_000)),
    (None, Decimal("0.40"), Decimal(7_000)),
)


def taxable(income: Decimal) -> Decimal:
    if income <= 800:
        return ZERO
    if income <= 4_000:
        return income - 800
    return income * Decimal("0.8")


def withholding(income: Decimal) -> Decimal:
    """Tax withheld on one payment of 劳务报酬 to one person, rounded to the cent."""
    base = taxable(income)
    for limit, rate, deduction in _BRACKETS:
        if limit is None or base <= limit:
            return max(ZERO, base * rate - deduction).quantize(CENT, rounding=ROUND_HALF_UP)
    raise AssertionError("unreachable")  # pragma: no cover


def after_tax(income: Decimal) -> Decimal:
    """What the person receives from a payment of ``income`` before tax."""
    return income - withholding(income)


def gross_for_net(net: Decimal) -> Decimal:
    """The largest pre-tax payment (to the cent) whose after-tax amount does not exceed ``net``.

    ``after_tax`` is continuous and increasing, piecewise linear: each piece is
    inverted exactly, and the candidate that lands on ``net`` is refined to the cent.
    """
    if net <= 800:
        return net.quantize(CENT, rounding=ROUND_HALF_UP)
    candidates = (
        (net - Decimal(160)) / Decimal("0.8"),           # 800 < income <= 4,000: net = 0.8 × income + 160
        net / Decimal("0.84"),                           # taxable <= 20,000: net = 0.84 × income
        (net - Decimal(2_000)) / Decimal("0.76"),        # 20,000 < taxable <= 50,000
        (net - Decimal(7_000)) / Decimal("0.68"),        # taxable > 50,000
    )
    gross = min((c.quantize(CENT, rounding=ROUND_HALF_UP) for c in candidates),
                key=lambda g: abs(after_tax(g) - net))
    while after_tax(gross) > net:
        gross -= CENT
    while after_tax(gross + CENT) <= net:
        gross += CENT
    return gross
