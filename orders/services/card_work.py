"""Work by card: the lead hands out work and takes it back by scanning the household's card
(camera, or the code typed), instead of picking a name from a list.

Rules:
- The card names the household: ``workshops.selectors.household_by_card`` reads it (a passbook
  URL from the camera works too). A mistyped code is 400 ``card_code_invalid`` (the check
  character caught it, nothing is looked up); a card of another workshop, or never issued, is
  404 ``card_not_found``; a re-issued card is 404 ``card_retired``. The batch is checked first:
  another workshop's batch is 404 ``batch_not_found`` whatever the card.
- Issuing by card is ``ticket_issue`` for the card's household, with its rules (conservation,
  the batch in production, the household active and of the batch's workshop).
- A return by card is for the household's pieces of the batch: it fills its tickets oldest
  first (a household given work twice returns it in one go), each part a ``ticket_return_record``
  with its own conservation guard; more than the household has out is 409
  ``return_above_issued``, a household with nothing out 409 ``card_no_open_ticket``.
- Idempotent like the scans: the phone's key makes a replay answer with the first rows
  (created False), even if the card was re-issued since (the key, not the card, says it is the
  same hand-over); the same key with another content is 409 ``idempotency_key_reused``. A
  return split over tickets keys its parts ``key``, ``uuid5(key, "part-1")``, …
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import DataError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.permissions import ensure_role
from core.errors import ApplicationError, InvalidInput
from workshops import cards
from workshops.models import Household
from workshops.selectors import CardCodeInvalid, CardNotFound, household_by_card

from .. import errors
from ..models import Batch, Ticket, TicketReturn
from .batches import _held_batch
from .tickets import ticket_issue, ticket_return_record

Role = User.Role
MAX_PARTS = 50  # tickets one return may fill: far above what one household holds of a batch


def _code(raw: str) -> str:
    try:
        return cards.normalise(raw)
    except cards.CardCodeError as error:
        raise CardCodeInvalid(detail={"reason": error.reason}) from None


def _holds_code(household_id: int, code: str) -> bool:
    """Is ``code`` the household's card now, or one of its earlier cards?"""
    return (
        Household.objects.filter(pk=household_id, card_code=code).exists()
        or Household.objects.filter(pk=household_id, retired_cards__code=code).exists()
    )


def _card_household(*, actor: User, batch: Batch, raw_code: str) -> Household:
    household = household_by_card(raw_code=raw_code, viewer=actor)
    if household.workshop_id != batch.workshop_id:
        # An operator's card of another workshop than the batch's: no such card for this batch.
        raise CardNotFound(detail={"code": household.card_code})
    return household


@transaction.atomic
def ticket_issue_by_card(
    *,
    actor: User,
    batch_id: int,
    card_code: str,
    quantity: int,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Ticket, bool]:
    """Hand ``quantity`` pieces to the household holding the card. Returns (ticket, created)."""
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    batch = _held_batch(actor=actor, batch_id=batch_id)
    code = _code(card_code)
    if idempotency_key is not None:
        first = Ticket.objects.filter(idempotency_key=idempotency_key).first()
        if first is not None:
            if (first.batch_id, first.issued) != (batch.pk, quantity) or not _holds_code(
                first.household_id, code
            ):
                raise errors.IdempotencyKeyReused(detail={"idempotency_key": str(idempotency_key)})
            return first, False
    household = _card_household(actor=actor, batch=batch, raw_code=code)
    return ticket_issue(
        actor=actor,
        batch_id=batch.pk,
        household_id=household.pk,
        quantity=quantity,
        idempotency_key=idempotency_key,
    )


def part_keys(key: uuid.UUID) -> list[uuid.UUID]:
    """The keys of a return's parts: the phone's key for the first, derived ones after it."""
    return [key] + [uuid.uuid5(key, f"part-{i}") for i in range(1, MAX_PARTS)]


def _replayed_return(
    key: uuid.UUID, *, batch_id: int, code: str, returned: int, lost: int
) -> list[TicketReturn] | None:
    rows = list(
        TicketReturn.objects.filter(idempotency_key__in=part_keys(key))
        .select_related("ticket__household")
        .order_by("pk")
    )
    if not rows:
        return None
    same = (
        all(row.ticket.batch_id == batch_id for row in rows)
        and len({row.ticket.household_id for row in rows}) == 1
        and sum(row.returned for row in rows) == returned
        and sum(row.lost for row in rows) == lost
        and _holds_code(rows[0].ticket.household_id, code)
    )
    if not same:
        raise errors.IdempotencyKeyReused(detail={"idempotency_key": str(key)})
    return rows


@transaction.atomic
def ticket_return_by_card(
    *,
    actor: User,
    batch_id: int,
    card_code: str,
    returned: int,
    lost: int = 0,
    loss_reason: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Household, list[TicketReturn], bool]:
    """Record pieces the card's household handed back of a batch (and lost, with a reason),
    over its tickets oldest first. Returns (household, hand-back rows, created)."""
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    # Another workshop's batch is 404 before anything about the body is said.
    batch = _held_batch(actor=actor, batch_id=batch_id)
    if returned < 0 or lost < 0 or returned + lost == 0:
        raise errors.ReturnEmpty(detail={"returned": returned, "lost": lost})
    loss_reason = loss_reason.strip()
    if lost > 0 and not loss_reason:
        raise errors.LossReasonRequired()
    code = _code(card_code)
    replay_args = {"batch_id": batch.pk, "code": code, "returned": returned, "lost": lost}
    if idempotency_key is not None:
        rows = _replayed_return(idempotency_key, **replay_args)
        if rows is not None:
            return rows[0].ticket.household, rows, False
    household = _card_household(actor=actor, batch=batch, raw_code=code)
    # Locked oldest first, as every writer of these tickets locks them: a second send of the
    # same key waits here, then finds the first one's rows.
    tickets = list(
        Ticket.objects.select_for_update()
        .filter(batch_id=batch.pk, household_id=household.pk)
        .filter(issued__gt=F("returned") + F("lost"))
        .order_by("pk")
    )
    if idempotency_key is not None:
        rows = _replayed_return(idempotency_key, **replay_args)
        if rows is not None:
            return household, rows, False
    if not tickets:
        raise errors.CardNoOpenTicket(detail={"batch_id": batch.pk, "household_id": household.pk})
    outstanding = sum(t.outstanding for t in tickets)
    if returned + lost > outstanding:
        raise errors.ReturnAboveIssued(
            detail={"requested": returned + lost, "outstanding": outstanding}
        )
    keys = part_keys(idempotency_key) if idempotency_key is not None else None
    rows: list[TicketReturn] = []
    left_returned, left_lost = returned, lost
    for ticket in tickets[:MAX_PARTS]:
        room = ticket.outstanding
        part_returned = min(room, left_returned)
        part_lost = min(room - part_returned, left_lost)
        if part_returned + part_lost == 0:
            continue
        row, _created = ticket_return_record(
            actor=actor,
            ticket_id=ticket.pk,
            returned=part_returned,
            lost=part_lost,
            loss_reason=loss_reason if part_lost else "",
            idempotency_key=keys[len(rows)] if keys else None,
        )
        rows.append(row)
        left_returned -= part_returned
        left_lost -= part_lost
        if left_returned + left_lost == 0:
            break
    return household, rows, True


# --- the phone's offline queue ----------------------------------------------------------------

BULK_LIMIT = 200


@dataclass
class CardWorkItem:
    index: int
    key: uuid.UUID
    kind: str  # "issue" | "return"
    batch_id: int
    card_code: str
    quantity: int = 0
    returned: int = 0
    lost: int = 0
    loss_reason: str = ""
    device_time: datetime | None = None


@dataclass
class CardWorkResult:
    index: int
    key: str | None
    status: str  # "created" | "replayed" | "rejected"
    kind: str | None = None
    household: Household | None = None
    pieces: int | None = None
    error: dict[str, Any] = field(default_factory=dict)


def rejected(index: int, key: str | None, exc: ApplicationError, kind: str | None = None):
    return CardWorkResult(index=index, key=key, status="rejected", kind=kind, error=exc.body())


def card_work_record(*, actor: User, items: list[CardWorkItem]) -> list[CardWorkResult]:
    """Record a phone's queue of work by card, each item on its own (its own transaction, its
    own refusal), in the order the phone recorded them: a return queued after the issue it
    answers is recorded after it, whatever order the queue arrived in."""
    ensure_role(actor, Role.LEAD, Role.OPERATOR)
    results = []
    far_past = timezone.now().replace(year=2000)
    for item in sorted(items, key=lambda i: (i.device_time or far_past, i.index)):
        try:
            if item.kind == "issue":
                ticket, created = ticket_issue_by_card(
                    actor=actor,
                    batch_id=item.batch_id,
                    card_code=item.card_code,
                    quantity=item.quantity,
                    idempotency_key=item.key,
                )
                household, pieces = ticket.household, ticket.issued
            else:
                household, rows, created = ticket_return_by_card(
                    actor=actor,
                    batch_id=item.batch_id,
                    card_code=item.card_code,
                    returned=item.returned,
                    lost=item.lost,
                    loss_reason=item.loss_reason,
                    idempotency_key=item.key,
                )
                pieces = sum(row.returned for row in rows)
        except ApplicationError as exc:
            results.append(rejected(item.index, str(item.key), exc, item.kind))
            continue
        except (DataError, OverflowError):
            # A value the database refused: this item's answer, not the whole queue's.
            results.append(rejected(item.index, str(item.key), InvalidInput(), item.kind))
            continue
        results.append(
            CardWorkResult(
                index=item.index,
                key=str(item.key),
                status="created" if created else "replayed",
                kind=item.kind,
                household=household,
                pieces=pieces,
            )
        )
    return sorted(results, key=lambda r: r.index)
