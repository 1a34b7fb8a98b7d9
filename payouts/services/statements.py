"""Each household's statement of an approved period: its total and the token of its page; and
the replacement of that token when the paper slip is lost (the money never moves)."""

import secrets
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import BadRequest

from ..models import PayoutPeriod, Statement, StatementLinkEvent
from ..selectors import StatementNotFound


class StatementReissueReasonRequired(BadRequest):
    code = "statement_reissue_reason_required"
    message = _("补发结算单链接必须填写原因。")


def new_statement_token() -> str:
    # 192 random bits: unguessable, the whole capability of the household's page.
    return secrets.token_urlsafe(24)


def statements_issue(
    *, period: PayoutPeriod, household_totals: dict[int, int], at: datetime
) -> None:
    """One statement per household with a total in the period (called as it is approved), in
    household order, written in one statement (PostgreSQL: the rows as three arrays; others: one
    INSERT sent for many rows): no model instance per household."""
    table = connection.ops.quote_name(Statement._meta.db_table)
    created_at = connection.ops.adapt_datetimefield_value(at)
    rows = sorted(household_totals.items())
    tokens = [new_statement_token() for _row in rows]
    columns = f"INSERT INTO {table} (period_id, household_id, token, total_fen, created_at)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""{columns}
                SELECT %s, x.household_id, x.token, x.total_fen, %s
                FROM unnest(%s::bigint[], %s::text[], %s::bigint[])
                     AS x(household_id, token, total_fen)
                ORDER BY x.household_id""",  # noqa: S608 - a quoted table name, placeholders
                [
                    period.pk,
                    created_at,
                    [household_id for household_id, _total in rows],
                    tokens,
                    [total for _household_id, total in rows],
                ],
            )
        else:
            cursor.executemany(
                f"{columns} VALUES (%s, %s, %s, %s, %s)",
                [
                    (period.pk, household_id, token, total, created_at)
                    for (household_id, total), token in zip(rows, tokens, strict=True)
                ],
            )


@transaction.atomic
def statement_link_reissue(*, statement_id: int, operator: User, reason: str) -> Statement:
    """Replace a statement's token (operators only): the old link is dead from this commit on,
    and nothing keeps a copy of its page (every answer behind a token is ``no-store``).

    Only the token changes: the total, the lines and the ledger are what they were. The row
    is locked, so two operators replacing the same link at once each record their event and
    the later token is the one that stands.
    """
    ensure_role(operator, User.Role.OPERATOR)
    reason = (reason or "").strip()
    if not reason:
        raise StatementReissueReasonRequired(detail={"statement_id": statement_id})
    statement = Statement.objects.select_for_update().filter(pk=statement_id).first()
    if statement is None:
        raise StatementNotFound(detail={"statement_id": statement_id})
    StatementLinkEvent.objects.create(
        statement=statement,
        old_token_hint=statement.token[:6],
        reason=reason[:200],
        actor=operator,
        at=timezone.now(),
    )
    statement.token = new_statement_token()
    Statement.objects.filter(pk=statement.pk).update(token=statement.token)
    return statement
