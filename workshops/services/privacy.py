"""A household's consent (《个人信息保护法》) and its erasure on request.

- ``household_consent_record``: the workshop's lead (on the phone) or an operator records that a
  household consents to a purpose: how (a signed or thumb-printed paper, photographed: the
  photo is required for ``paper`` and is cleaned by ``core.photos``, no EXIF), by whom, when.
  A consent already in force for that purpose is 409 ``consent_already_given``.
- ``household_consent_withdraw``: the consent in force ends (its row keeps ``withdrawn_at`` and
  who recorded it); none in force is 409 ``consent_not_in_force``.
- ``household_erase``: an operator anonymises a household on its request. Name, phone, payment
  account and its holder, village, ID tail (and birth year, where kept) become placeholders;
  earlier edit events lose their before/after values; consent photos are deleted (the rows
  stay, without the photo). Amounts, tickets, lots, outcomes, statements and the ledger are
  not touched: they refer to the household by its id. An ``erased`` event records who, when and
  why. An erased household is 409 ``household_erased`` to every later edit or consent, and is
  deactivated; its card is retired (the passbook it opened is 404 ``card_retired``) and no new
  card is issued. Roster previews not yet confirmed lose the rows of its name. Each of these
  writes a ``HouseholdEvent``.
"""

import logging
from datetime import datetime

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Conflict, NotFound
from core.photos import photo_clean

from ..import_models import HouseholdImport
from ..models import Household, HouseholdConsent, HouseholdEvent
from ._common import Role, _retire_card

logger = logging.getLogger(__name__)

CONSENT_PHOTO_MAX_BYTES = 10 * 1024 * 1024
CONSENT_PHOTO_MAX_SIDE = 2000
CONSENT_PHOTO_DIR = "consents"
ERASED_NAME = "已匿名农户"


class HouseholdErased(Conflict):
    code = "household_erased"
    message = _("这户的个人信息已按本人要求删除，不能再修改。")


class ConsentAlreadyGiven(Conflict):
    code = "consent_already_given"
    message = _("这一用途的授权已经在有效期内。")


class ConsentNotInForce(Conflict):
    code = "consent_not_in_force"
    message = _("这一用途没有有效的授权可以撤回。")


class ConsentPhotoRequired(BadRequest):
    code = "consent_photo_required"
    message = _("纸面同意书需要拍照上传。")


class ConsentInvalid(BadRequest):
    code = "consent_invalid"
    message = _("授权用途或方式不对。")


class ErasureReasonRequired(BadRequest):
    code = "erasure_reason_required"
    message = _("匿名化必须写明原因（例如：本人某日当面申请）。")


def _household_for_update(*, actor: User, household_id: int) -> Household:
    """The household, locked, if ``actor`` is an operator or its workshop's lead; else 404.
    An erased household is 409."""
    household = (
        Household.objects.select_for_update()
        .select_related("workshop")
        .filter(pk=household_id)
        .first()
    )
    if household is None or not (
        is_operator(actor) or household.workshop.organisation_id == actor.organisation_id
    ):
        raise NotFound(code="household_not_found")
    if household.erased_at is not None:
        raise HouseholdErased(detail={"household_id": household_id})
    return household


def ensure_not_erased(*, household_id: int) -> None:
    """409 ``household_erased`` if the household was anonymised (its edits are over)."""
    if Household.objects.filter(pk=household_id, erased_at__isnull=False).exists():
        raise HouseholdErased(detail={"household_id": household_id})


@transaction.atomic
def household_consent_record(
    *,
    actor: User,
    household_id: int,
    purpose: str,
    method: str,
    photo: bytes | None = None,
    given_at: datetime | None = None,
) -> HouseholdConsent:
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    if (
        purpose not in HouseholdConsent.Purpose.values
        or method not in HouseholdConsent.Method.values
    ):
        raise ConsentInvalid(detail={"purpose": purpose, "method": method})
    if method == HouseholdConsent.Method.PAPER and not photo:
        raise ConsentPhotoRequired()
    household = _household_for_update(actor=actor, household_id=household_id)
    in_force = HouseholdConsent.objects.filter(
        household=household, purpose=purpose, withdrawn_at__isnull=True
    )
    if in_force.exists():
        raise ConsentAlreadyGiven(detail={"purpose": purpose})
    clean = None
    if photo:
        clean = photo_clean(
            photo,
            max_bytes=CONSENT_PHOTO_MAX_BYTES,
            max_side=CONSENT_PHOTO_MAX_SIDE,
            thumb_side=None,
        )
    consent = HouseholdConsent.objects.create(
        household=household,
        purpose=purpose,
        method=method,
        given_at=given_at or timezone.now(),
        recorded_by=actor,
    )
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.CONSENT_GIVEN,
        actor=actor,
        changes={"purpose": purpose, "method": method},
    )
    if clean is not None:  # stored last: nothing above can fail after the file exists
        consent.evidence = default_storage.save(
            f"{CONSENT_PHOTO_DIR}/{clean.image.name}", clean.image
        )
        HouseholdConsent.objects.filter(pk=consent.pk).update(evidence=consent.evidence)
    return consent


@transaction.atomic
def household_consent_withdraw(*, actor: User, household_id: int, purpose: str) -> HouseholdConsent:
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    household = _household_for_update(actor=actor, household_id=household_id)
    consent = (
        HouseholdConsent.objects.filter(
            household=household, purpose=purpose, withdrawn_at__isnull=True
        )
        .order_by("-given_at", "-pk")
        .first()
    )
    if consent is None:
        raise ConsentNotInForce(detail={"purpose": purpose})
    now = timezone.now()
    HouseholdConsent.objects.filter(
        household=household, purpose=purpose, withdrawn_at__isnull=True
    ).update(withdrawn_at=now, withdrawn_by=actor)
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.CONSENT_WITHDRAWN,
        actor=actor,
        changes={"purpose": purpose},
    )
    consent.refresh_from_db()
    return consent


def _placeholders(household: Household) -> dict:
    values = {
        "name": f"{ERASED_NAME}{household.pk}",
        "phone": "",
        "payment_account": "",
        "payment_account_name": "",
        "village": "",
        "id_tail": "",
        "is_active": False,
    }
    # The passbook's second factor, where the model keeps one (issue #13's passbook work).
    if any(f.name == "birth_year" for f in Household._meta.concrete_fields):
        values["birth_year"] = None
    return values


def _scrub_pending_imports(household: Household) -> None:
    """Previews not yet confirmed keep their rows' values: drop the rows naming this household
    (a confirmed import keeps none, see ``services/imports.py``)."""
    pending = HouseholdImport.objects.select_for_update().filter(
        workshop_id=household.workshop_id, status=HouseholdImport.Status.PREVIEWED
    )
    for preview in pending:
        kept = [row for row in preview.rows if row.get("name") != household.name]
        if len(kept) != len(preview.rows):
            HouseholdImport.objects.filter(pk=preview.pk).update(rows=kept)


@transaction.atomic
def household_erase(*, actor: User, household_id: int, reason: str) -> Household:
    """Anonymise a household on its request (see the module docstring). Operators only."""
    ensure_role(actor, Role.OPERATOR)
    reason = (reason or "").strip()
    if not reason:
        raise ErasureReasonRequired()
    household = _household_for_update(actor=actor, household_id=household_id)
    now = timezone.now()
    _scrub_pending_imports(household)
    won = Household.objects.filter(pk=household.pk, erased_at__isnull=True).update(
        erased_at=now, **_placeholders(household)
    )
    if not won:
        raise HouseholdErased(detail={"household_id": household_id})
    # The card in the household's hand would still open its passbook: retire it (404
    # ``card_retired`` from now on). The new code is never printed: an erased household gets
    # no card.
    _retire_card(household=household, actor=actor, reason=str(_("按本人要求匿名化")), at=now)
    # Earlier edits kept masked before/after values of the personal fields: drop them.
    for event in HouseholdEvent.objects.filter(household=household).exclude(changes={}):
        scrubbed = {
            key: ("—", "—") if isinstance(value, list) else value
            for key, value in event.changes.items()
        }
        if scrubbed != event.changes:
            HouseholdEvent.objects.filter(pk=event.pk).update(changes=scrubbed)
    photos = list(
        HouseholdConsent.objects.filter(household=household)
        .exclude(evidence="")
        .values_list("evidence", flat=True)
    )
    HouseholdConsent.objects.filter(household=household).update(evidence="")
    HouseholdEvent.objects.create(
        household=household,
        kind=HouseholdEvent.Kind.ERASED,
        actor=actor,
        reason=reason[:200],
        at=now,
        changes={"consent_photos_deleted": len(photos)},
    )

    def delete_photos() -> None:
        for name in photos:
            try:
                default_storage.delete(name)
            except OSError:  # gone already, or the store is down: the row no longer names it
                logger.warning("consent photo %s not deleted", name)

    transaction.on_commit(delete_photos)
    household.refresh_from_db()
    return household
