"""Households from a roster: a preview that writes nothing to the registry, then one confirmation.

- ``household_import_preview``: the workshop's lead or an operator uploads an .xlsx or .csv.
  ``workshops.roster`` reads and checks every cell; this adds the likely duplicates of each good
  row: the same name and phone, or the same name and ID tail, earlier in the file or already in
  the workshop, and a phone already on the platform (any workshop). The preview is kept
  server-side (``HouseholdImport``) behind a token, with the file's SHA-256.
- ``household_import_confirm``: writes every good row in ONE transaction (households with fresh
  card codes, an ``imported`` event each, and a ``spreadsheet`` consent where the row says so).
  **Rows with errors are never written. Likely duplicates are skipped unless the confirmer
  names their sheet rows** (``include_rows``): a duplicate household is the costliest mistake a
  roster makes (two cards, two passbooks, money split), so it takes an explicit choice per row.
  The confirmation carries the file's SHA-256 from the preview; a different one (the file was
  changed and re-sent) is 409 ``import_file_changed``. A household registered meanwhile that
  makes a row a new duplicate is 409 ``import_stale``: preview again. A repeat of a confirmed
  import returns it as it is (nothing written twice). Once confirmed, the import keeps only
  each row's number, duplicates and whether it was written, not the personal values.
- ``household_imports_expire`` (beat, hourly): a preview not confirmed within
  ``ROSTER_PREVIEW_TTL_HOURS`` (72) expires, its rows dropped; confirming it is 409
  ``import_expired`` (also in the moment before the sweep has run).
"""

import hashlib
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import ensure_role, is_operator
from core.errors import BadRequest, Conflict, Forbidden, NotFound

from .. import cards
from ..import_models import HouseholdImport
from ..models import Household, HouseholdConsent, HouseholdEvent, RetiredCard, Workshop
from ..roster import RosterUnreadable, read_roster
from ._common import Role


class ImportUnreadable(BadRequest):
    code = "import_unreadable"
    message = gettext_lazy("文件无法读取。")


class ImportNotFound(NotFound):
    code = "import_not_found"
    message = gettext_lazy("导入记录不存在。")


class ImportFileChanged(Conflict):
    code = "import_file_changed"
    message = gettext_lazy("文件在预览之后改动过，请重新上传并预览。")


class ImportStale(Conflict):
    code = "import_stale"
    message = gettext_lazy("预览之后平台上新登记了农户，有的行变成了疑似重复，请重新预览。")


class ImportExpired(Conflict):
    code = "import_expired"
    message = gettext_lazy("这次预览太久没有确认，已经过期并删除了名单内容，请重新上传。")


class ImportHeaderInvalid(BadRequest):
    code = "import_header_invalid"
    message = gettext_lazy("表头有错误，请按模板改正后重新上传。")


class ImportRowNotDuplicate(BadRequest):
    code = "import_row_not_duplicate"
    message = gettext_lazy("只能对疑似重复的行选择“仍然导入”。")


def _workshop_for(actor: User, workshop_id: int) -> Workshop:
    ensure_role(actor, Role.OPERATOR, Role.LEAD)
    workshop = Workshop.objects.filter(pk=workshop_id).select_related("organisation").first()
    if workshop is None or not (
        is_operator(actor) or workshop.organisation_id == actor.organisation_id
    ):
        raise NotFound(code="workshop_not_found")
    if workshop.status != Workshop.Status.ACTIVE and not is_operator(actor):
        raise Forbidden(_("工坊已暂停，不能登记新农户。"), code="workshop_suspended")
    return workshop


def _duplicates(workshop_id: int, rows: list[dict]) -> dict[int, list[str]]:
    """Sheet row → what it likely duplicates (messages), for the rows that have any."""
    found: dict[int, list[str]] = {}
    names = {row["name"] for row in rows}
    phones = {row["phone"] for row in rows if row["phone"]}
    in_workshop = list(
        Household.objects.filter(
            workshop_id=workshop_id, name__in=names, erased_at__isnull=True
        ).values("pk", "name", "phone", "id_tail")
    )
    by_phone = {(h["name"], h["phone"]): h["pk"] for h in in_workshop if h["phone"]}
    by_tail = {(h["name"], h["id_tail"]): h["pk"] for h in in_workshop if h["id_tail"]}
    on_platform = set(
        Household.objects.filter(phone__in=phones, erased_at__isnull=True).values_list(
            "phone", flat=True
        )
    )
    seen_phone: dict[tuple[str, str], int] = {}
    seen_tail: dict[tuple[str, str], int] = {}
    for row in rows:
        reasons: list[str] = []
        phone_key, tail_key = (row["name"], row["phone"]), (row["name"], row["id_tail"])
        if row["phone"] and phone_key in seen_phone:
            reasons.append(_("与第 %(n)s 行姓名、手机号相同") % {"n": seen_phone[phone_key]})
        elif row["id_tail"] and tail_key in seen_tail:
            reasons.append(_("与第 %(n)s 行姓名、身份证后四位相同") % {"n": seen_tail[tail_key]})
        if row["phone"] and phone_key in by_phone:
            reasons.append(
                _("本工坊已有同名同手机号的农户（编号 %(id)s）") % {"id": by_phone[phone_key]}
            )
        elif row["id_tail"] and tail_key in by_tail:
            reasons.append(
                _("本工坊已有同名同身份证后四位的农户（编号 %(id)s）") % {"id": by_tail[tail_key]}
            )
        elif row["phone"] and row["phone"] in on_platform:
            reasons.append(_("这个手机号已在平台上登记过"))
        if row["phone"]:
            seen_phone.setdefault(phone_key, row["row"])
        if row["id_tail"]:
            seen_tail.setdefault(tail_key, row["row"])
        if reasons:
            found[row["row"]] = reasons
    return found


def household_import_preview(
    *, actor: User, workshop_id: int, file_name: str, content: bytes
) -> HouseholdImport:
    """Read and check the roster, find the likely duplicates, keep the preview. Writes no
    household; a file that cannot be read at all is 400 ``import_unreadable`` saying why."""
    workshop = _workshop_for(actor, workshop_id)
    try:
        roster = read_roster(file_name=file_name, content=content)
    except RosterUnreadable as exc:
        raise ImportUnreadable(str(exc)) from None
    duplicates = _duplicates(workshop.pk, roster.rows)
    for row in roster.rows:
        row["duplicates"] = duplicates.get(row["row"], [])
    return HouseholdImport.objects.create(
        workshop=workshop,
        uploaded_by=actor,
        file_name=file_name[-200:],
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows=roster.rows,
        errors=[error.as_dict() for error in roster.errors],
        empty_rows=roster.empty_rows,
    )


def household_import_get(*, viewer: User, token: uuid.UUID | str) -> HouseholdImport:
    """The import behind ``token``, for its workshop's lead or an operator; else a 404."""
    ensure_role(viewer, Role.OPERATOR, Role.LEAD)
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        raise ImportNotFound() from None
    found = HouseholdImport.objects.select_related("workshop__organisation").filter(token=token)
    if not is_operator(viewer):
        found = found.filter(workshop__organisation_id=viewer.organisation_id)
    household_import = found.first()
    if household_import is None:
        raise ImportNotFound()
    return household_import


def _ttl_cutoff():
    return timezone.now() - timedelta(hours=settings.ROSTER_PREVIEW_TTL_HOURS)


def _past_ttl(household_import: HouseholdImport) -> bool:
    return household_import.uploaded_at < _ttl_cutoff()


def household_imports_expire() -> int:
    """Expire the previews left unconfirmed past ``ROSTER_PREVIEW_TTL_HOURS``: their rows and
    errors (personal values) are dropped, the record stays as ``expired``. One guarded UPDATE:
    safe to kill and run again. Returns how many expired."""
    return HouseholdImport.objects.filter(
        status=HouseholdImport.Status.PREVIEWED, uploaded_at__lt=_ttl_cutoff()
    ).update(status=HouseholdImport.Status.EXPIRED, rows=[], errors=[])


def _fresh_card_codes(count: int) -> list[str]:
    """``count`` distinct card codes never issued before, checked in bulk."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {cards.new_code() for _ in range(count - len(codes))} - codes
        taken = set(
            Household.objects.filter(card_code__in=wanted).values_list("card_code", flat=True)
        )
        taken |= set(RetiredCard.objects.filter(code__in=wanted).values_list("code", flat=True))
        codes |= wanted - taken
    return list(codes)


@transaction.atomic
def household_import_confirm(
    *,
    actor: User,
    token: uuid.UUID | str,
    file_sha256: str,
    include_rows: Iterable[int] = (),
) -> HouseholdImport:
    """Write the preview's good rows (and the duplicates named in ``include_rows``) in one
    transaction. A repeat returns the confirmed import unchanged."""
    household_import = household_import_get(viewer=actor, token=token)
    household_import = HouseholdImport.objects.select_for_update().get(pk=household_import.pk)
    if household_import.status == HouseholdImport.Status.CONFIRMED:
        return household_import
    if household_import.status == HouseholdImport.Status.EXPIRED or _past_ttl(household_import):
        raise ImportExpired(detail={"token": str(household_import.token)})
    if file_sha256 != household_import.file_sha256:
        raise ImportFileChanged(detail={"token": str(household_import.token)})
    if any(error["row"] == 1 for error in household_import.errors):
        raise ImportHeaderInvalid()
    workshop = _workshop_for(actor, household_import.workshop_id)
    Workshop.objects.select_for_update().filter(pk=workshop.pk).first()  # one import at a time
    include = set(include_rows)
    duplicate_rows = {row["row"] for row in household_import.duplicate_rows}
    if include - duplicate_rows:
        raise ImportRowNotDuplicate(detail={"rows": sorted(include - duplicate_rows)})
    now_duplicates = _duplicates(workshop.pk, household_import.rows)
    newly = sorted(set(now_duplicates) - duplicate_rows)
    if newly:
        raise ImportStale(detail={"rows": newly})
    rows = [row for row in household_import.rows if not row["duplicates"] or row["row"] in include]
    now = timezone.now()
    households = Household.objects.bulk_create(
        Household(
            workshop=workshop,
            name=row["name"],
            members=row["members"],
            village=row["village"],
            phone=row["phone"],
            id_tail=row["id_tail"],
            payment_account=row["payment_account"],
            payment_account_name=row["payment_account_name"],
            card_code=code,
            card_issued_at=now,
            joined_on=timezone.localdate(),
        )
        for row, code in zip(rows, _fresh_card_codes(len(rows)), strict=True)
    )
    reason = _("名册 %(file)s") % {"file": household_import.file_name}
    HouseholdEvent.objects.bulk_create(
        HouseholdEvent(
            household=household,
            kind=HouseholdEvent.Kind.IMPORTED,
            actor=actor,
            reason=reason[:200],
            changes={"import": str(household_import.token), "row": row["row"]},
            at=now,
        )
        for household, row in zip(households, rows, strict=True)
    )
    HouseholdConsent.objects.bulk_create(
        HouseholdConsent(
            household=household,
            purpose=HouseholdConsent.Purpose.DATA_PROCESSING,
            method=HouseholdConsent.Method.SPREADSHEET,
            given_at=now,
            recorded_by=actor,
        )
        for household, row in zip(households, rows, strict=True)
        if row["consent"]
    )
    written = {row["row"] for row in rows}
    # The households now hold the rows' personal data; the import keeps only what happened to
    # each row (an erasure later has no second copy to chase).
    minimised = [
        {"row": row["row"], "duplicates": row["duplicates"], "written": row["row"] in written}
        for row in household_import.rows
    ]
    won = HouseholdImport.objects.filter(
        pk=household_import.pk, status=HouseholdImport.Status.PREVIEWED
    ).update(
        rows=minimised,
        status=HouseholdImport.Status.CONFIRMED,
        confirmed_by=actor,
        confirmed_at=now,
        created_count=len(households),
        included_duplicates=sorted(include),
    )
    assert won  # the row is locked: nobody else confirmed it in between
    household_import.refresh_from_db()
    return household_import
