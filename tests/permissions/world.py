"""A complete "world" of one region, built through the real services: a service center, a
workshop with its lead and households, a checker, a merchant with an order published and
batches claimed, tickets, material and finished lots with scans and inspections, a label sheet,
a payout period computed and approved (statements), a cohort with a trainee, progress and an
assessment, and an allocation run. Two worlds, ALFA甲 and BRAVO乙, are the permission matrix's
subjects: every user of one is foreign to every object of the other.

Every name of a world carries its tag, so that "nothing of the other world in the answer" is
one substring test, plus the strings that carry no tag (codes, phones, accounts, tokens).
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organisation, User
from accounts.services import api_token_issue
from tests.factories import make_household, make_org, make_service_center, make_user, make_workshop
from tests.ui.factories import make_published_order

ROLES = ("merchant", "lead", "checker", "trainer")


@dataclass
class World:
    tag: str
    users: dict[str, User]
    bearer: dict[str, dict[str, str]]
    ids: dict[str, int | str]  # what a path parameter or a body field names, by name
    secrets: list[str]  # strings of this world that no foreign answer may contain
    numbers: list[int]  # quantities of this world that no foreign answer may contain
    extra: dict[str, object] = field(default_factory=dict)


def build_world(tag: str, *, operator: User, digit: str) -> World:
    """``digit`` makes this world's phones and accounts distinct (and recognisable)."""
    from orders.models import Batch, Ticket
    from orders.services import batch_claim, batch_start_production, order_create, ticket_issue
    from orders.services import ticket_return_record as ticket_return
    from payouts.models import Statement
    from payouts.services import (
        adjustment_create,
        period_approve,
        period_compute,
        period_create,
        share_config_set,
    )
    from quality.models import Inspection, Lot, SwitchingState
    from quality.scans import scan_record
    from quality.services import (
        DefectIn,
        label_sheet_build,
        label_sheet_create,
        lot_create,
        lot_inspect,
    )
    from trainees.models import ProgressLog
    from trainees.services import (
        assessment_record,
        cohort_create,
        programme_create,
        progress_log,
        trainee_enrol,
    )

    today = timezone.localdate()
    center = make_service_center(name=f"{tag}服务中心")
    workshop = make_workshop(service_center=center, name=f"{tag}工坊", skills={"raoxian": 2})
    lead = workshop.lead
    lead.display_name = f"{tag}带头人"
    lead.save(update_fields=["display_name"])
    phone = f"139{digit * 4}000"
    households = [
        make_household(
            workshop,
            name=f"{tag}农户{n}",
            phone=f"{phone}{n}",
            payment_account=f"6217{digit * 10}0000{n}",
        )
        for n in (1, 2)
    ]
    checker = make_user(User.Role.CHECKER, organisation=center, display_name=f"{tag}质检员")
    merchant_org = make_org(Organisation.Kind.MERCHANT, name=f"{tag}商贸")
    merchant = make_user(User.Role.MERCHANT, organisation=merchant_org, display_name=f"{tag}商家")
    trainer = make_user(User.Role.TRAINER, organisation=center, display_name=f"{tag}老师")

    # --- an order published into this region only; one batch claimed and worked, one open
    # Quantities no other number here has (primes near 8,000), so that they show if leaked.
    quantity = {"1": 7919, "2": 7927}[digit]
    order = make_published_order(
        merchant,
        quantity=quantity,
        batch_size=(quantity + 1) // 2,
        product_name=f"{tag}绳编腰带",
        spec=f"{tag}规格",
        service_center_id=center.pk,
    )
    draft_order = order_create(
        actor=merchant,
        product_name=f"{tag}草稿订单",
        quantity=100,
        batch_size=100,
        fee_per_piece=Decimal("1.20"),
        standard_minutes=Decimal("2"),
        deadline=today + timedelta(days=20),
        required_skills=["raoxian"],
        service_center_id=center.pk,
    )
    worked, open_batch = order.batches.order_by("number")
    batch_claim(actor=lead, batch_id=worked.pk)
    material = lot_create(actor=lead, batch_id=worked.pk, kind=Lot.Kind.MATERIAL, quantity=300)
    batch_start_production(batch_id=worked.pk, actor=None)
    first, second = households
    ticket_one, _ = ticket_issue(
        actor=lead, batch_id=worked.pk, household_id=first.pk, quantity=120
    )
    ticket_return(actor=lead, ticket_id=ticket_one.pk, returned=120)
    ticket_two, _ = ticket_issue(
        actor=lead, batch_id=worked.pk, household_id=second.pk, quantity=60
    )
    ticket_return(actor=lead, ticket_id=ticket_two.pk, returned=50)  # 10 still out

    # --- finished lots: one accepted, one waiting for inspection, one rejected (to dispose)
    accepted = lot_create(
        actor=lead,
        batch_id=worked.pk,
        kind=Lot.Kind.FINISHED,
        quantity=100,
        shares=[{"household_id": first.pk, "quantity": 100}],
    )
    pending = lot_create(
        actor=lead,
        batch_id=worked.pk,
        kind=Lot.Kind.FINISHED,
        quantity=20,
        shares=[{"household_id": first.pk, "quantity": 20}],
    )
    rejected = lot_create(
        actor=lead,
        batch_id=worked.pk,
        kind=Lot.Kind.FINISHED,
        quantity=50,
        shares=[{"household_id": second.pk, "quantity": 50}],
    )
    scan_record(
        actor=lead,
        key=str(uuid.uuid4()),
        code=accepted.code,
        action="shipped",
        device_time=timezone.now(),
        note=f"{tag}发货",
    )
    inspection = lot_inspect(actor=checker, code=accepted.code, defects=[], note=f"{tag}检验")
    bad = lot_inspect(
        actor=checker,
        code=rejected.code,
        defects=[DefectIn(kind="broken", defect_class="critical", count=1, household_id=second.pk)],
        note=f"{tag}不合格",
    )
    assert inspection.verdict == Inspection.Verdict.ACCEPTED
    assert bad.verdict == Inspection.Verdict.REJECTED
    sheet = label_sheet_create(actor=lead, lot_codes=[accepted.code, pending.code])
    label_sheet_build(sheet_id=sheet.pk)  # its task waits for a commit that never comes here
    # The order's story is told: its finished lots carry hang-tags (stories).
    from stories.services import order_story_set

    order_story_set(actor=merchant, order_id=order.pk, enabled=True)
    state = SwitchingState.objects.get(workshop=workshop, product=order.product_name)

    # --- money: shares, a period of this region computed, adjusted and approved
    share_config_set(
        actor=operator,
        workshop_id=workshop.pk,
        lead_kind="percent",
        lead_value=Decimal("5"),
        center_kind="percent",
        center_value=Decimal("3"),
    )
    period = period_create(
        actor=operator,
        name=f"{tag}结算期",
        starts_on=today - timedelta(days=30),
        ends_on=today,
        scope="region",
        region_id=center.pk,
    )
    period_compute(period_id=period.pk, actor=operator)
    adjustment = adjustment_create(
        actor=operator,
        period_id=period.pk,
        household_id=first.pk,
        kind="bonus",
        amount=Decimal("1.00"),
        reason=f"{tag}奖励",
    )
    period = period_approve(period_id=period.pk, actor=operator)
    statement = Statement.objects.get(period=period, household=first)

    # --- training: a course, a cohort with this world's trainer, a trainee with progress
    programme = programme_create(
        actor=operator,
        code=f"course-{digit}",
        name=f"{tag}课程",
        kind="village",
        duration_days=30,
        modules=[
            {"name": f"{tag}模块", "required_hours": Decimal("10"), "due_day": 10},
            {"name": f"{tag}模块二", "required_hours": Decimal("10"), "due_day": 20},
        ],
    )
    module = programme.modules.order_by("position").first()
    cohort = cohort_create(
        actor=operator,
        programme_id=programme.pk,
        name=f"{tag}班",
        start_date=today - timedelta(days=10),
        place_kind="village",
        place=f"{tag}村",
        trainer_ids=[trainer.pk],
    )
    trainee = trainee_enrol(
        actor=operator,
        cohort_id=cohort.pk,
        name=f"{tag}学员",
        province="四川",
        county="丹巴县",
        background="villager",
        phone=f"{phone}9",
        household_id=first.pk,
    )
    progress_log(
        actor=trainer,
        trainee_ids=[trainee.pk],
        module_id=module.pk,
        date=today - timedelta(days=2),
        hours=Decimal("2"),
        activity=f"{tag}练习",
    )
    log = ProgressLog.objects.get(trainee=trainee)
    assessment = assessment_record(
        actor=trainer,
        trainee_id=trainee.pk,
        module_id=module.pk,
        score=80,
        assessed_on=today - timedelta(days=1),
        notes=f"{tag}评语",
    )

    # --- an allocation run over this world's open batch (operators only)
    from allocation.services import allocation_run_start

    run = allocation_run_start(actor=operator, batch_ids=[open_batch.pk])

    # --- the merchant's systems: an API key, a webhook endpoint and one delivery to it
    from integrations.keys import api_key_create
    from integrations.models import WebhookDelivery
    from integrations.webhooks import webhook_endpoint_create

    api_key, _raw = api_key_create(actor=merchant, name=f"{tag}ERP", scopes=["orders:read"])
    endpoint, _secret = webhook_endpoint_create(
        actor=merchant, url="https://93.184.216.34/hook", events=["order.published"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="order.published",
        event_id=uuid.uuid4(),
        payload={"order": order.pk},
        status=WebhookDelivery.Status.FAILED,
    )

    # --- a payment of the approved period to its first household, and a roster preview
    from payouts.models import HouseholdPayment
    from workshops.services.imports import household_import_preview

    payment = HouseholdPayment.objects.create(
        period=period,
        household=first,
        workshop=workshop,
        statement=statement,
        amount_fen=statement.total_fen,
        method="bank",
        reference=f"{tag}-PAY",
        paid_at=timezone.now() - timedelta(hours=1),
    )
    from payouts.services import payment_answer_record

    payment_answer_record(  # the household said it did not arrive: a dispute to resolve
        household_id=first.pk, answer="not_received", via="passbook", key=uuid.uuid4()
    )
    preview = household_import_preview(
        actor=lead,
        workshop_id=workshop.pk,
        file_name="roster.csv",
        content="户主姓名,手机号\n新户甲,13900000001\n".encode(),
    )

    users = {"merchant": merchant, "lead": lead, "checker": checker, "trainer": trainer}
    ids: dict[str, int | str] = {
        "key_id": api_key.pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "payment_id": payment.pk,
        "import_token": str(preview.token),
        "currency": "XOF",
        "service_center_id": center.pk,
        "region_id": center.pk,
        "workshop_id": workshop.pk,
        "household_id": first.pk,
        "order_id": order.pk,
        "draft_order_id": draft_order.pk,
        "batch_id": worked.pk,
        "open_batch_id": open_batch.pk,
        "ticket_id": ticket_two.pk,
        "code": pending.code,
        "accepted_code": accepted.code,
        "material_code": material.code,
        "inspection_id": bad.pk,
        "rejected_code": rejected.code,
        "accepted_inspection_id": inspection.pk,
        "sheet_id": sheet.pk,
        "task_id": sheet.job_id,
        "state_id": state.pk,
        "period_id": period.pk,
        "corrects_period_id": period.pk,
        "statement_id": statement.pk,
        "token": statement.token,
        "adjustment_id": adjustment.pk,
        "programme_id": programme.pk,
        "module_id": module.pk,
        "cohort_id": cohort.pk,
        "trainee_id": trainee.pk,
        "corrects_id": log.pk,
        "assessment_id": assessment.pk,
        "trainer_id": trainer.pk,
        "user_id": trainer.pk,
        "organisation_id": workshop.organisation_id,
        "run_id": run.pk,
        "proposal_id": run.proposals.get().pk,
        "merchant_id": merchant_org.pk,
    }
    assert Batch.objects.get(pk=open_batch.pk).status == Batch.Status.OPEN
    assert Ticket.objects.get(pk=ticket_two.pk).issued == 60
    secrets = [
        tag,
        *(h.phone for h in households),
        *(h.payment_account for h in households),
        *(lot.code for lot in (material, accepted, pending, rejected)),
        *Statement.objects.filter(period=period).values_list("token", flat=True),
    ]
    return World(
        tag=tag,
        users=users,
        bearer={role: _bearer(user) for role, user in users.items()},
        ids=ids,
        secrets=secrets,
        numbers=sorted({order.quantity, worked.quantity, open_batch.quantity}),
        extra={"lots": [material, accepted, pending, rejected], "households": households},
    )


def _bearer(user: User) -> dict[str, str]:
    _, raw = api_token_issue(user=user)
    return {"Authorization": f"Bearer {raw}"}
