"""Each household's statement of an approved period: its total and the token of its page."""

import secrets
from datetime import datetime

from ..models import PayoutPeriod, Statement


def statements_issue(
    *, period: PayoutPeriod, household_totals: dict[int, int], at: datetime
) -> None:
    """One statement per household with a total in the period (called as it is approved)."""
    Statement.objects.bulk_create(
        [
            Statement(
                period=period,
                household_id=household_id,
                token=secrets.token_urlsafe(24),
                total_fen=total,
                created_at=at,
            )
            for household_id, total in sorted(household_totals.items())
        ],
        batch_size=5000,
    )
