"""Lot codes: Crockford base32 with a Luhn mod 32 check character."""

import itertools

import pytest

from quality.codes import ALPHABET, CodeError, check_character, new_code, normalise


def test_every_single_mistyped_character_is_caught():
    for _ in range(50):
        code = new_code()
        for i, ch in itertools.product(range(len(code)), ALPHABET):
            if ch == code[i]:
                continue
            with pytest.raises(CodeError) as exc:
                normalise(code[:i] + ch + code[i + 1 :])
            assert exc.value.reason == "check"


def test_adjacent_swaps_are_caught_almost_always():
    caught = total = 0
    for _ in range(200):
        code = new_code()
        for i in range(len(code) - 1):
            if code[i] == code[i + 1]:
                continue
            total += 1
            try:
                normalise(code[:i] + code[i + 1] + code[i] + code[i + 2 :])
            except CodeError:
                caught += 1
    assert caught / total > 0.95


def test_reading_is_forgiving_about_case_hyphens_and_look_alikes():
    body = "0A1B2C3D"
    code = body + check_character(body)
    assert normalise(f" oa{'l'}b-2c3d{code[-1].lower()} ") == code


@pytest.mark.parametrize("raw", ["", "ABC", "0A1B2C3D4E", "0A1B2C3U!"])
def test_not_a_code_is_a_format_error(raw):
    with pytest.raises(CodeError) as exc:
        normalise(raw)
    assert exc.value.reason == "format"


def test_codes_are_random():
    assert len({new_code() for _ in range(1000)}) == 1000
