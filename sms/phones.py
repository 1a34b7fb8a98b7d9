"""Phone numbers as the gateway sends them (+8613812345678, 8613812345678, 0086…) and as we
keep them (13812345678, perhaps with spaces or dashes): compared by their digits."""

import re

_NON_DIGITS = re.compile(r"\D")


def normalise(raw: str) -> str:
    """The national number's digits: ``+86 138-1234-5678`` → ``13812345678``."""
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits[:20]


def same_number(on_file: str, sender: str) -> bool:
    return bool(sender) and normalise(on_file) == sender
