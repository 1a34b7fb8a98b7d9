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
