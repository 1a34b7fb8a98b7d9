"""Household card codes: printed on a card, scanned or typed by a lead, never reused.

A card code is 8 random characters of the lot codes' Crockford base32 alphabet (0-9 and A-Z
without I, L, O, U; 40 bits from ``secrets``) and one check character from the same alphabet.

The check is a weighted sum over GF(32), the field of 32 elements: each character's value is a
field element, position i is weighted by α^i (α a generator of the field's multiplicative
group, so the nine weights are distinct and non-zero), and the check character makes the sum
of all nine zero. One mistyped character changes the sum by w·(a−b), which is never zero
(w ≠ 0 and a ≠ b, and a field has no zero divisors); two adjacent characters swapped change it
by (wᵢ − wᵢ₊₁)·(a − b), never zero either, because the weights are distinct. So, unlike the lot
codes' Luhn mod 32, every single error and every adjacent swap is caught, and the check stays
inside the alphabet (a card code is typed on a phone's keyboard, no ``*~$=``).

Reading is forgiving as for lot codes: lower case is accepted, O reads as 0, I and L as 1,
hyphens and spaces are ignored. A card prints the code in groups (``ABCD-EFGH-J``).
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
BODY_LENGTH = 8
CODE_LENGTH = BODY_LENGTH + 1
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})

# GF(2^5) with the primitive polynomial x^5 + x^2 + 1: α = 2 generates all 31 non-zero elements.
_POLY = 0b100101


def _times(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _POLY
    return product


def _weights() -> tuple[int, ...]:
    weights, w = [], 1
    for _ in range(CODE_LENGTH):
        weights.append(w)
        w = _times(w, 2)
    return tuple(weights)


# Position 0 is the check character (weight 1), positions 1… the body from its last character.
WEIGHTS = _weights()


class CardCodeError(ValueError):
    """``reason`` is "format" (not a card code at all) or "check" (a mistyped character)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _syndrome(code: str) -> int:
    total = 0
    for weight, ch in zip(WEIGHTS, reversed(code), strict=False):
        total ^= _times(weight, VALUE[ch])
    return total


def check_character(body: str) -> str:
    """The character that makes the weighted sum of ``body`` + it zero (its weight is 1)."""
    return ALPHABET[_syndrome(body + "0")]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalise(raw: str) -> str:
    """The canonical form of what a person typed or a camera read (raises ``CardCodeError``).
    A passbook URL read by the camera (``…/p/<code>/``) gives its code."""
    text = raw.strip()
    if "/p/" in text:
        text = text.rstrip("/").rsplit("/p/", 1)[1].split("/", 1)[0]
    code = text.upper().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(ch not in VALUE for ch in code):
        raise CardCodeError("format")
    if _syndrome(code) != 0:
        raise CardCodeError("check")
    return code


def is_valid(raw: str) -> bool:
    try:
        normalise(raw)
    except CardCodeError:
        return False
    return True


def display(code: str) -> str:
    """``ABCDEFGHJ`` → ``ABCD-EFGH-J``: easier to read aloud and to type."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
