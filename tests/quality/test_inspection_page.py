"""The checker's inspection form and what the lot page says after a verdict."""

import pytest
from django.test import Client

from accounts import notifications
from accounts.models import User
from quality.models import Defect, Inspection, Lot, Severity, SwitchingState
from quality.services import DefectIn, inspection_dispose, lot_inspect
from tests.factories import make_household, make_skill, make_user, make_workshop
from tests.ui.factories import hand_out_and_back, make_batch_in_production, make_finished_lot


@pytest.fixture
def outbox(settings):
    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    yield notifications.outbox
    notifications.outbox.clear()


@pytest.fixture
def lot(db):
    make_skill("raoxian", "绕线")
    workshop = make_workshop()
    zhuoma = make_household(workshop, name="卓玛家")
    batch = make_batch_in_production(workshop, quantity=1000)
    hand_out_and_back(batch, {zhuoma: 1000})
    return make_finished_lot(batch, {zhuoma: 1000})


@pytest.fixture
def checker(lot):
    return make_user(User.Role.CHECKER, organisation=lot.workshop.organisation.service_center)


def _post(client, lot, rows, **extra):
    data = {
        "d-TOTAL_FORMS": "3",
        "d-INITIAL_FORMS": "0",
        "d-MIN_NUM_FORMS": "0",
        "d-MAX_NUM_FORMS": "3",
        "note": "",
    }
    for i in range(3):
        row = rows[i] if i < len(rows) else {}
        data[f"d-{i}-kind"] = row.get("kind", "")
        data[f"d-{i}-defect_class"] = row.get("defect_class", "major")
        data[f"d-{i}-count"] = row.get("count", "")
        data[f"d-{i}-household"] = row.get("household", "")
    data.update(extra)
    return client.post(f"/lots/{lot.code}/", data)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "row, field",
    [
        ({"count": "7"}, "请选择缺陷类型"),  # a count and no kind: was dropped, lot accepted
        ({"kind": "stain"}, "请填写不合格件数"),  # a kind and no count
        ({"kind": "stain", "count": "7", "defect_class": ""}, "这个字段是必填项"),  # no class
    ],
)
def test_a_half_filled_defect_row_is_an_error_on_that_row_and_nothing_is_recorded(
    lot, checker, row, field
):
    response = _post(_client(checker), lot, [{"kind": "loose_thread", "count": "1"}, row])
    assert response.status_code == 200
    page = response.content.decode()
    assert "表单有错误，未记录任何内容" in page
    # The error sits in the second fieldset (the row that was wrong), not the first.
    second = page.split('<fieldset class="card defect')[2]
    assert "has-error" in second.split(">", 1)[0] and field in second
    assert "has-error" not in page.split('<fieldset class="card defect')[1].split(">", 1)[0]
    assert (Inspection.objects.count(), Defect.objects.count()) == (0, 0)
    assert Lot.objects.get(pk=lot.pk).verdict == Lot.Verdict.PENDING
    assert "合格，接收" not in page


def test_a_household_without_kind_and_count_is_refused_too(lot, checker):
    share = lot.shares.get()
    response = _post(_client(checker), lot, [{"household": str(share.household_id)}])
    assert response.status_code == 200
    assert Inspection.objects.count() == 0


def test_untouched_rows_are_not_errors_and_a_clean_form_records_the_verdict(lot, checker):
    response = _post(_client(checker), lot, [{"kind": "stain", "count": "2"}])
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert (inspection.verdict, inspection.nonconforming) == (Inspection.Verdict.ACCEPTED, 2)
    assert list(inspection.defects.values_list("kind", "count")) == [("stain", 2)]


def test_after_a_rejection_the_verdict_comes_first_and_the_next_plan_is_spelled_out(lot, checker):
    client = _client(checker)
    _post(client, lot, [{"kind": "stain", "count": "9"}])
    page = client.get(f"/lots/{lot.code}/").content.decode()
    verdict_at = page.index('id="last-inspection"')
    assert verdict_at < page.index('id="next-plan"') < page.index('class="facts"')
    assert "不合格，拒收" in page and "整包 1000 件拒收，等待处置" in page
    # One rejection in the last five: still normal, J, n = 80, Ac 5 / Re 6.
    assert "正常检验</strong>：抽检 80 件，不合格 ≤ 5 件接收" in page
    assert "1000 件的一包：样本 80 件，Ac 5 / Re 6" in page


def test_the_second_rejection_of_five_tells_the_checker_the_next_lot_is_tightened(lot, checker):
    lot_inspect(actor=checker, code=lot.code, defects=[DefectIn("stain", "major", 9)])
    state = SwitchingState.objects.get()
    SwitchingState.objects.filter(pk=state.pk).update(recent="AAAR")
    other = _another_lot(lot)
    client = _client(checker)
    _post(client, other, [{"kind": "stain", "count": "9"}])
    page = client.get(f"/lots/{other.code}/").content.decode()
    assert SwitchingState.objects.get().severity == Severity.TIGHTENED
    assert "转为加严检验：最近 5 包中已有 2 包不合格。" in page
    # Tightened, J at AQL 2.5: n = 80, Ac 3 / Re 4.
    assert "加严检验</strong>：抽检 80 件，不合格 ≤ 3 件接收" in page


def test_after_an_acceptance_the_counts_of_pieces_are_shown(lot, checker):
    client = _client(checker)
    share = lot.shares.get()
    _post(client, lot, [{"kind": "stain", "count": "2", "household": str(share.household_id)}])
    page = client.get(f"/lots/{lot.code}/").content.decode()
    assert "合格，接收" in page and "接收 998 件 · 拒收 2 件" in page


def test_rework_tells_the_workshop_lead_once_after_commit(
    lot, checker, outbox, django_capture_on_commit_callbacks
):
    inspection = lot_inspect(actor=checker, code=lot.code, defects=[DefectIn("stain", "major", 9)])
    with django_capture_on_commit_callbacks(execute=True):
        inspection_dispose(actor=checker, inspection_id=inspection.pk, disposition="rework")
    assert [(n.kind, n.user_id) for n in outbox] == [("lot_rejected", lot.workshop.lead_id)]
    assert lot.code in outbox[0].text and "返工" in outbox[0].text
    assert outbox[0].data["lot_code"] == lot.code and outbox[0].data["round"] == 1
    # A second disposition is refused and tells nobody again.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):  # noqa: B017
        inspection_dispose(actor=checker, inspection_id=inspection.pk, disposition="rework")
    assert len(outbox) == 1


def test_sort_and_scrap_are_not_announced_as_rework(
    lot, checker, outbox, django_capture_on_commit_callbacks
):
    inspection = lot_inspect(actor=checker, code=lot.code, defects=[DefectIn("stain", "major", 9)])
    with django_capture_on_commit_callbacks(execute=True):
        inspection_dispose(actor=checker, inspection_id=inspection.pk, disposition="scrap")
    assert outbox == []


def _another_lot(lot):
    from tests.ui.factories import make_batch_in_production as batch_for

    household = lot.shares.get().household
    batch = batch_for(lot.workshop, quantity=1000)
    hand_out_and_back(batch, {household: 1000})
    return make_finished_lot(batch, {household: 1000})
