"""ISO 2859-1 (GB/T 2828.1) single sampling plans, and the switching rules between severities.

Sources: ISO 2859-1:1999 "Sampling procedures for inspection by attributes — Part 1: Sampling
schemes indexed by acceptance quality limit (AQL) for lot-by-lot inspection", identical in its
tables to GB/T 2828.1-2012 (计数抽样检验程序 第1部分):

- Table 1: sample size code letters for the general inspection levels I, II and III;
- Table 2-A / 2-B / 2-C: single sampling plans for normal / tightened / reduced inspection.

Every AQL of the tables is planned: 0.010 … 10 (percent nonconforming or nonconformities per
100 items) and 15 … 1000 (nonconformities per 100 items only, so there Ac may exceed the sample
size: letter A at AQL 1000 is n = 2, Ac 30 Re 31). ``PLANNED_AQLS`` is exactly that set.

How the tables are encoded. ``MASTER_TABLES`` holds each table as printed, one row per code
letter and one cell per AQL: the acceptance number Ac, or an arrow. ``↓`` / ``↑`` mean "use the
first sampling plan below / above the arrow", with that plan's sample size (which is why a plan
keeps the letter it ends on). In all three tables of the 1999 edition Re = Ac + 1, so the cells
hold Ac only. Table 2-B has a seventeenth letter, S (n = 3150), whose only plan is Ac 1 Re 2 at
AQL 0.025: it is reached only through the arrows of Q and R, never from Table 1.

The tables are not a pure function of letter + AQL (their diagonals): the edges break it. In all
three tables R at 0.015 points up (there is no plan below it); normal and reduced A at 10 point
down (there is none above A), to C 1/2 and D 1/2; the reduced ↑ over P, Q, R at 0.025 ends on
N, 0/1; beyond Ac 21 (normal), 18 (tightened) and 10 (reduced) only the rows A … E go on, the
rows below point up; from AQL 25 on the reduced rows A and B (n = 2) repeat the normal row A.

Edition. The reduced table is that of the 1999 edition, which dropped the gap between Ac and Re
of the older reduced tables (MIL-STD-105E, ANSI/ASQ Z1.4, ISO 2859-1:1989: 0/2, 1/3, 1/4,
2/5 … with "accept, but reinstate normal inspection" between them) and with it those plans: along
its diagonals Ac runs 0, 1, 2, 3, 5, 6, 8, 10, 14, 21 on the reduced sample sizes. Tables 2-A and
2-B give the same plans as MIL-STD-105E Tables II-A and II-B, cell for cell after the arrows,
except tightened A at AQL 10: the 1999 table holds 0/1 (n = 2), MIL-STD-105E points down to D,
1/2 (n = 8).

The tests in tests/quality/test_sampling.py check the published worked examples and cells
across the whole of each table (corners, arrows, the letter S, the large AQLs, the reduced
pairs) against this encoding.

When the sample size equals or exceeds the lot size, the whole lot is inspected (100 %) with
the plan's Ac/Re unchanged (ISO 2859-1:1999, 10.1 and the notes under Tables 2-A … 2-C).
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
LETTERS = "ABCDEFGHJKLMNPQR"  # the letters of Table 1 (no I, no O)

# The AQL series of the master tables; index = column.
AQL_SERIES = [
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65",
    "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65",
    "100", "150", "250", "400", "650", "1000",
]  # fmt: skip
AQL_INDEX = {Decimal(v): i for i, v in enumerate(AQL_SERIES)}
PLANNED_AQLS = frozenset(AQL_INDEX)

UP, DOWN, BLANK = "↑", "↓", "·"

# Sample size of each row. Tables 2-A and 2-B share them (2-B adds S); 2-C has smaller ones.
_NORMAL_SIZES = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)
_REDUCED_SIZES = (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800)
SAMPLE_SIZES: dict[str, dict[str, int]] = {
    "normal": dict(zip(LETTERS, _NORMAL_SIZES, strict=True)),
    "tightened": dict(zip(LETTERS + "S", (*_NORMAL_SIZES, 3150), strict=True)),
    "reduced": dict(zip(LETTERS, _REDUCED_SIZES, strict=True)),
}

# The master tables as printed: Ac (Re = Ac + 1), ↓ / ↑ (use the first plan below / above), or
# · (no plan: the cells of row S other than 0.025). Columns in the order of AQL_SERIES.
_MASTER_TABLES: dict[str, dict[str, str]] = {
    # Table 2-A: normal inspection.
    "normal": {
        #   .010  .025  .065   .15   .40   1.0   2.5   6.5    15    40   100   250   650
        #      .015  .040   .10   .25   .65   1.5   4.0    10    25    65   150   400  1000
        "A": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  7 10 14 21 30",
        "B": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21 30 44",
        "C": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21 30 44  ↑",
        "D": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21 30 44  ↑  ↑",
        "E": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21 30 44  ↑  ↑  ↑",
        "F": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑",
        "G": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "H": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "J": " ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "K": " ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "L": " ↓  ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "M": " ↓  ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "N": " ↓  ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "P": " ↓  0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "Q": " 0  ↑  ↓  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "R": " ↑  ↑  1  2  3  5  7 10 14 21  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    },
    # Table 2-B: tightened inspection; row S (n = 3150) has its one plan at 0.025.
    "tightened": {
        #   .010  .025  .065   .15   .40   1.0   2.5   6.5    15    40   100   250   650
        #      .015  .040   .10   .25   .65   1.5   4.0    10    25    65   150   400  1000
        "A": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18 27",
        "B": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18 27 41",
        "C": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18 27 41  ↑",
        "D": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18 27 41  ↑  ↑",
        "E": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18 27 41  ↑  ↑  ↑",
        "F": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑",
        "G": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "H": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "J": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "K": " ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "L": " ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "M": " ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "N": " ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "P": " ↓  ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "Q": " ↓  0  ↓  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "R": " 0  ↑  ↓  1  2  3  5  8 12 18  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "S": " ·  ·  1  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·  ·",
    },
    # Table 2-C: reduced inspection (1999 edition: no gap between Ac and Re).
    "reduced": {
        #   .010  .025  .065   .15   .40   1.0   2.5   6.5    15    40   100   250   650
        #      .015  .040   .10   .25   .65   1.5   4.0    10    25    65   150   400  1000
        "A": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↓  ↓  1  2  3  5  7 10 14 21 30",
        "B": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  7 10 14 21 30",
        "C": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10 14 21  ↑",
        "D": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10 14 21  ↑  ↑",
        "E": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10 14 21  ↑  ↑  ↑",
        "F": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑",
        "G": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "H": " ↓  ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "J": " ↓  ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "K": " ↓  ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "L": " ↓  ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "M": " ↓  ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "N": " ↓  ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "P": " ↓  0  ↑  ↓  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "Q": " 0  ↑  ↑  ↓  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
        "R": " ↑  ↑  ↑  1  2  3  5  6  8 10  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑  ↑",
    },
}  # fmt: skip


def _parse_table(rows: dict[str, str]) -> dict[str, tuple[int | str, ...]]:
    table = {}
    for letter, row in rows.items():
        cells = tuple(int(cell) if cell.isdigit() else cell for cell in row.split())
        if len(cells) != len(AQL_SERIES) or not all(
            isinstance(cell, int) or cell in (UP, DOWN, BLANK) for cell in cells
        ):  # pragma: no cover - a typo in the tables above
            raise ValueError(f"row {letter} of a master table is malformed")
        table[letter] = cells
    return table


MASTER_TABLES = {severity: _parse_table(rows) for severity, rows in _MASTER_TABLES.items()}
SEVERITIES = tuple(MASTER_TABLES)

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
        value = Decimal(str(aql))
    except (InvalidOperation, ValueError):
        raise SamplingError("aql", f"AQL {aql!r} is not a number") from None
    if not value.is_finite() or value not in AQL_INDEX:
        raise SamplingError("aql", f"AQL {aql} is not one of {', '.join(AQL_SERIES)}")
    return Decimal(AQL_SERIES[AQL_INDEX[value]])


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


def table_plan(severity: str, letter: str, aql: Decimal) -> tuple[str, int]:
    """Follow the arrows of a master table from ``letter`` at ``aql``: (letter of the plan, Ac)."""
    table = MASTER_TABLES[severity]
    letters = list(table)
    index, column = letters.index(letter), AQL_INDEX[aql]
    for _ in letters:
        cell = table[letters[index]][column]
        if isinstance(cell, int):
            return letters[index], cell
        if cell == BLANK:  # pragma: no cover - no arrow leads to a blank cell (tested)
            break
        index += 1 if cell == DOWN else -1
        if not 0 <= index < len(letters):  # pragma: no cover - no arrow leaves the table (tested)
            break
    raise SamplingError("aql", "no plan in the table for this AQL")  # pragma: no cover


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
    letter, accept = table_plan(severity, table_letter, aql_value)
    sample_size = SAMPLE_SIZES[severity][letter]
    return SamplingPlan(
        lot_size=lot_size,
        aql=aql_value,
        level=level,
        severity=severity,
        code_letter=letter,
        table_letter=table_letter,
        sample_size=min(sample_size, lot_size),
        accept=accept,
        reject=accept + 1,
        full_inspection=sample_size >= lot_size,
    )


def tighter_aql(aql: Decimal) -> Decimal | None:
    """The AQL one step tighter in the series (for the switching score), if any."""
    index = AQL_INDEX[aql]
    return Decimal(AQL_SERIES[index - 1]) if index > 0 else None


def accept_number(*, letter: str, aql: Decimal, severity: str = "normal") -> int:
    """Ac of the plan for ``letter`` at ``aql`` (following the arrows)."""
    return table_plan(severity, letter, aql)[1]


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
