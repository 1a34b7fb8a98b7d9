"""The merchant's statement: what one merchant owes in an approved period, per order; a merchant
sees its own only, an operator names the merchant.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest

from ..models import PayoutPeriod, PayoutPool, PayoutPremium
from ..money import fen_to_yuan
from ._common import LOCKED_STATUSES, PeriodNotFound, Role


class MerchantRequired(BadRequest):
    code = "merchant_required"
    message = _("请指定商家。")


@dataclass
class MerchantStatementRow:
    """One order of the merchant in a period: the accepted pieces and what they cost it,
    the same pieces and money as the period's reconciliation of that order."""

    order_id: int
    product: str
    pieces: int  # accepted at first inspection
    rework_pieces: int  # accepted after rework
    fee: Decimal
    rework_fee: Decimal
    owed_fen: int  # Σ of the workshops' pools: each household line rounded once
    premium_fen: int = 0  # premiums by rule on the order, charged apart from the fee

    @property
    def accepted(self) -> int:
        return self.pieces + self.rework_pieces

    @property
    def total_fen(self) -> int:
        return self.owed_fen + self.premium_fen

    @property
    def premium(self) -> Decimal:
        return fen_to_yuan(self.premium_fen)

    @property
    def total(self) -> Decimal:
        return fen_to_yuan(self.total_fen)


@dataclass
class MerchantStatement:
    period: PayoutPeriod
    merchant_id: int
    merchant: str
    rows: list[MerchantStatementRow]

    @property
    def owed_fen(self) -> int:
        """The fees alone (= the reconciliation's owed)."""
        return sum(row.owed_fen for row in self.rows)

    @property
    def premium_fen(self) -> int:
        return sum(row.premium_fen for row in self.rows)

    @property
    def total_fen(self) -> int:
        return self.owed_fen + self.premium_fen

    @property
    def premium(self) -> Decimal:
        return fen_to_yuan(self.premium_fen)

    @property
    def total(self) -> Decimal:
        return fen_to_yuan(self.total_fen)

    @property
    def accepted(self) -> int:
        return sum(row.accepted for row in self.rows)

    @property
    def rework_pieces(self) -> int:
        return sum(row.rework_pieces for row in self.rows)


def _statement_merchant_id(viewer: User, merchant_id: int | None) -> int:
    ensure_role(viewer, Role.MERCHANT, Role.OPERATOR)
    if is_operator(viewer):
        if merchant_id is None:
            raise MerchantRequired()
        return merchant_id
    return viewer.organisation_id


def merchant_period_list(*, viewer: User) -> QuerySet[PayoutPeriod]:
    """The approved (or paid) periods that charge the merchant for some order of its own."""
    ensure_role(viewer, Role.MERCHANT)
    return (
        PayoutPeriod.objects.filter(
            status__in=LOCKED_STATUSES, pools__merchant_id=viewer.organisation_id
        )
        .distinct()
        .order_by("-ends_on", "-pk")
    )


def merchant_statement_get(
    *, viewer: User, period_id: int, merchant_id: int | None = None
) -> MerchantStatement:
    """What one merchant owes in an approved period, per order: a merchant sees its own only
    (another merchant's period, or one not yet approved, is 404); an operator names it."""
    merchant_id = _statement_merchant_id(viewer, merchant_id)
    period = PayoutPeriod.objects.filter(pk=period_id, status__in=LOCKED_STATUSES).first()
    pools = PayoutPool.objects.filter(period_id=period_id, merchant_id=merchant_id)
    if period is None or not pools.exists():
        raise PeriodNotFound(detail={"period_id": period_id})
    rows: dict[int, MerchantStatementRow] = {}
    merchant = ""
    for pool in pools.select_related("order", "merchant").order_by("order_id", "pk"):
        merchant = pool.merchant.name
        row = rows.setdefault(
            pool.order_id,
            MerchantStatementRow(
                order_id=pool.order_id,
                product=pool.order.product_name,
                pieces=0,
                rework_pieces=0,
                fee=pool.fee,
                rework_fee=pool.rework_fee,
                owed_fen=0,
            ),
        )
        row.pieces += pool.pieces
        row.rework_pieces += pool.rework_pieces
        row.owed_fen += pool.gross_fen
    for order_id, total in (
        PayoutPremium.objects.filter(period_id=period_id, merchant_id=merchant_id)
        .values("order_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("order_id", "total")
        .order_by()
    ):
        if order_id in rows:
            rows[order_id].premium_fen = total
    return MerchantStatement(
        period=period, merchant_id=merchant_id, merchant=merchant, rows=list(rows.values())
    )
