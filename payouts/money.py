"""Money as integer fen, and the splits that must sum exactly.

Rules (see docs/payouts.md):

- Fees are ``Decimal`` with four places (yuan per piece). Inside payouts they become integer
  *units* of 0.0001 yuan (1/100 fen), so ``pieces × fee`` is exact integer arithmetic.
- A line (one household, one order, one period) is rounded to the fen ONCE, half up:
  ``fen = (units + 50) // 100`` for non-negative units (``ROUND_HALF_UP``).
- A pool (one workshop, one order, one period) is the sum of its rounded lines. It is split
  between households, lead and service center with a largest-remainder apportionment: every
  part gets the floor of its exact share, and the fen left over go one each to the parts with
  the largest remainders; equal remainders go to the part that comes first in the given order
  (households before lead before center; households by id). The parts always sum to the pool.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

UNITS_PER_YUAN = 10_000  # fees have four decimal places
UNITS_PER_FEN = 100
FEN_PER_YUAN = 100
BASIS_POINTS = 10_000  # a percentage with two decimals, ×100: 12.50 % → 1250


def fee_to_units(fee: Decimal | str | int) -> int:
    """0.3500 yuan → 3500 units. Refuses more than four decimal places (no silent rounding)."""
    value = Decimal(fee) * UNITS_PER_YUAN
    if value != value.to_integral_value():
        raise ValueError(f"fee {fee} has more than four decimal places")
    return int(value)


def units_to_fen(units: int) -> int:
    """Round integer units (0.0001 yuan) to the fen once, half up (away from zero)."""
    if units < 0:
        return -units_to_fen(-units)
    return (units + UNITS_PER_FEN // 2) // UNITS_PER_FEN


def yuan_to_fen(amount: Decimal | str | int) -> int:
    """A yuan amount typed by a person ("12.5") → 1250 fen; half up past the fen."""
    quantised = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(quantised * FEN_PER_YUAN)


def fen_to_yuan(fen: int) -> Decimal:
    """1250 → Decimal('12.50'): for JSON (as a string) and for people."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_yuan(fen: int) -> str:
    """1250 → '12.50' (always two decimals, no thousands separator: safe for bank files)."""
    return str(fen_to_yuan(fen))


def format_exact(amount: Decimal) -> str:
    """An exact amount of yuan for people, never rounded: at least two decimals, up to the
    fee's four ("0.35", "14.0625"), so that pieces × fee = this, to the last digit."""
    text = f"{amount.quantize(Decimal('0.0001')):f}".rstrip("0")
    whole, _dot, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def percent_to_basis_points(percent: Decimal | str | int) -> int:
    value = Decimal(percent) * 100
    if value != value.to_integral_value():
        raise ValueError(f"percentage {percent} has more than two decimal places")
    return int(value)


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` fen in proportion to integer ``weights``, summing exactly to ``total``.

    Largest remainder (Hamilton): floor of each exact share, then one fen each to the largest
    remainders; a tie goes to the earlier index, so callers order the parts deterministically.
    All weights zero: nothing can be apportioned, so the total must be zero too.
    """
    if total < 0:
        raise ValueError("cannot apportion a negative total")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total:
            raise ValueError("cannot apportion a non-zero total over zero weights")
        return [0] * len(weights)
    parts = [total * weight // weight_sum for weight in weights]
    leftover = total - sum(parts)
    # leftover < len(weights): each floor loses less than one fen.
    by_remainder = sorted(
        range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i)
    )
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class Share:
    """A lead's or service center's share: a percentage of the pool, or a fixed fee per piece."""

    PERCENT = "percent"
    PER_PIECE = "per_piece"

    kind: str = PERCENT
    value: Decimal = Decimal("0")

    def exact_units(self, *, pool_fen: int, pieces: int) -> int:
        """The exact share in 1/10,000 fen (an integer): percent×pool or pieces×fee."""
        if self.kind == self.PERCENT:
            return pool_fen * percent_to_basis_points(self.value)
        if self.kind == self.PER_PIECE:
            # fee units are 1/100 fen; ×100 brings them to 1/10,000 fen
            return pieces * fee_to_units(self.value) * 100
        raise ValueError(f"unknown share kind {self.kind}")


@dataclass(frozen=True)
class PoolSplit:
    households: int
    lead: int
    center: int


def exact_split(*, pool_fen: int, pieces: int, lead: Share, center: Share) -> tuple[int, int, int]:
    """The exact (households, lead, center) parts of a pool in 1/10,000 fen, summing to the
    pool. Shares are capped so households never go negative: the lead's share at the pool, the
    center's at what the lead left."""
    whole = pool_fen * BASIS_POINTS
    lead_exact = min(lead.exact_units(pool_fen=pool_fen, pieces=pieces), whole)
    center_exact = min(center.exact_units(pool_fen=pool_fen, pieces=pieces), whole - lead_exact)
    return whole - lead_exact - center_exact, lead_exact, center_exact


def split_pool(*, pool_fen: int, pieces: int, lead: Share, center: Share) -> PoolSplit:
    """Split one pool three ways exactly (:func:`exact_split`), each part rounded to the fen
    by largest remainder."""
    households, lead_fen, center_fen = apportion(
        pool_fen, list(exact_split(pool_fen=pool_fen, pieces=pieces, lead=lead, center=center))
    )
    return PoolSplit(households=households, lead=lead_fen, center=center_fen)


def recover_advances(net_fen: int, outstanding: Sequence[int]) -> list[int]:
    """How much of each outstanding advance (oldest first) a period recovers from ``net_fen``.

    The oldest advance is recovered first, as far as the net allows; the net never goes below
    zero and no advance gives back more than is outstanding on it; what is left stays
    outstanding, for the next period. A net of zero or less recovers nothing.
    """
    if any(amount < 0 for amount in outstanding):
        raise ValueError("outstanding amounts must not be negative")
    available = max(net_fen, 0)
    taken = []
    for amount in outstanding:
        part = min(amount, available)
        taken.append(part)
        available -= part
    return taken
