"""ISO 2859-1:1999 / GB/T 2828.1 single sampling: published worked examples, cells across the
whole of Tables 2-A, 2-B and 2-C (every AQL 0.010 … 1000), and orders at every standard AQL."""

from decimal import Decimal

import pytest

from quality.models import Inspection, PieceOutcome
from quality.sampling import (
    AQL_SERIES,
    LETTERS,
    MASTER_TABLES,
    PLANNED_AQLS,
    SAMPLE_SIZES,
    SamplingError,
    code_letter,
    sampling_plan,
    table_plan,
)
from tests.orders.factories import batch_in_production

from .factories import finished_lot, inspect, returned


def plan(lot_size, aql, level="II", severity="normal"):
    p = sampling_plan(lot_size, aql, level, severity)
    return p.code_letter, p.sample_size, p.accept, p.reject


def cell(severity, letter, aql):
    """The plan a master table gives for ``letter`` at ``aql``: (letter used, n, Ac, Re)."""
    used, accept = table_plan(severity, letter, Decimal(aql))
    return used, SAMPLE_SIZES[severity][used], accept, accept + 1


# --- Worked examples as published in ISO 2859-1 / ANSI Z1.4 tables and inspection handbooks ---


def test_lot_of_1000_at_aql_2_5_level_ii_is_j_80_accept_5_reject_6():
    assert plan(1000, "2.5") == ("J", 80, 5, 6)


def test_lot_of_500_at_aql_1_0_is_h_50_accept_1_reject_2():
    assert plan(500, "1.0") == ("H", 50, 1, 2)


def test_lot_of_5000_majors_at_2_5_and_minors_at_4_0_sample_200():
    assert plan(5000, "2.5") == ("L", 200, 10, 11)
    assert plan(5000, "4.0") == ("L", 200, 14, 15)


def test_lot_of_2000_letter_k_125_across_aqls():
    assert plan(2000, "0.65") == ("K", 125, 2, 3)
    assert plan(2000, "1.0") == ("K", 125, 3, 4)
    assert plan(2000, "1.5") == ("K", 125, 5, 6)
    assert plan(2000, "2.5") == ("K", 125, 7, 8)
    assert plan(2000, "4.0") == ("K", 125, 10, 11)
    assert plan(2000, "6.5") == ("K", 125, 14, 15)


def test_up_arrow_takes_the_plan_above_with_its_sample_size():
    # Lot 91-150 is letter F (20); at AQL 1.0 the table points up to E: 13 pieces, Ac 0.
    assert plan(120, "1.0") == ("E", 13, 0, 1)
    # Lot 151-280 is G (32); at AQL 0.65 the table points up to F: 20 pieces, Ac 0.
    assert plan(200, "0.65") == ("F", 20, 0, 1)


def test_down_arrow_takes_the_plan_below_with_its_sample_size():
    # Lot 151-280 is G (32); at AQL 1.0 the table points down to H: 50 pieces, Ac 1.
    assert plan(200, "1.0") == ("H", 50, 1, 2)
    # Lot 26-50 is D (8); at AQL 6.5 D holds 1/2 directly, at AQL 4.0 it points down to E 13, 1/2.
    assert plan(40, "6.5") == ("D", 8, 1, 2)
    assert plan(40, "4.0") == ("E", 13, 1, 2)


def test_reduced_example_follows_two_arrows_to_j_32_with_no_accept_reject_gap():
    # Reduced, AQL 1.0, lot 125 at level III: G → ↓ H → ↓ J, n = 32, Ac 1 Re 2 (1999 edition).
    # The 1989 edition and ANSI/ASQ Z1.4 stop at H: n = 20, Ac 0 Re 2.
    assert plan(125, "1.0", "III", "reduced") == ("J", 32, 1, 2)


def test_plan_keeps_the_letter_table_1_gave():
    p = sampling_plan(200, "0.65")
    assert (p.table_letter, p.code_letter) == ("G", "F")


def test_sample_as_large_as_the_lot_means_100_percent_inspection():
    p = sampling_plan(5, "0.65")  # letter A; the arrow leads to F (20 > 5)
    assert p.full_inspection is True
    assert (p.sample_size, p.accept, p.reject) == (5, 0, 1)
    exact = sampling_plan(13, "1.0", "III")  # letter C; ↓ to E (13 = lot)
    assert exact.full_inspection is True and exact.sample_size == 13


def test_tightened_examples():
    assert plan(5000, "2.5", severity="tightened") == ("L", 200, 8, 9)
    assert plan(5000, "4.0", severity="tightened") == ("L", 200, 12, 13)
    assert plan(2000, "2.5", severity="tightened") == ("K", 125, 5, 6)
    assert plan(2000, "6.5", severity="tightened") == ("K", 125, 12, 13)
    # Letter G at 0.65 is 0/1 under tightened (n = 32) where normal points up to F.
    assert plan(200, "0.65", severity="tightened") == ("G", 32, 0, 1)


def test_reduced_uses_the_smaller_sample_sizes():
    assert plan(1000, "2.5", severity="reduced") == ("J", 32, 3, 4)
    assert plan(5000, "2.5", severity="reduced") == ("L", 80, 6, 7)
    assert plan(5, "6.5", severity="reduced") == ("A", 2, 0, 1)


# --- Table 1 edges ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lot_size", "letters"),
    [
        (2, "AAB"), (8, "AAB"), (9, "ABC"), (15, "ABC"), (16, "BCD"), (25, "BCD"),
        (26, "CDE"), (50, "CDE"), (51, "CEF"), (90, "CEF"), (91, "DFG"), (150, "DFG"),
        (151, "EGH"), (280, "EGH"), (281, "FHJ"), (500, "FHJ"), (501, "GJK"), (1200, "GJK"),
        (1201, "HKL"), (3200, "HKL"), (3201, "JLM"), (10000, "JLM"), (10001, "KMN"),
        (35000, "KMN"), (35001, "LNP"), (150000, "LNP"), (150001, "MPQ"), (500000, "MPQ"),
        (500001, "NQR"), (10_000_000, "NQR"),
    ],
)  # fmt: skip
def test_code_letter_table_edges(lot_size, letters):
    assert "".join(code_letter(lot_size, level) for level in ("I", "II", "III")) == letters


# --- Table 2-A (normal) across the whole table ---------------------------------------------------


@pytest.mark.parametrize(
    ("letter", "aql", "expected"),
    [
        # Left: the smallest AQLs point down to Q's 0/1; R points up to it (and at 0.015, where
        # nothing is below R, up to P).
        ("A", "0.010", ("Q", 1250, 0, 1)),
        ("Q", "0.010", ("Q", 1250, 0, 1)),
        ("R", "0.010", ("Q", 1250, 0, 1)),
        ("R", "0.015", ("P", 800, 0, 1)),
        ("Q", "0.025", ("R", 2000, 1, 2)),
        ("R", "0.025", ("R", 2000, 1, 2)),
        ("R", "0.040", ("R", 2000, 2, 3)),
        ("R", "0.65", ("R", 2000, 21, 22)),
        ("R", "1.0", ("Q", 1250, 21, 22)),
        # Top: A has 0/1 at 6.5; at 10 nothing is above A, the column's first plan is C's 1/2.
        ("A", "6.5", ("A", 2, 0, 1)),
        ("A", "10", ("C", 5, 1, 2)),
        ("B", "6.5", ("A", 2, 0, 1)),
        ("B", "10", ("C", 5, 1, 2)),
        ("A", "15", ("B", 3, 1, 2)),
        ("A", "25", ("A", 2, 1, 2)),
        # Right (nonconformities per 100 items): Ac beyond the sample size.
        ("A", "100", ("A", 2, 5, 6)),
        ("A", "650", ("A", 2, 21, 22)),
        ("A", "1000", ("A", 2, 30, 31)),
        ("B", "1000", ("B", 3, 44, 45)),
        ("C", "650", ("C", 5, 44, 45)),
        ("C", "1000", ("B", 3, 44, 45)),
        ("E", "150", ("E", 13, 30, 31)),
        ("E", "250", ("E", 13, 44, 45)),
        ("E", "400", ("D", 8, 44, 45)),
        # Rows F … R stop at 21/22 and point up beyond it.
        ("F", "65", ("F", 20, 21, 22)),
        ("F", "100", ("E", 13, 21, 22)),
        ("F", "150", ("E", 13, 30, 31)),
        ("K", "10", ("K", 125, 21, 22)),
        ("L", "10", ("K", 125, 21, 22)),
        ("J", "15", ("J", 80, 21, 22)),
        ("R", "1000", ("B", 3, 44, 45)),
        ("H", "25", ("H", 50, 21, 22)),
        ("H", "40", ("G", 32, 21, 22)),
    ],
)
def test_normal_table_cells(letter, aql, expected):
    assert cell("normal", letter, aql) == expected


def test_normal_table_corners_by_lot_size():
    assert sampling_plan(8, "6.5").code_letter == "A"
    assert plan(600000, "0.040", "III") == ("R", 2000, 2, 3)
    assert plan(600000, "0.015", "III") == ("P", 800, 0, 1)
    assert plan(5000, "6.5") == ("L", 200, 21, 22)
    assert plan(20000, "6.5") == ("L", 200, 21, 22)
    assert plan(10_000_000, "6.5", "III") == ("L", 200, 21, 22)
    assert plan(5, "1000") == ("A", 2, 30, 31)
    assert plan(5, "10") == ("C", 5, 1, 2)  # n = 5 = lot: the whole lot
    assert plan(10_000_000, "1000", "III") == ("B", 3, 44, 45)


# --- Table 2-B (tightened) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("letter", "aql", "expected"),
    [
        # Letter S (n = 3150) has one plan, 1/2 at 0.025, reached from Q and R.
        ("Q", "0.025", ("S", 3150, 1, 2)),
        ("R", "0.025", ("S", 3150, 1, 2)),
        ("P", "0.025", ("P", 800, 0, 1)),
        ("R", "0.010", ("R", 2000, 0, 1)),
        ("Q", "0.010", ("R", 2000, 0, 1)),
        ("A", "0.010", ("R", 2000, 0, 1)),
        ("R", "0.015", ("Q", 1250, 0, 1)),
        ("R", "0.040", ("R", 2000, 1, 2)),
        ("R", "0.065", ("R", 2000, 2, 3)),
        ("R", "0.65", ("R", 2000, 18, 19)),
        # Tightened 0/1 comes one AQL step later than normal, then a double ↓.
        ("A", "6.5", ("B", 3, 0, 1)),
        ("A", "10", ("A", 2, 0, 1)),  # MIL-STD-105E / Z1.4: ↓ to D, 8, 1/2
        ("A", "15", ("C", 5, 1, 2)),
        ("A", "25", ("B", 3, 1, 2)),
        ("A", "40", ("A", 2, 1, 2)),
        ("B", "10", ("D", 8, 1, 2)),
        # The tightened acceptance numbers 8, 12, 18, 27, 41.
        ("A", "250", ("A", 2, 8, 9)),
        ("A", "1000", ("A", 2, 27, 28)),
        ("B", "1000", ("B", 3, 41, 42)),
        ("C", "1000", ("B", 3, 41, 42)),
        ("E", "150", ("E", 13, 27, 28)),
        ("F", "65", ("F", 20, 18, 19)),
        ("F", "100", ("E", 13, 18, 19)),
        ("L", "6.5", ("L", 200, 18, 19)),
        ("M", "6.5", ("L", 200, 18, 19)),
    ],
)
def test_tightened_table_cells(letter, aql, expected):
    assert cell("tightened", letter, aql) == expected


def test_tightened_table_corners_by_lot_size():
    assert plan(600000, "0.040", "III", "tightened") == ("R", 2000, 1, 2)
    assert plan(200000, "0.040", "III", "tightened") == ("R", 2000, 1, 2)
    assert plan(200000, "0.025", "III", "tightened") == ("S", 3150, 1, 2)
    assert plan(600000, "0.025", "III", "tightened") == ("S", 3150, 1, 2)
    assert plan(10_000_000, "6.5", "III", "tightened") == ("L", 200, 18, 19)
    assert plan(5, "1000", "II", "tightened") == ("A", 2, 27, 28)


def test_letter_s_is_only_reached_through_the_arrows_at_0_025():
    reached = {
        (letter, aql)
        for letter in LETTERS
        for aql in AQL_SERIES
        if table_plan("tightened", letter, Decimal(aql))[0] == "S"
    }
    assert reached == {("Q", "0.025"), ("R", "0.025")}
    assert "S" not in LETTERS  # Table 1 never gives S
    assert [c for c in MASTER_TABLES["tightened"]["S"] if isinstance(c, int)] == [1]


# --- Table 2-C (reduced, 1999 edition) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("letter", "aql", "expected"),
    [
        # The reduced pairs that the normal table does not have: 6/7, 8/9 (and 10/11 at L).
        ("C", "100", ("C", 2, 6, 7)),
        ("C", "150", ("C", 2, 8, 9)),
        ("J", "6.5", ("J", 32, 6, 7)),
        ("J", "10", ("J", 32, 8, 9)),
        ("L", "2.5", ("L", 80, 6, 7)),
        ("L", "4.0", ("L", 80, 8, 9)),
        ("L", "6.5", ("L", 80, 10, 11)),
        ("M", "6.5", ("L", 80, 10, 11)),
        ("R", "0.40", ("R", 800, 8, 9)),
        # At AQL 1.0 the older tables (1989, Z1.4) had H 0/2, J 1/3, K 1/4, L 2/5, M 3/6, N 5/8.
        ("H", "1.0", ("J", 32, 1, 2)),
        ("J", "1.0", ("J", 32, 1, 2)),
        ("K", "1.0", ("K", 50, 2, 3)),
        ("L", "1.0", ("L", 80, 3, 4)),
        ("M", "1.0", ("M", 125, 5, 6)),
        ("N", "1.0", ("N", 200, 6, 7)),
        ("F", "1.0", ("E", 5, 0, 1)),
        # Corners: the long ↑ over P, Q, R at 0.025 ends on N; R at 0.015 points up to P.
        ("P", "0.025", ("N", 200, 0, 1)),
        ("Q", "0.025", ("N", 200, 0, 1)),
        ("R", "0.025", ("N", 200, 0, 1)),
        ("R", "0.015", ("P", 315, 0, 1)),
        ("Q", "0.040", ("R", 800, 1, 2)),
        ("R", "0.040", ("R", 800, 1, 2)),
        # Top: A, B and C share n = 2; A at 10 points down to D; A and B repeat normal A from 25.
        ("A", "6.5", ("A", 2, 0, 1)),
        ("A", "10", ("D", 3, 1, 2)),
        ("A", "15", ("C", 2, 1, 2)),
        ("A", "25", ("A", 2, 1, 2)),
        ("B", "25", ("B", 2, 1, 2)),
        ("C", "25", ("C", 2, 2, 3)),
        ("A", "1000", ("A", 2, 30, 31)),
        ("B", "1000", ("B", 2, 30, 31)),
        ("C", "1000", ("B", 2, 30, 31)),
        ("C", "650", ("C", 2, 21, 22)),
        ("E", "250", ("E", 5, 21, 22)),
        ("E", "400", ("D", 3, 21, 22)),
        ("F", "65", ("F", 8, 10, 11)),
        ("F", "100", ("E", 5, 10, 11)),
    ],
)
def test_reduced_table_cells(letter, aql, expected):
    assert cell("reduced", letter, aql) == expected


def test_reduced_table_corners_by_lot_size():
    assert plan(10_000_000, "0.040", "III", "reduced") == ("R", 800, 1, 2)
    assert plan(10_000_000, "6.5", "III", "reduced") == ("L", 80, 10, 11)
    assert [SAMPLE_SIZES["reduced"][letter] for letter in "ABC"] == [2, 2, 2]


def test_reduced_table_has_no_gap_between_accept_and_reject():
    """The 1999 edition dropped the gapped pairs (0/2, 1/3, 1/4, 2/5 …) and "accept, but
    reinstate normal inspection": its reduced plans reject at Ac + 1, with these Ac (7 and 30
    only in the rows A and B, which repeat the normal row A)."""
    accepts = {
        table_plan("reduced", letter, Decimal(aql))[1] for letter in LETTERS for aql in AQL_SERIES
    }
    assert accepts == {0, 1, 2, 3, 5, 6, 7, 8, 10, 14, 21, 30}
    assert {table_plan("reduced", "C", Decimal(aql))[1] for aql in AQL_SERIES} == {
        0,
        1,
        2,
        3,
        5,
        6,
        8,
        10,
        14,
        21,
        30,
    }
    for aql in AQL_SERIES:
        p = sampling_plan(1000, aql, "II", "reduced")
        assert p.reject == p.accept + 1


# --- Every table, every cell ---------------------------------------------------------------------


def test_planned_aqls_are_the_26_columns_of_the_tables():
    assert PLANNED_AQLS == {Decimal(a) for a in AQL_SERIES}
    assert len(PLANNED_AQLS) == 26
    assert min(PLANNED_AQLS) == Decimal("0.010") and max(PLANNED_AQLS) == Decimal("1000")
    for rows in MASTER_TABLES.values():
        assert all(len(row) == len(AQL_SERIES) for row in rows.values())


@pytest.mark.parametrize("severity", ["normal", "tightened", "reduced"])
@pytest.mark.parametrize("aql", AQL_SERIES)
def test_every_letter_and_aql_has_a_plan_inside_the_table(severity, aql):
    sizes = SAMPLE_SIZES[severity]
    for level in ("I", "II", "III"):
        for lot_size in (2, 9, 16, 26, 51, 91, 151, 281, 501, 1201, 3201, 10001, 35001, 500001):
            p = sampling_plan(lot_size, aql, level, severity)
            assert p.code_letter in sizes
            assert p.reject == p.accept + 1
            assert p.sample_size == min(sizes[p.code_letter], lot_size)


def test_acceptance_numbers_never_fall_as_the_aql_rises():
    for severity in ("normal", "tightened", "reduced"):
        for letter in LETTERS:
            plans = [table_plan(severity, letter, Decimal(a)) for a in AQL_SERIES]
            accepts = [accept for _, accept in plans]
            ratios = [accept / SAMPLE_SIZES[severity][used] for used, accept in plans]
            assert accepts == sorted(accepts), (severity, letter)
            assert ratios == sorted(ratios), (severity, letter)


def test_normal_plans_with_ac_2_or_more_have_a_plan_one_aql_step_tighter_on_the_same_letter():
    # The switching score (9.3.3.2) compares the count with Ac one AQL step tighter: for every
    # normal plan with Ac >= 2 that Ac belongs to the same code letter, so to the same sample.
    for letter, row in MASTER_TABLES["normal"].items():
        for column, entry in enumerate(row):
            if isinstance(entry, int) and entry >= 2:
                assert isinstance(row[column - 1], int), (letter, AQL_SERIES[column])


def test_aql_as_decimal_or_string_alike():
    assert sampling_plan(1000, Decimal("2.50")) == sampling_plan(1000, "2.5")
    assert sampling_plan(1000, Decimal("1E+3")).aql == Decimal("1000")
    assert str(sampling_plan(1000, "10.0").aql) == "10"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((1000, "3.0"), "aql"),
        ((1000, "abc"), "aql"),
        ((1000, "NaN"), "aql"),
        ((1000, "2000"), "aql"),
        ((1000, "0.005"), "aql"),
        ((1000, "2.5", "IV"), "level"),
        ((1000, "2.5", "II", "lenient"), "severity"),
        ((0, "2.5"), "lot_size"),
    ],
)
def test_arguments_outside_the_tables_are_refused(args, field):
    with pytest.raises(SamplingError) as exc:
        sampling_plan(*args)
    assert exc.value.field == field


def test_sampling_plan_endpoint(api, lead):
    response = api.as_user(lead).get(
        "/quality/sampling-plan", {"lot_size": 1000, "aql": "2.5", "level": "II"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["code_letter"], body["sample_size"], body["accept"], body["reject"]) == (
        "J",
        80,
        5,
        6,
    )


def test_sampling_plan_endpoint_plans_an_aql_above_10(api, lead):
    response = api.as_user(lead).get("/quality/sampling-plan", {"lot_size": 1000, "aql": "10"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["code_letter"], body["sample_size"], body["accept"]) == ("J", 80, 14)


def test_sampling_plan_endpoint_refuses_an_unknown_aql(api, lead):
    response = api.as_user(lead).get("/quality/sampling-plan", {"lot_size": 1000, "aql": "3"})
    assert response.status_code == 400
    assert response.json()["code"] == "sampling_argument_invalid"


# --- Orders take exactly the AQLs inspection can plan -----------------------------------------


def test_orders_accept_exactly_the_aqls_inspection_plans():
    # orders sits below quality and must not import it; the two sets are kept equal by this test.
    from orders.services import STANDARD_AQLS

    assert STANDARD_AQLS == PLANNED_AQLS


@pytest.mark.parametrize(
    ("aql", "expected"),
    [
        ("10", ("H", 50, 10, 11)),
        ("0.010", ("Q", 300, 0, 1)),  # Q, 1250 > 300 pieces: the whole lot
        ("1000", ("B", 3, 44, 45)),
    ],
)
def test_an_order_at_a_standard_aql_gets_lots_that_are_planned_and_inspected(
    api, checker, workshop, aql, expected
):
    # The order goes through orders' own services (which check the AQL); its first batch of 300
    # pieces comes back as one finished lot (letter H at level II).
    batch = batch_in_production(workshop, aql=Decimal(aql))
    household = returned(batch, pieces=batch.quantity)
    lot = finished_lot(batch, {household: batch.quantity})
    response = api.as_user(checker).get(f"/lots/{lot.code}/plan")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["code_letter"], body["sample_size"], body["accept"], body["reject"]) == expected
    # As many nonconforming pieces as the plan accepts (at most the sample): accepted.
    found = min(expected[1], expected[2])
    defects = [("stain", "minor", found, household)] if found else []
    inspection = inspect(lot, checker, *defects)
    inspection.refresh_from_db()
    assert (inspection.verdict, inspection.aql, inspection.sample_size) == (
        Inspection.Verdict.ACCEPTED,
        Decimal(aql),
        expected[1],
    )
    outcome = PieceOutcome.objects.get(lot=lot)
    assert (outcome.accepted, outcome.rejected) == (batch.quantity - found, found)
