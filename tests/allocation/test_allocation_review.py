"""Reviewing a run batch by batch: leave proposals out (recorded, never deleted), apply the
rest, refusals that change nothing, the review paged and filtered in the database, and one
notice per lead for what the run gave them."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from accounts.models import User
from allocation.models import AllocationProposal, AllocationRun
from allocation.services import (
    allocation_proposal_exclude,
    allocation_run_apply,
    allocation_run_start,
)
from core.errors import ApplicationError
from orders.models import Batch, BatchEvent
from tests.factories import make_household, make_service_center, make_user, make_workshop
from tests.orders.factories import make_published_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings):
    from accounts import notifications

    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    yield notifications.outbox
    notifications.outbox.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs what waits for the commit (the notices) at the block's end,
    as a real commit would (the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def workshop_in(center, **fields):
    workshop = make_workshop(service_center=center, daily_capacity=500, **fields)
    for _ in range(5):
        make_household(workshop)
    return workshop


@pytest.fixture
def two_regions():
    """Two service centers, a workshop in each, an order tied to each region (3 and 2 batches)."""
    ganzi, aba = (
        make_service_center(name="甘孜州服务中心"),
        make_service_center(name="阿坝州服务中心"),
    )
    danba, li = workshop_in(ganzi), workshop_in(aba)
    for number, workshop in enumerate((danba, li)):
        User.objects.filter(pk=workshop.lead_id).update(phone=f"1380000000{number}")
    belts = make_published_order(
        product_name="绳编腰带",
        quantity=900,
        batch_size=300,
        fee="1.20",
        service_center_id=ganzi.pk,
    )
    bags = make_published_order(
        product_name="羌绣挎包", quantity=400, batch_size=200, fee="3.50", service_center_id=aba.pk
    )
    return {"ganzi": ganzi, "aba": aba, "danba": danba, "li": li, "belts": belts, "bags": bags}


def start(api, operator) -> dict:
    body = api.as_user(operator).post("/allocation/runs", {}).json()
    assert (body["status"], body["assigned"]) == ("proposed", 5), body
    return body


def proposal_of(run: dict, batch: Batch) -> dict:
    return next(p for p in run["proposals"] if p["batch_id"] == batch.pk)


def claims() -> int:
    return BatchEvent.objects.filter(to_status=Batch.Status.CLAIMED).count()


def nothing_changed(run_id: int) -> None:
    run = AllocationRun.objects.get(pk=run_id)
    assert (run.status, run.applied_by_id, run.excluded) == ("proposed", None, 0)
    assert set(run.proposals.values_list("status", flat=True)) == {"proposed"}
    assert claims() == 0
    assert set(Batch.objects.values_list("status", flat=True)) == {Batch.Status.OPEN}


# --- applying with some left out ---------------------------------------------------------


def test_apply_leaving_one_out_claims_the_rest_and_records_the_one_left_out(
    api, operator, two_regions, outbox
):
    run = start(api, operator)
    belts = two_regions["belts"].batches.order_by("number")
    left = proposal_of(run, belts[1])

    response = api.as_user(operator).post(
        f"/allocation/runs/{run['id']}/apply",
        {"exclude_ids": [left["id"]], "reason": "这个工坊上月交货晚"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["applied"], body["skipped"], body["excluded"]) == (4, 0, 1)
    assert body["applied_by_id"] == operator.pk
    assert Batch.objects.get(pk=belts[1].pk).status == Batch.Status.OPEN
    claimed = set(Batch.objects.filter(status="claimed").values_list("pk", "workshop_id"))
    assert claimed == {
        (belts[0].pk, two_regions["danba"].pk),
        (belts[2].pk, two_regions["danba"].pk),
        *((b.pk, two_regions["li"].pk) for b in two_regions["bags"].batches.all()),
    }
    out = AllocationProposal.objects.get(pk=left["id"])
    assert (out.status, out.excluded_by_id, out.exclude_reason) == (
        "excluded",
        operator.pk,
        "这个工坊上月交货晚",
    )
    assert out.excluded_at is not None
    shown = proposal_of(body, belts[1])
    assert (shown["status"], shown["exclude_reason"]) == ("excluded", "这个工坊上月交货晚")
    assert shown["excluded_by_id"] == operator.pk


def test_apply_with_the_ids_to_keep_leaves_out_every_other(api, operator, two_regions, outbox):
    run = start(api, operator)
    kept = [proposal_of(run, b)["id"] for b in two_regions["bags"].batches.all()]

    body = (
        api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply", {"keep_ids": kept}).json()
    )

    assert (body["applied"], body["excluded"]) == (2, 3)
    assert set(two_regions["belts"].batches.values_list("status", flat=True)) == {"open"}
    assert set(two_regions["bags"].batches.values_list("status", flat=True)) == {"claimed"}
    assert set(
        AllocationProposal.objects.filter(status="excluded").values_list(
            "exclude_reason", flat=True
        )
    ) == {""}


def test_keep_puts_back_a_proposal_left_out_on_the_page(api, operator, two_regions, outbox):
    run = start(api, operator)
    batch = two_regions["bags"].batches.first()
    proposal = proposal_of(run, batch)
    allocation_proposal_exclude(actor=operator, run_id=run["id"], proposal_id=proposal["id"])

    api.as_user(operator).post(
        f"/allocation/runs/{run['id']}/apply", {"keep_ids": [proposal["id"]]}
    )

    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.CLAIMED
    assert AllocationRun.objects.get(pk=run["id"]).excluded == 4


def test_a_run_applied_without_a_body_applies_everything(api, operator, two_regions, outbox):
    run = start(api, operator)
    client = Client()
    response = client.post(
        f"/api/v1/allocation/runs/{run['id']}/apply",
        data=b"",
        content_type="application/json",
        headers=api.as_user(operator).headers,
    )
    assert response.status_code == 200, response.content
    assert (response.json()["applied"], response.json()["excluded"]) == (5, 0)


# --- refusals change nothing ---------------------------------------------------------------


def test_ids_not_in_the_run_are_refused_and_nothing_changes(api, operator, two_regions, outbox):
    run = start(api, operator)
    own = run["proposals"][0]["id"]
    other = AllocationRun.objects.create(created_by=operator)
    stranger = AllocationProposal.objects.create(
        run=other, batch_id=run["proposals"][0]["batch_id"]
    )

    for body in (
        {"exclude_ids": [own, stranger.pk]},
        {"exclude_ids": [999999]},
        {"keep_ids": [own, stranger.pk]},
    ):
        response = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply", body)
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "allocation_proposals_not_in_run"
        assert own not in response.json()["detail"]["proposal_ids"]
        nothing_changed(run["id"])
    assert outbox == []


def test_an_unassigned_proposal_cannot_be_left_out(api, operator, two_regions, outbox):
    make_published_order(quantity=300, batch_size=300, skills=("dajie",))  # no workshop can
    body = api.as_user(operator).post("/allocation/runs", {}).json()
    unassigned = next(p for p in body["proposals"] if p["status"] == "unassigned")

    response = api.as_user(operator).post(
        f"/allocation/runs/{body['id']}/apply", {"exclude_ids": [unassigned["id"]]}
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "allocation_proposals_not_reviewable"
    assert AllocationRun.objects.get(pk=body["id"]).status == "proposed"
    assert claims() == 0


def test_keep_and_exclude_together_are_refused(api, operator, two_regions):
    run = start(api, operator)
    ids = [p["id"] for p in run["proposals"]]
    response = api.as_user(operator).post(
        f"/allocation/runs/{run['id']}/apply", {"keep_ids": ids[:1], "exclude_ids": ids[1:2]}
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "allocation_keep_and_exclude"
    nothing_changed(run["id"])


def test_a_run_already_applied_refuses_leaving_out_and_changes_nothing(
    api, operator, two_regions, outbox, committed
):
    run = start(api, operator)
    with committed():
        api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply")
    assert len(outbox) == 2
    before = list(AllocationProposal.objects.order_by("pk").values_list("status", flat=True))
    outbox.clear()
    proposal = run["proposals"][0]["id"]

    with committed():
        again = api.as_user(operator).post(
            f"/allocation/runs/{run['id']}/apply", {"exclude_ids": [proposal]}
        )
        exclude = api.as_user(operator).post(
            f"/allocation/runs/{run['id']}/proposals/{proposal}/exclude", {"reason": "太晚了"}
        )

    assert (again.status_code, again.json()["code"]) == (409, "allocation_run_not_proposed")
    assert (exclude.status_code, exclude.json()["code"]) == (409, "allocation_run_not_proposed")
    after = list(AllocationProposal.objects.order_by("pk").values_list("status", flat=True))
    assert after == before == ["applied"] * 5
    assert claims() == 5
    assert outbox == []  # the leads were told once, by the apply that finished the run


def test_only_operators_leave_proposals_out(api, two_regions, operator):
    run = start(api, operator)
    proposal = run["proposals"][0]["id"]
    lead = two_regions["danba"].lead
    for path in (f"proposals/{proposal}/exclude", f"proposals/{proposal}/restore", "apply"):
        response = api.as_user(lead).post(f"/allocation/runs/{run['id']}/{path}", {})
        assert response.status_code == 403, (path, response.content)
    nothing_changed(run["id"])


# --- leaving out one at a time (the review page's calls) ------------------------------------


def test_a_proposal_is_left_out_and_put_back_and_repeats_are_harmless(api, operator, two_regions):
    run = start(api, operator)
    proposal = run["proposals"][0]["id"]
    path = f"/allocation/runs/{run['id']}/proposals/{proposal}"

    first = api.as_user(operator).post(f"{path}/exclude", {"reason": "样品未确认"})
    second = api.as_user(operator).post(f"{path}/exclude", {})
    assert first.status_code == second.status_code == 200, second.content
    assert (second.json()["status"], second.json()["exclude_reason"]) == ("excluded", "样品未确认")
    assert AllocationProposal.objects.filter(status="excluded").count() == 1

    back = api.as_user(operator).post(f"{path}/restore")
    back_again = api.as_user(operator).post(f"{path}/restore")
    assert back.json()["status"] == back_again.json()["status"] == "proposed"
    row = AllocationProposal.objects.get(pk=proposal)
    assert (row.excluded_by_id, row.exclude_reason, row.excluded_at) == (None, "", None)


def test_a_proposal_of_another_run_is_not_found(api, operator, two_regions):
    run = start(api, operator)
    other = AllocationRun.objects.create(created_by=operator, status="proposed")
    response = api.as_user(operator).post(
        f"/allocation/runs/{other.pk}/proposals/{run['proposals'][0]['id']}/exclude", {}
    )
    assert (response.status_code, response.json()["code"]) == (
        404,
        "allocation_proposal_not_found",
    )
    nothing_changed(run["id"])


def test_a_left_out_batch_stays_open_when_the_run_is_applied(api, operator, two_regions, outbox):
    run = start(api, operator)
    batch = two_regions["bags"].batches.first()
    proposal = proposal_of(run, batch)["id"]
    api.as_user(operator).post(f"/allocation/runs/{run['id']}/proposals/{proposal}/exclude", {})

    body = api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply").json()

    assert (body["applied"], body["excluded"]) == (4, 1)
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.OPEN
    assert not BatchEvent.objects.filter(batch=batch).exclude(to_status="open").exists()


# --- the leads are told ---------------------------------------------------------------------


def test_each_lead_gets_one_notice_listing_its_batches(
    api, operator, two_regions, outbox, committed
):
    run = start(api, operator)
    belts = two_regions["belts"].batches.order_by("number")
    left = proposal_of(run, belts[1])["id"]

    with committed():
        api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply", {"exclude_ids": [left]})

    danba, li = two_regions["danba"], two_regions["li"]
    assert sorted((n.kind, n.user_id) for n in outbox) == sorted(
        [("batch_assigned", danba.lead_id), ("batch_assigned", li.lead_id)]
    )
    to_danba = next(n for n in outbox if n.user_id == danba.lead_id)
    assert "「绳编腰带」第 1、3 批，共 600 件，加工费 1.2 元/件" in to_danba.text
    assert two_regions["belts"].deadline.isoformat() in to_danba.text
    assert danba.name in to_danba.text and "2 个批次" in to_danba.text
    assert sorted(to_danba.data["batch_ids"]) == [belts[0].pk, belts[2].pk]
    assert to_danba.data["run_id"] == run["id"]
    assert {b["fee_per_piece"] for b in to_danba.data["batches"]} == {"1.20"}
    to_li = next(n for n in outbox if n.user_id == li.lead_id)
    assert "「羌绣挎包」第 1、2 批，共 400 件，加工费 3.5 元/件" in to_li.text


def test_a_lead_of_two_workshops_gets_one_notice(api, operator, two_regions, outbox, committed):
    from workshops.models import Workshop

    Workshop.objects.filter(pk=two_regions["li"].pk).update(lead=two_regions["danba"].lead)
    run = start(api, operator)
    with committed():
        api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply")
    assert [(n.kind, n.user_id) for n in outbox] == [
        ("batch_assigned", two_regions["danba"].lead_id)
    ]
    assert "5 个批次" in outbox[0].text
    assert "绳编腰带" in outbox[0].text and "羌绣挎包" in outbox[0].text


def test_a_lead_without_a_phone_is_still_told(api, operator, two_regions, outbox, committed):
    User.objects.filter(pk=two_regions["li"].lead_id).update(phone="")
    run = start(api, operator)
    with committed():
        api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply")
    to_li = [n for n in outbox if n.user_id == two_regions["li"].lead_id]
    assert [(n.kind, n.phone) for n in to_li] == [("batch_assigned", "")]


class PhoneOnlyGateway:
    """A text-message gateway: a notice to someone without a phone cannot be sent."""

    sent: list[int] = []

    def send(self, notice) -> None:
        from accounts.notifications import NotificationFailed

        if not notice.phone:
            raise NotificationFailed(f"no phone number for user {notice.user_id}")
        self.sent.append(notice.user_id)


def test_a_lead_whose_text_message_fails_does_not_stop_the_others(
    operator, two_regions, settings, committed
):
    """The apply stands and the other lead is still told (a failed send is logged, not raised)."""
    settings.NOTIFIER_BACKEND = f"{__name__}.PhoneOnlyGateway"
    PhoneOnlyGateway.sent.clear()
    User.objects.filter(pk=two_regions["li"].lead_id).update(phone="")
    run = allocation_run_start(actor=operator)
    with committed():
        run = allocation_run_apply(run_id=run.pk, actor=operator)
    assert run.applied == 5
    assert PhoneOnlyGateway.sent == [two_regions["danba"].lead_id]


def test_notices_wait_for_the_commit(
    operator, two_regions, outbox, django_capture_on_commit_callbacks
):
    run = allocation_run_start(actor=operator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            allocation_run_apply(run_id=run.pk, actor=operator)
    assert outbox == []
    for callback in callbacks:
        callback()
    assert len(outbox) == 2


def test_notices_are_in_chinese_when_the_operator_reads_english(
    api, operator, two_regions, outbox, committed
):
    run = start(api, operator)
    with committed():
        response = api.as_user(operator).post(
            f"/allocation/runs/{run['id']}/apply", headers={"Accept-Language": "en"}
        )
    assert response.status_code == 200, response.content
    assert all("个批次" in n.text for n in outbox) and len(outbox) == 2


def test_a_failed_apply_tells_no_one(api, operator, two_regions, outbox, committed):
    run = start(api, operator)
    with committed():
        api.as_user(operator).post(f"/allocation/runs/{run['id']}/apply", {"exclude_ids": [0]})
    assert outbox == []


# --- the review, paged and filtered in the database -----------------------------------------


@pytest.fixture
def big_run(operator):
    """120 batches over two regions: 3 workshops in 甘孜, 1 in 阿坝."""
    ganzi, aba = (
        make_service_center(name="甘孜州服务中心"),
        make_service_center(name="阿坝州服务中心"),
    )
    workshops = [workshop_in(ganzi) for _ in range(3)] + [workshop_in(aba)]
    make_published_order(quantity=4000, batch_size=50, days=40, service_center_id=ganzi.pk)
    make_published_order(quantity=2000, batch_size=50, days=40, service_center_id=aba.pk)
    run = allocation_run_start(actor=operator)
    assert run.assigned == 120
    return {"run": run, "ganzi": ganzi, "aba": aba, "workshops": workshops}


def test_the_api_filters_a_run_by_region_and_workshop(api, operator, big_run):
    run, aba = big_run["run"], big_run["aba"]
    body = (
        api.as_user(operator)
        .get(f"/allocation/runs/{run.pk}", {"region_id": aba.pk, "limit": 10})
        .json()
    )
    assert body["proposals_total"] == 40 and len(body["proposals"]) == 10
    assert {p["region_id"] for p in body["proposals"]} == {aba.pk}
    assert {p["region_name"] for p in body["proposals"]} == {"阿坝州服务中心"}
    workshop = big_run["workshops"][3]
    body = (
        api.as_user(operator)
        .get(f"/allocation/runs/{run.pk}", {"workshop_id": workshop.pk, "status": "proposed"})
        .json()
    )
    assert body["proposals_total"] == 40
    assert {p["workshop_id"] for p in body["proposals"]} == {workshop.pk}


def test_the_review_page_shows_fifty_at_a_time_by_region(
    operator, big_run, django_assert_max_num_queries
):
    run, ganzi = big_run["run"], big_run["ganzi"]
    client = Client()
    client.force_login(operator)
    with django_assert_max_num_queries(14):
        page = client.get(f"/ops/allocation/{run.pk}/").content.decode()
    assert page.count('class="card proposal"') == 50
    assert "第 1 / 3 页" in page
    page = client.get(f"/ops/allocation/{run.pk}/?region={ganzi.pk}&page=2").content.decode()
    assert page.count('class="card proposal"') == 30
    assert "第 2 / 2 页" in page and "阿坝州服务中心（40）" in page
    assert page.count("阿坝州服务中心") == 1  # only in the region filter's options
    # Far beyond the last page: back to the last one.
    response = client.get(f"/ops/allocation/{run.pk}/?region={ganzi.pk}&page=9")
    assert response.status_code == 302 and "page=2" in response.url
    # Nonsense in the query is ignored, never a database error.
    response = client.get(f"/ops/allocation/{run.pk}/?region=9{'9' * 30}&page=9{'9' * 30}")
    assert response.status_code == 200 and "第 1 / 3 页" in response.content.decode()


def test_leaving_out_on_the_page_returns_to_the_same_filter_and_card(operator, big_run):
    run, aba = big_run["run"], big_run["aba"]
    proposal = run.proposals.filter(workshop__organisation__service_center=aba).first()
    client = Client()
    client.force_login(operator)
    response = client.post(
        f"/ops/allocation/{run.pk}/proposals/{proposal.pk}/exclude/",
        {"reason": "等样品", "back": f"region={aba.pk}&page=1", "proposal": proposal.pk},
    )
    assert response.status_code == 302
    assert response.url == f"/ops/allocation/{run.pk}/?region={aba.pk}&page=1#p-{proposal.pk}"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.exclude_reason, proposal.excluded_by_id) == (
        "excluded",
        "等样品",
        operator.pk,
    )
    page = client.get(response.url).content.decode()
    assert "等样品" in page and "执行时分配 119 批，不分配 1 批" in page


# --- PostgreSQL: two operators at once ------------------------------------------------------


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the refusal is the point
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_operators_applying_with_different_choices_one_wins_whole(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    from accounts import notifications

    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    center = make_service_center()
    for _ in range(2):
        workshop_in(center, skills={"raoxian": 2})
    wang, li = make_user(User.Role.OPERATOR), make_user(User.Role.OPERATOR)
    order = make_published_order(quantity=3000, batch_size=300, days=30)
    run = allocation_run_start(actor=wang)
    ids = list(run.proposals.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 10

    results = run_together(
        lambda: allocation_run_apply(run_id=run.pk, actor=wang, exclude_ids=ids[:3], reason="王"),
        lambda: allocation_run_apply(run_id=run.pk, actor=li, exclude_ids=ids[5:], reason="李"),
    )

    won = [r for r in results if isinstance(r, AllocationRun)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(won) == 1 and len(refused) == 1, results
    # 409 either way: the loser finds the run still being applied, or already applied,
    # depending on when its turn at the run's row comes.
    assert refused[0].code in {"allocation_run_applying", "allocation_run_not_proposed"}
    assert refused[0].status == 409
    winner = won[0].applied_by
    left_out = ids[:3] if winner == wang else ids[5:]
    run.refresh_from_db()
    assert (run.status, run.applied, run.excluded) == ("applied", 10 - len(left_out), len(left_out))
    excluded = run.proposals.filter(status="excluded")
    assert sorted(excluded.values_list("pk", flat=True)) == left_out
    assert set(excluded.values_list("excluded_by_id", "exclude_reason")) == {
        (winner.pk, "王" if winner == wang else "李")
    }
    left_batches = set(run.proposals.filter(pk__in=left_out).values_list("batch_id", flat=True))
    for batch in order.batches.all():
        events = BatchEvent.objects.filter(batch=batch, to_status="claimed")
        assert events.count() == (0 if batch.pk in left_batches else 1)
        assert batch.status == ("open" if batch.pk in left_batches else "claimed")
    told = sorted(b for n in notifications.outbox for b in n.data["batch_ids"])
    assert told == sorted(set(order.batches.values_list("pk", flat=True)) - left_batches)
    notifications.outbox.clear()


@pytest.mark.django_db(transaction=True)
def test_leaving_out_racing_an_apply_is_either_recorded_or_refused(settings):
    """An operator leaves a batch out while another confirms: either the exclusion lands
    first (the batch stays open) or the apply took the run (409, the batch is claimed)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    center = make_service_center()
    workshop_in(center)
    wang, li = make_user(User.Role.OPERATOR), make_user(User.Role.OPERATOR)
    make_published_order(quantity=1500, batch_size=300, days=30)
    run = allocation_run_start(actor=wang)
    target = run.proposals.order_by("pk").first()

    excluded, applied = run_together(
        lambda: allocation_proposal_exclude(actor=li, run_id=run.pk, proposal_id=target.pk),
        lambda: allocation_run_apply(run_id=run.pk, actor=wang),
    )

    assert isinstance(applied, AllocationRun)
    target.refresh_from_db()
    batch = Batch.objects.get(pk=target.batch_id)
    if isinstance(excluded, AllocationProposal):
        assert (target.status, batch.status, applied.excluded) == ("excluded", "open", 1)
    else:
        assert isinstance(excluded, ApplicationError), excluded
        assert excluded.code in {"allocation_run_applying", "allocation_run_not_proposed"}
        assert (target.status, batch.status, applied.excluded) == ("applied", "claimed", 0)
    assert applied.applied + applied.excluded == 5


def test_a_run_of_ten_thousand_batches_is_reviewed_a_page_at_a_time(
    operator, django_assert_max_num_queries
):
    """The benchmarks' national run has over 10,000 batches: the review reads one page of 50
    and the filters' counts in the database, never the whole run."""
    import time

    from orders.models import Order

    centers = [make_service_center(name=f"服务中心{i}") for i in range(4)]
    workshops = [make_workshop(service_center=centers[i % 4]) for i in range(40)]
    order = make_published_order(quantity=300, batch_size=300)
    Batch.objects.bulk_create(Batch(order=order, number=n, quantity=300) for n in range(2, 10_002))
    Order.objects.filter(pk=order.pk).update(quantity=300 * 10_001)
    run = AllocationRun.objects.create(created_by=operator, status="proposed")
    AllocationProposal.objects.bulk_create(
        (
            AllocationProposal(run=run, batch_id=pk, workshop=workshops[i % 40])
            for i, pk in enumerate(order.batches.values_list("pk", flat=True))
        ),
        batch_size=2000,
    )
    client = Client()
    client.force_login(operator)
    client.get(f"/ops/allocation/{run.pk}/?page=1")  # warm: templates, translations
    started = time.perf_counter()
    with django_assert_max_num_queries(14):
        page = client.get(f"/ops/allocation/{run.pk}/?region={centers[1].pk}&page=7")
    seconds = time.perf_counter() - started
    html = page.content.decode()
    assert page.status_code == 200
    in_region = run.proposals.filter(workshop__organisation__service_center=centers[1]).count()
    assert in_region == 2500
    assert html.count('class="card proposal"') == 50 and "第 7 / 50 页" in html
    assert seconds < 5, seconds
