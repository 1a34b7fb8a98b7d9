"""Lot codes: short, unguessable, typed by people, and checked.

A code is 8 random characters of Crockford's base32 alphabet (0-9 and A-Z without I, L, O, U;
40 bits from ``secrets``) followed by one check character computed with the Luhn mod N
algorithm over the same 32 symbols. Luhn mod N catches every single mistyped character and
every swap of two adjacent characters except one pair of values, and the check character stays
inside the alphabet, so a whole code (like the uppercase label URL) fits the QR alphanumeric
mode. Crockford's decoding rules make reading forgiving: lower case is accepted, O reads as 0,
I and L read as 1, and hyphens and spaces are ignored.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
BODY_LENGTH = 8
CODE_LENGTH = BODY_LENGTH + 1
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


class CodeError(ValueError):
    """``reason`` is "format" (not a lot code at all) or "check" (a mistyped character)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def check_character(body: str) -> str:
    """Luhn mod N: double every second value from the right, fold, and complete to N."""
    total = 0
    factor = 2
    for ch in reversed(body):
        addend = factor * VALUE[ch]
        addend = addend // N + addend % N
        total += addend
        factor = 1 if factor == 2 else 2
    return ALPHABET[(N - total % N) % N]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def normalise(raw: str) -> str:
    """The canonical form of what a person typed or a scanner read (raises ``CodeError``)."""
    code = raw.strip().upper().translate(_READ_AS)
    if len(code) != CODE_LENGTH or any(ch not in VALUE for ch in code):
        raise CodeError("format")
    if check_character(code[:-1]) != code[-1]:
        raise CodeError("check")
    return code
