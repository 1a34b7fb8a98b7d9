"""ISO 2859-1 / GB/T 2828.1 single sampling: published worked examples and every table's edges."""

from decimal import Decimal

import pytest

from quality.sampling import (
    LETTERS,
    SAMPLE_SIZES,
    SUPPORTED_AQLS,
    SamplingError,
    code_letter,
    sampling_plan,
)


def plan(lot_size, aql, level="II", severity="normal"):
    p = sampling_plan(lot_size, aql, level, severity)
    return p.code_letter, p.sample_size, p.accept, p.reject


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


# --- Master table edges -------------------------------------------------------------------------


def test_normal_table_corners():
    # Top row: A holds 0/1 only at 6.5; everything left of it points down.
    assert sampling_plan(8, "6.5").code_letter == "A"
    # Smallest AQL in range on a huge lot: R (2000) at 0.040 is 2/3.
    assert plan(600000, "0.040", "III") == ("R", 2000, 2, 3)
    # Largest acceptance number 21/22: L at 6.5; M, N... at 6.5 point up to it.
    assert plan(5000, "6.5") == ("L", 200, 21, 22)
    assert plan(20000, "6.5") == ("L", 200, 21, 22)
    assert plan(10_000_000, "6.5", "III") == ("L", 200, 21, 22)


def test_tightened_table_corners():
    assert plan(600000, "0.040", "III", "tightened") == ("R", 2000, 1, 2)
    # Q at 0.040 falls on the double down arrow and goes to R.
    assert plan(200000, "0.040", "III", "tightened") == ("R", 2000, 1, 2)
    assert plan(10_000_000, "6.5", "III", "tightened") == ("L", 200, 18, 19)


def test_reduced_table_corners():
    assert plan(10_000_000, "0.040", "III", "reduced") == ("R", 800, 1, 2)
    assert plan(10_000_000, "6.5", "III", "reduced") == ("L", 80, 10, 11)
    # A, B and C share the sample size 2.
    assert SAMPLE_SIZES["reduced"][:3] == [2, 2, 2]


@pytest.mark.parametrize("severity", ["normal", "tightened", "reduced"])
@pytest.mark.parametrize("aql", [str(a) for a in SUPPORTED_AQLS])
def test_every_letter_and_aql_has_a_plan_inside_the_table(severity, aql):
    sizes = SAMPLE_SIZES[severity]
    for level in ("I", "II", "III"):
        for lot_size in (2, 9, 16, 26, 51, 91, 151, 281, 501, 1201, 3201, 10001, 35001, 500001):
            p = sampling_plan(lot_size, aql, level, severity)
            assert p.code_letter in LETTERS
            assert p.reject == p.accept + 1
            assert p.sample_size == min(sizes[LETTERS.index(p.code_letter)], lot_size)


def test_acceptance_numbers_never_fall_as_the_aql_rises():
    for severity in ("normal", "tightened", "reduced"):
        for lot_size in (50, 500, 5000, 50000):
            accepts = [sampling_plan(lot_size, a, "II", severity) for a in SUPPORTED_AQLS]
            ratios = [p.accept / p.sample_size for p in accepts]
            assert ratios == sorted(ratios), (severity, lot_size)


def test_aql_as_decimal_or_string_alike():
    assert sampling_plan(1000, Decimal("2.50")) == sampling_plan(1000, "2.5")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((1000, "3.0"), "aql"),
        ((1000, "abc"), "aql"),
        ((1000, "10"), "aql"),
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


def test_sampling_plan_endpoint_refuses_an_unknown_aql(api, lead):
    response = api.as_user(lead).get("/quality/sampling-plan", {"lot_size": 1000, "aql": "3"})
    assert response.status_code == 400
    assert response.json()["code"] == "sampling_argument_invalid"
