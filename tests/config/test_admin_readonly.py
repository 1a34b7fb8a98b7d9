"""The admin is a window on what money and eligibility depend on: nothing there edits it.

An operator with every admin permission posts the change, add and delete forms as a browser
would (the fields the page offers, one of them changed): the answer is 403, and the rows are
unchanged. Corrections go through admin actions that call services.
"""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from accounts.services import operator_grant_admin
from allocation.models import AllocationProposal, AllocationRun
from orders.models import (
    Batch,
    BatchEvent,
    Order,
    OrderEvent,
    Ticket,
    TicketReturn,
    TicketReturnCorrection,
)
from payouts.models import (
    LedgerEntry,
    PayoutAdjustment,
    PayoutClaim,
    PayoutLine,
    PayoutPeriod,
    PayoutPeriodEvent,
    PayoutPool,
    Statement,
)
from quality.models import (
    Defect,
    Inspection,
    InspectionPhoto,
    Lot,
    LotDelivery,
    LotShare,
    PieceLoss,
    PieceOutcome,
    ScanEvent,
    SwitchingEvent,
    SwitchingState,
)
from tests.factories import make_skill
from tests.quality.factories import inspect, lot_with_households
from trainees.models import Assessment, ProgressLog
from workshops.models import (
    HouseholdEvent,
    HouseholdSkill,
    WorkshopCapacityChange,
    WorkshopEvent,
    WorkshopSkill,
    WorkshopSkillChange,
)

pytestmark = pytest.mark.django_db

# Everything payouts are computed from, what decides a lot, and what makes a workshop eligible.
READ_ONLY_MODELS = [
    AllocationRun,  # applying one claims batches: only through the apply action's service
    AllocationProposal,
    Order,
    Batch,
    BatchEvent,
    Ticket,
    TicketReturn,
    Lot,
    LotShare,
    ScanEvent,
    Inspection,
    Defect,
    InspectionPhoto,
    PieceOutcome,
    SwitchingState,
    SwitchingEvent,
    PayoutPeriod,
    PayoutPeriodEvent,
    PayoutPool,
    PayoutLine,
    PayoutClaim,
    PayoutAdjustment,
    LedgerEntry,
    Statement,
    Assessment,
    ProgressLog,
    WorkshopSkill,
    HouseholdSkill,
    WorkshopSkillChange,
    WorkshopCapacityChange,
    OrderEvent,
    TicketReturnCorrection,
    LotDelivery,
    PieceLoss,
    WorkshopEvent,
    HouseholdEvent,
]


@pytest.fixture
def superuser_request(operator):
    operator.is_superuser = operator.is_staff = True
    operator.save()
    request = RequestFactory().get("/admin/")
    request.user = operator
    return request


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda m: m._meta.label)
def test_nothing_money_or_eligibility_depends_on_is_editable_in_the_admin(model, superuser_request):
    shown = False
    if admin.site.is_registered(model):
        shown = True
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(superuser_request)
        assert not model_admin.has_change_permission(superuser_request)
        assert not model_admin.has_delete_permission(superuser_request)
    for model_admin in admin.site._registry.values():
        for inline in model_admin.get_inline_instances(superuser_request):
            if inline.model is model:
                shown = True
                assert not inline.has_add_permission(superuser_request, None), inline
                assert not inline.has_change_permission(superuser_request), inline
                assert not inline.has_delete_permission(superuser_request), inline
    assert shown, f"{model._meta.label} is not in the admin at all"


# --- the forms, posted --------------------------------------------------------------------


class _FormFields(HTMLParser):
    """The fields a page offers to post, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(client: Client, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {**parser.data, "_save": "Save"}


@pytest.fixture
def operator_client(operator) -> Client:
    operator_grant_admin(user=operator)
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def outcome(workshop, checker) -> PieceOutcome:
    """One decided 10-piece lot of one household, as quality's services write it."""
    lot, _households = lot_with_households(workshop, [10])
    inspect(lot, checker)
    return PieceOutcome.objects.get(lot=lot)


def url(row, view: str = "change") -> str:
    meta = row._meta
    if view == "add":
        return f"/admin/{meta.app_label}/{meta.model_name}/add/"
    return f"/admin/{meta.app_label}/{meta.model_name}/{row.pk}/{view}/"


def fields_of(row) -> dict:
    return type(row).objects.filter(pk=row.pk).values().get()


def test_an_operator_cannot_raise_a_piece_outcome_in_the_admin(operator_client, outcome):
    """The reported hole: 1000 accepted on a 10-piece lot, and the next period paid 1000."""
    before = fields_of(outcome)
    data = form_fields(operator_client, url(outcome)) | {"accepted": "1000"}
    response = operator_client.post(url(outcome), data)
    assert response.status_code == 403, response.status_code
    assert fields_of(outcome) == before


def test_an_operator_cannot_change_a_lot_quantity_in_the_admin(operator_client, outcome):
    lot = outcome.lot
    before = fields_of(lot)
    shares = list(LotShare.objects.filter(lot=lot).values())
    data = form_fields(operator_client, url(lot)) | {"quantity": "1000"}
    response = operator_client.post(url(lot), data)
    assert response.status_code == 403, response.status_code
    assert fields_of(lot) == before
    assert list(LotShare.objects.filter(lot=lot).values()) == shares


def test_an_operator_cannot_set_reduced_inspection_in_the_admin(operator_client, workshop):
    state = SwitchingState.objects.create(workshop=workshop, product="绳编腰带")
    before = fields_of(state)
    data = form_fields(operator_client, url(state)) | {"severity": "reduced"}
    response = operator_client.post(url(state), data)
    assert response.status_code == 403, response.status_code
    assert fields_of(state) == before
    assert not SwitchingEvent.objects.exists()


def test_add_and_delete_are_refused_and_rows_stay(operator_client, outcome):
    rows = [outcome, outcome.lot, outcome.inspection, LotShare.objects.get(lot=outcome.lot)]
    for row in rows:
        model = type(row)
        count = model.objects.count()
        assert operator_client.get(url(row, "add")).status_code == 403, model
        assert operator_client.post(url(row, "add"), fields_of(row)).status_code == 403, model
        assert operator_client.post(url(row, "delete"), {"post": "yes"}).status_code == 403
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        operator_client.post(
            changelist, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
        )
        assert model.objects.count() == count, model
        assert model.objects.filter(pk=row.pk).exists(), model


def test_workshop_skills_and_capacity_are_not_edited_through_the_workshop_page(
    operator_client, workshop
):
    """The inline and the capacity are shown, not posted: a crafted POST changes neither."""
    page = url(workshop)
    data = form_fields(operator_client, page)
    skill = WorkshopSkill.objects.get(workshop=workshop)
    data |= {
        "daily_capacity": "1000000",
        "skill_levels-TOTAL_FORMS": "2",
        "skill_levels-INITIAL_FORMS": "1",
        "skill_levels-0-id": str(skill.pk),
        "skill_levels-0-workshop": str(workshop.pk),
        "skill_levels-0-skill": str(skill.skill_id),
        "skill_levels-0-level": "3",
        "skill_levels-1-workshop": str(workshop.pk),
        "skill_levels-1-skill": str(make_skill("gouzhen").pk),
        "skill_levels-1-level": "3",
    }
    operator_client.post(page, data)
    workshop.refresh_from_db()
    assert workshop.daily_capacity == 500
    assert list(workshop.skill_levels.values_list("skill__code", "level")) == [("raoxian", 2)]
    assert not WorkshopCapacityChange.objects.exists() and not WorkshopSkillChange.objects.exists()


# --- corrections go through actions that call services -------------------------------------


def test_an_operator_resets_a_switching_state_with_a_reason_through_the_action(
    operator_client, operator, workshop
):
    state = SwitchingState.objects.create(
        workshop=workshop, product="绳编腰带", severity="tightened", recent="RRA"
    )
    changelist = "/admin/quality/switchingstate/"
    asked = operator_client.post(changelist, {"action": "reset", "_selected_action": [state.pk]})
    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()
    state.refresh_from_db()
    assert state.severity == "tightened"  # nothing changes before the reason is given
    operator_client.post(
        changelist,
        {
            "action": "reset",
            "_selected_action": [state.pk],
            "apply": "1",
            "reason": "质检员录入错误，已复核",
        },
    )
    state.refresh_from_db()
    assert (state.severity, state.recent) == ("normal", "")
    event = SwitchingEvent.objects.get(state=state)
    assert (event.from_severity, event.to_severity, event.reason, event.note, event.actor) == (
        "tightened",
        "normal",
        "operator_reset",
        "质检员录入错误，已复核",
        operator,
    )


def test_the_period_actions_still_run_through_the_services(operator_client, operator, outcome):
    from django.utils import timezone

    from payouts.services import period_compute, period_create

    today = timezone.localdate()
    computed_period = period_create(actor=operator, name="本期", starts_on=today, ends_on=today)
    period_compute(period_id=computed_period.pk, actor=operator)
    operator_client.post(
        "/admin/payouts/payoutperiod/",
        {"action": "approve_periods", "_selected_action": [computed_period.pk]},
    )
    computed_period.refresh_from_db()
    assert computed_period.status == "approved"
    assert computed_period.approved_by == operator
    assert computed_period.pieces == 10
    assert LedgerEntry.objects.filter(period=computed_period).exists()
