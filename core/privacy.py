"""Masking of personal numbers wherever a person or a log could read them."""


def mask_phone(phone: str) -> str:
    """138****5678: enough for a lead to recognise, not enough to misuse."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_account(account: str) -> str:
    """Payment accounts show only their last four characters."""
    if len(account) <= 4:
        return "*" * len(account)
    return f"****{account[-4:]}"


def phone_tail(phone: str) -> str:
    """The last four digits alone (尾号 5678), for telling two people of one name apart; empty
    for a number too short to keep anything back."""
    return phone[-4:] if len(phone) >= 7 else ""
