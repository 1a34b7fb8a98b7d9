"""Operator's allocation job on the phone: start a run, review it batch by batch, leave one
batch out, confirm the rest; the kept batches are claimed by their workshops, the left-out one
stays open, and every lead who received a batch has a notice. Pages only after the set-up."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from allocation.models import AllocationProposal, AllocationRun
from orders.models import Batch
from tests.factories import make_household, make_service_center, make_skill, make_user
from tests.factories import make_workshop as workshop_factory

from .factories import make_published_order
from .test_layout import _problems


@pytest.fixture
def outbox(settings):
    """Notices kept in memory: the live server runs in this process, so it fills this list."""
    from accounts import notifications

    settings.NOTIFIER_BACKEND = "accounts.notifications.MemoryBackend"
    notifications.outbox.clear()
    yield notifications.outbox
    notifications.outbox.clear()


@pytest.fixture
def region_world():
    """Two regions, a workshop (with households) in each, an order tied to each region."""
    make_skill("raoxian", "绕线")
    ganzi = make_service_center(name="甘孜州服务中心")
    aba = make_service_center(name="阿坝州服务中心")
    danba = workshop_factory(service_center=ganzi, name="丹巴县聂呷乡绳编共富工坊")
    lixian = workshop_factory(service_center=aba, name="理县羌绣共富工坊")
    for workshop in (danba, lixian):
        for name in ("卓玛家", "拉姆家"):
            make_household(workshop, name=name)
    merchant = make_user(User.Role.MERCHANT)
    belts = make_published_order(
        merchant, quantity=300, batch_size=100, product_name="绳编腰带", service_center_id=ganzi.pk
    )
    bags = make_published_order(
        merchant, quantity=100, batch_size=100, product_name="羌绣挎包", service_center_id=aba.pk
    )
    operator = make_user(User.Role.OPERATOR, display_name="运营小王")
    return {"danba": danba, "lixian": lixian, "belts": belts, "bags": bags, "operator": operator}


def test_operator_reviews_leaves_one_batch_out_and_confirms_the_rest(
    page, site, sign_in, shot, outbox, region_world
):
    danba, lixian = region_world["danba"], region_world["lixian"]
    belts = list(region_world["belts"].batches.order_by("number"))
    bag = region_world["bags"].batches.get()
    outbox.clear()  # publishing told the leads of the new orders; what follows is the run's

    sign_in(page, region_world["operator"])
    page.click("nav.tabs >> text=分配")
    page.click("button:text-is('生成新方案')")
    expect(page.locator("#run-status")).to_have_text("已提出方案")
    expect(page.locator(".proposal")).to_have_count(4)
    run = AllocationRun.objects.get()
    card = {
        b.pk: page.locator(f"#p-{AllocationProposal.objects.get(run=run, batch=b).pk}")
        for b in (*belts, bag)
    }
    # Each batch with its workshop, region, reasons, fee and deadline.
    expect(card[belts[1].pk]).to_contain_text("绳编腰带 第 2 批")
    expect(card[belts[1].pk]).to_contain_text("丹巴县聂呷乡绳编共富工坊")
    expect(card[belts[1].pk]).to_contain_text("甘孜州服务中心")
    expect(card[belts[1].pk]).to_contain_text("¥1.20/件")
    expect(card[belts[1].pk]).to_contain_text(region_world["belts"].deadline.isoformat())
    expect(card[belts[1].pk]).to_contain_text("距离")
    expect(card[bag.pk]).to_contain_text("理县羌绣共富工坊")
    expect(card[bag.pk]).to_contain_text("阿坝州服务中心")
    expect(page.locator("#review-summary")).to_contain_text("执行时分配 4 批，不分配 0 批")
    shot(page, "operator", "allocation-review")

    # Leave the second belt batch out, with a reason.
    card[belts[1].pk].locator("summary:text-is('不分配此批')").click()
    card[belts[1].pk].locator("input[name=reason]").fill("样品还没确认")
    card[belts[1].pk].locator("button:text-is('确认不分配')").click()
    expect(page.locator(".msg-success")).to_have_text(
        "「绳编腰带」第 2 批不分配，执行方案时会留给带头人自己认领。"
    )
    expect(card[belts[1].pk]).to_contain_text("运营小王 决定不分配：样品还没确认")
    expect(card[belts[1].pk].locator(".pill")).to_have_text("不分配")
    expect(page.locator("#review-summary")).to_contain_text("执行时分配 3 批，不分配 1 批")
    shot(page, "operator", "allocation-left-out")

    page.click("button:text-is('执行方案：把批次分给工坊')")
    expect(page.locator(".msg-success")).to_have_text(
        "已执行：3 个批次分给了工坊，0 个跳过（原因见各批次），1 个不分配。已通知各工坊带头人。"
    )
    expect(page.locator("#run-status")).to_have_text("已执行")
    expect(page.locator("#run-applied")).to_have_text("3")
    shot(page, "operator", "allocation-applied")

    # The database: kept batches claimed by their workshops, the left-out one still open.
    held = {b.pk: (b.status, b.workshop_id) for b in Batch.objects.all()}
    assert held == {
        belts[0].pk: (Batch.Status.CLAIMED, danba.pk),
        belts[1].pk: (Batch.Status.OPEN, None),
        belts[2].pk: (Batch.Status.CLAIMED, danba.pk),
        bag.pk: (Batch.Status.CLAIMED, lixian.pk),
    }
    left = AllocationProposal.objects.get(run=run, batch=belts[1])
    assert (left.status, left.excluded_by, left.exclude_reason) == (
        AllocationProposal.Status.EXCLUDED,
        region_world["operator"],
        "样品还没确认",
    )
    run.refresh_from_db()
    assert (run.status, run.applied, run.excluded, run.applied_by) == (
        AllocationRun.Status.APPLIED,
        3,
        1,
        region_world["operator"],
    )
    # One notice per lead, each naming its own batches.
    notices = {n.user_id: n for n in outbox}
    assert set(notices) == {danba.lead_id, lixian.lead_id}
    assert {n.kind for n in outbox} == {"batch_assigned"} and len(outbox) == 2
    assert "「绳编腰带」第 1、3 批，共 200 件" in notices[danba.lead_id].text
    assert sorted(notices[danba.lead_id].data["batch_ids"]) == [belts[0].pk, belts[2].pk]
    assert "「羌绣挎包」第 1 批，共 100 件" in notices[lixian.lead_id].text


def test_the_review_fits_the_phone_in_english(page, site, sign_in, region_world):
    from allocation.services import allocation_proposal_exclude, allocation_run_start

    operator = region_world["operator"]
    run = allocation_run_start(actor=operator)
    first = run.proposals.order_by("pk").first()
    allocation_proposal_exclude(
        actor=operator, run_id=run.pk, proposal_id=first.pk, reason="sample not approved yet"
    )

    sign_in(page, operator)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    problems = {}
    for path in ("/ops/allocation/", f"/ops/allocation/{run.pk}/"):
        response = page.goto(f"{site}{path}")
        assert response.status == 200, (path, response.status)
        for summary in page.locator("summary").all():
            summary.click()  # the leave-out forms open, as an operator would see them
        found = {kind: items for kind, items in _problems(page).items() if items}
        if found:
            problems[path] = found
    assert not problems, problems
    expect(page.locator(f"#p-{first.pk}")).to_contain_text("Left out by 运营小王")
    expect(page.locator("summary").first).to_have_text("Leave this batch out")
