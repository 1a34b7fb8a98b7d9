"""ISO 2859-1 (GB/T 2828.1) single sampling plans, and the switching rules between severities.

Sources: ISO 2859-1:1999 "Sampling procedures for inspection by attributes — Part 1: Sampling
schemes indexed by acceptance quality limit (AQL) for lot-by-lot inspection", identical in its
tables to GB/T 2828.1-2012 (计数抽样检验程序 第1部分) and, for Tables 1, 2-A and 2-B, to
ANSI/ASQ Z1.4 and MIL-STD-105E:

- Table 1: sample size code letters for the general inspection levels I, II and III;
- Table 2-A / 2-B / 2-C: single sampling plans for normal / tightened / reduced inspection.

How the master tables are encoded. In each master table the AQLs (0.010 … 10) form a geometric
series with ratio ≈ 1.585, and so do the sample sizes of successive code letters. A plan therefore
depends only on the diagonal ``d = letter index + AQL index`` (A = 0 … R = 15; 0.010 = 0 …
10 = 15): along each diagonal the table holds the same Ac/Re pair or the same arrow. The tables
below list each diagonal's entry, read from the published tables; ``UP`` / ``DOWN`` are the
arrows ("use the first sampling plan above / below the arrow", taking that plan's sample size).
The tests in tests/quality/test_sampling.py check the published worked examples and the edges
of every table against this encoding.

When the sample size equals or exceeds the lot size, the whole lot is inspected (100 %) with
the plan's Ac/Re unchanged (ISO 2859-1:1999, 10.1 and the notes under Tables 2-A … 2-C).

This module supports the AQLs 0.040 … 6.5 (the preferred series). Outside that range the
published tables leave the encoded grid (the tightened letter S, nonconformities per 100 items)
and we refuse rather than guess.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# ---------------------------------------------------------------------------------------------
# Table 1: sample size code letters (lot size upper bound → letters for levels I, II, III).
LOT_SIZE_CODE_LETTERS: list[tuple[int, str, str, str]] = [
    (8, "A", "A", "B"),
    (15, "A", "B", "C"),
    (25, "B", "C", "D"),
    (50, "C", "D", "E"),
    (90, "C", "E", "F"),
    (150, "D", "F", "G"),
    (280, "E", "G", "H"),
    (500, "F", "H", "J"),
    (1200, "G", "J", "K"),
    (3200, "H", "K", "L"),
    (10000, "J", "L", "M"),
    (35000, "K", "M", "N"),
    (150000, "L", "N", "P"),
    (500000, "M", "P", "Q"),
    (10**12, "N", "Q", "R"),
]
LEVELS = ("I", "II", "III")

LETTERS = "ABCDEFGHJKLMNPQR"  # no I, no O
SAMPLE_SIZES: dict[str, list[int]] = {
    # Tables 2-A and 2-B share the sample sizes; 2-C (reduced) has smaller ones.
    "normal": [2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000],
    "tightened": [2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000],
    "reduced": [2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800],
}

# The AQL series of the master tables; index = column.
AQL_SERIES = [
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65",
    "1.0", "1.5", "2.5", "4.0", "6.5", "10",
]  # fmt: skip
AQL_INDEX = {Decimal(v): i for i, v in enumerate(AQL_SERIES)}
SUPPORTED_AQLS = [Decimal(v) for v in AQL_SERIES[3:15]]  # 0.040 … 6.5

UP, DOWN = "up", "down"
# Diagonal d → entry. Below the first key every cell is DOWN, above the last every cell is UP.
DIAGONALS: dict[str, dict[int, object]] = {
    # Table 2-A: 0/1 from letter A at AQL 6.5 (d = 14); then ↑, ↓; then 1/2 (D at 6.5) …
    "normal": {
        14: (0, 1), 15: UP, 16: DOWN, 17: (1, 2), 18: (2, 3), 19: (3, 4), 20: (5, 6),
        21: (7, 8), 22: (10, 11), 23: (14, 15), 24: (21, 22),
    },
    # Table 2-B: 0/1 one diagonal later than normal; one ↓ spanning two cells; then 1/2 …
    # and the tightened acceptance numbers 8, 12, 18.
    "tightened": {
        15: (0, 1), 16: DOWN, 17: DOWN, 18: (1, 2), 19: (2, 3), 20: (3, 4), 21: (5, 6),
        22: (8, 9), 23: (12, 13), 24: (18, 19),
    },
    # Table 2-C (1999 edition, without the former limit numbers: Re = Ac + 1), on the reduced
    # sample sizes.
    "reduced": {
        14: (0, 1), 15: UP, 16: DOWN, 17: (1, 2), 18: (1, 2), 19: (2, 3), 20: (3, 4),
        21: (5, 6), 22: (6, 7), 23: (8, 9), 24: (10, 11),
    },
}  # fmt: skip
SEVERITIES = tuple(DIAGONALS)

# ISO 2859-1:1999, 9.3.3: normal → reduced when the switching score reaches 30 (and the
# responsible authority approves).
SWITCHING_SCORE_LIMIT = 30


class SamplingError(ValueError):
    """An argument outside what the tables cover; ``field`` names the argument."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class SamplingPlan:
    lot_size: int
    aql: Decimal
    level: str
    severity: str
    code_letter: str  # the letter of the plan used (after following arrows)
    table_letter: str  # the letter Table 1 gave for the lot size
    sample_size: int
    accept: int
    reject: int
    full_inspection: bool  # the sample is the whole lot (100 % inspection)

    def decide(self, nonconforming: int) -> bool:
        """True when the lot is accepted with ``nonconforming`` items in the sample."""
        return nonconforming <= self.accept


def parse_aql(aql: str | Decimal | float | int) -> Decimal:
    try:
        value = Decimal(str(aql)).normalize()
    except (InvalidOperation, ValueError):
        raise SamplingError("aql", f"AQL {aql!r} is not a number") from None
    for supported in SUPPORTED_AQLS:
        if value == supported:
            return supported
    raise SamplingError(
        "aql", f"AQL {aql} is not one of {', '.join(str(a) for a in SUPPORTED_AQLS)}"
    )


def code_letter(lot_size: int, level: str = "II") -> str:
    if level not in LEVELS:
        raise SamplingError("level", f"inspection level {level!r} is not one of I, II, III")
    if lot_size < 2:
        # Table 1 starts at 2; a lot of one piece is inspected whole under letter A.
        if lot_size < 1:
            raise SamplingError("lot_size", "lot size must be at least 1")
        return LOT_SIZE_CODE_LETTERS[0][LEVELS.index(level) + 1]
    for upper, *letters in LOT_SIZE_CODE_LETTERS:
        if lot_size <= upper:
            return letters[LEVELS.index(level)]
    raise SamplingError("lot_size", "lot size too large")  # pragma: no cover


def _entry(severity: str, letter_index: int, aql_index: int) -> object:
    table = DIAGONALS[severity]
    d = letter_index + aql_index
    if d < min(table):
        return DOWN
    if d > max(table):
        return UP
    return table[d]


def sampling_plan(
    lot_size: int,
    aql: str | Decimal,
    level: str = "II",
    severity: str = "normal",
) -> SamplingPlan:
    """The single sampling plan for a lot (ISO 2859-1 Tables 1 and 2-A/2-B/2-C)."""
    if severity not in SEVERITIES:
        raise SamplingError("severity", f"severity {severity!r} is not one of {SEVERITIES}")
    aql_value = parse_aql(aql)
    table_letter = code_letter(lot_size, level)
    index = LETTERS.index(table_letter)
    aql_index = AQL_INDEX[aql_value]
    entry = _entry(severity, index, aql_index)
    while entry in (UP, DOWN):
        index += -1 if entry == UP else 1
        if not 0 <= index < len(LETTERS):  # pragma: no cover - excluded by SUPPORTED_AQLS
            raise SamplingError("aql", "no plan in the table for this AQL")
        entry = _entry(severity, index, aql_index)
    accept, reject = entry  # type: ignore[misc]
    sample_size = SAMPLE_SIZES[severity][index]
    full = sample_size >= lot_size
    return SamplingPlan(
        lot_size=lot_size,
        aql=aql_value,
        level=level,
        severity=severity,
        code_letter=LETTERS[index],
        table_letter=table_letter,
        sample_size=min(sample_size, lot_size),
        accept=accept,
        reject=reject,
        full_inspection=full,
    )


def tighter_aql(aql: Decimal) -> Decimal | None:
    """The AQL one step tighter in the series (for the switching score), if any."""
    index = AQL_INDEX[aql]
    return Decimal(AQL_SERIES[index - 1]) if index > 0 else None


def accept_number(
    *, letter: str, aql: Decimal, severity: str = "normal"
) -> int:  # pragma: no cover - thin
    index = LETTERS.index(letter)
    entry = _entry(severity, index, AQL_INDEX[aql])
    while entry in (UP, DOWN):
        index += -1 if entry == UP else 1
        entry = _entry(severity, index, AQL_INDEX[aql])
    return entry[0]  # type: ignore[index]


# --- Switching rules (ISO 2859-1:1999, 9.3 and Figure 1) -------------------------------------


@dataclass
class SwitchingCounters:
    severity: str = "normal"
    recent: str = ""  # "A"/"R" of the latest original inspections, newest last, at most 5
    consecutive_accepted: int = 0
    switching_score: int = 0
    tightened_rejections: int = 0
    stopped: bool = False


@dataclass(frozen=True)
class SwitchingStep:
    before: str
    after: str
    stopped: bool
    reason: str  # machine-readable: "2_of_5_rejected", "5_accepted", "rejected_under_reduced", …


def switching_score_after(
    score: int, *, accepted: bool, plan_accept: int, nonconforming: int, tighter_accept: int | None
) -> int:
    """ISO 2859-1:1999, 9.3.3.2 a) (single sampling), under normal inspection.

    With Ac ≥ 2: +3 if the lot is accepted and would have been accepted had the AQL been one
    step tighter (``nonconforming`` ≤ ``tighter_accept``, the Ac of the same code letter at
    that AQL), otherwise the score goes back to 0. With Ac 0 or 1: +2 if the lot is accepted,
    otherwise 0. A lot that is not accepted always resets the score, whatever the count: it is
    not accepted at this AQL, so not at a tighter one either (a critical defect rejects a lot
    whose count alone would have passed).
    """
    if not accepted:
        return 0
    if plan_accept >= 2:
        if tighter_accept is not None and nonconforming <= tighter_accept:
            return score + 3
        return 0
    return score + 2


def switching_next(counters: SwitchingCounters, *, accepted: bool, score: int) -> SwitchingStep:
    """Apply one original (first-round) inspection result to ``counters`` in place.

    ``score`` is the switching score after this lot (see ``switching_score_after``), only
    meaningful under normal inspection. Normal → reduced is not automatic: it needs the
    operator's approval once the score reaches 30 (``switching_approve_reduced``).
    """
    before = counters.severity
    reason = ""
    counters.recent = (counters.recent + ("A" if accepted else "R"))[-5:]
    counters.consecutive_accepted = counters.consecutive_accepted + 1 if accepted else 0
    if before == "normal":
        counters.switching_score = score
        if counters.recent.count("R") >= 2:
            counters.severity, reason = "tightened", "2_of_5_rejected"
    elif before == "tightened":
        if not accepted:
            counters.tightened_rejections += 1
            if counters.tightened_rejections >= 5:
                counters.stopped, reason = True, "5_rejected_under_tightened"
        if accepted and counters.consecutive_accepted >= 5:
            counters.severity, reason = "normal", "5_accepted"
    elif before == "reduced" and not accepted:
        counters.severity, reason = "normal", "rejected_under_reduced"
    if counters.severity != before:
        # Each severity starts its own count of lots.
        counters.recent = ""
        counters.consecutive_accepted = 0
        counters.switching_score = 0
        if counters.severity != "tightened":
            counters.tightened_rejections = 0
    return SwitchingStep(
        before=before, after=counters.severity, stopped=counters.stopped, reason=reason
    )
