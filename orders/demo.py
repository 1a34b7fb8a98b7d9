"""Demo orders: two Yiwu merchants' published orders, claimed and open batches, tickets.

Everything goes through the services (so every batch has its event trail). What quality and
payouts build on: batches in production whose households have returned pieces.
"""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.demo import DemoContext

from .models import Batch, Order
from .services import (
    batch_claim,
    batch_start_production,
    order_create,
    order_photo_add,
    order_publish,
    ticket_issue,
    ticket_return_record,
)

# key, merchant, product, spec, skills, quantity, batch size, fee, minutes, days, center, colours
ORDERS = [
    (
        "belt",
        "merchant_rope",
        "绳编腰带（双色）",
        "双色涤纶绳绕线编结，长 110 cm，扣头统一来料；结头收紧不外露。",
        ["raoxian", "dajie"],
        6000,
        500,
        "0.35",
        "0.90",
        30,
        "danba_center",
        ((150, 90, 40), (230, 200, 150)),
    ),
    (
        "tassel",
        "merchant_rope",
        "流苏挂件",
        "人造丝流苏，长 8 cm，顶部绕线 1 cm，剪齐，不掉丝。",
        ["liusu", "raoxian"],
        2400,
        400,
        "0.20",
        "0.50",
        21,
        None,
        ((200, 30, 60), (250, 210, 60)),
    ),
    (
        "coaster",
        "merchant_knit",
        "钩针杯垫",
        "棉线钩织圆形杯垫，直径 10 cm，按样品花型，线头藏好。",
        ["gouzhen"],
        3000,
        300,
        "1.20",
        "3.00",
        35,
        "bazhong_center",
        ((240, 240, 230), (90, 140, 190)),
    ),
    (
        "bracelet",
        "merchant_knit",
        "编织手链",
        "蜡线平结编织手链，可调节，配 1 颗木珠。",
        ["bianzhi"],
        1500,
        250,
        "0.45",
        "1.50",
        25,
        None,
        ((60, 60, 60), (180, 120, 60)),
    ),
]

# batch claims: order key → [(batch number, workshop key, start production?, issue to how many)]
CLAIMS = {
    "belt": [
        (1, "zhuosini", True, 10),
        (2, "zhuosini", True, 8),
        (3, "zhuosini", False, 0),
        (4, "jiaju", True, 9),
        (5, "jiaju", False, 0),
    ],
    "tassel": [(1, "zhuosini", True, 8)],
    "coaster": [(1, "zengkou", True, 10), (2, "zengkou", False, 0), (3, "shuining", False, 0)],
    "bracelet": [(1, "huacheng", True, 6), (2, "huacheng", False, 0)],
}
LOSS_REASONS = ["线材打结报废", "污损", "尺寸不符退回重做", "丢失"]


def _sample_photo(colours: tuple[tuple[int, int, int], tuple[int, int, int]]) -> bytes:
    """A plain striped picture standing in for a merchant's sample photo."""
    picture = Image.new("RGB", (1200, 800), colours[0])
    draw = ImageDraw.Draw(picture)
    for x in range(0, 1200, 80):
        draw.rectangle((x, 0, x + 40, 800), fill=colours[1])
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    today = timezone.localdate()
    workshops = ctx.objects["workshops"]
    orders: dict[str, Order] = {}
    for (
        key,
        merchant_key,
        product,
        spec,
        skills,
        quantity,
        batch_size,
        fee,
        minutes,
        days,
        center,
        colours,
    ) in ORDERS:
        merchant = ctx.users[merchant_key]
        order = order_create(
            actor=merchant,
            product_name=product,
            spec=spec,
            required_skills=skills,
            quantity=quantity,
            batch_size=batch_size,
            fee_per_piece=Decimal(fee),
            standard_minutes=Decimal(minutes),
            deadline=today + timedelta(days=days),
            service_center_id=ctx.orgs[center].pk if center else None,
        )
        order_photo_add(
            actor=merchant,
            order_id=order.pk,
            upload=SimpleUploadedFile("sample.jpg", _sample_photo(colours), "image/jpeg"),
            caption="样品",
        )
        # The bracelet pays 18 yuan/hour, below the minimum: the merchant acknowledged it.
        orders[key] = order_publish(
            actor=merchant, order_id=order.pk, acknowledge_below_minimum_wage=True
        )

    # A draft not yet published.
    order_create(
        actor=ctx.users["merchant_rope"],
        product_name="绕线发圈",
        spec="来料发圈绕线，每个 30 圈。",
        required_skills=["raoxian"],
        quantity=1000,
        batch_size=500,
        fee_per_piece=Decimal("0.1500"),
        standard_minutes=Decimal("0.40"),
        deadline=today + timedelta(days=40),
    )

    in_production: list[Batch] = []
    for key, claims in CLAIMS.items():
        batches = {b.number: b for b in orders[key].batches.all()}
        for number, workshop_key, start, households_n in claims:
            workshop = workshops[workshop_key]
            batch = batch_claim(actor=workshop.lead, batch_id=batches[number].pk)
            if not start:
                continue
            batch = batch_start_production(batch_id=batch.pk, actor=workshop.lead)
            _issue_and_return(ctx, batch, workshop, households_n, rng)
            in_production.append(batch)

    # One claim whose materials never came: the beat task will reopen it.
    stale = orders["belt"].batches.get(number=5)
    Batch.objects.filter(pk=stale.pk).update(claimed_at=timezone.now() - timedelta(hours=80))

    ctx.objects["orders"] = orders
    ctx.objects["batches_in_production"] = in_production


def _issue_and_return(ctx: DemoContext, batch: Batch, workshop, households_n: int, rng) -> None:
    lead = workshop.lead
    households = list(workshop.households.filter(is_active=True).order_by("pk"))
    chosen = rng.sample(households, min(households_n, len(households)))
    share = batch.quantity // len(chosen)
    for i, household in enumerate(chosen):
        quantity = share if i < len(chosen) - 1 else batch.quantity - share * (len(chosen) - 1)
        ticket, _ = ticket_issue(
            actor=lead, batch_id=batch.pk, household_id=household.pk, quantity=quantity
        )
        roll = rng.random()
        if roll < 0.15:
            continue  # still working on it
        returned = quantity if roll > 0.5 else int(quantity * rng.uniform(0.5, 0.95))
        lost = 0
        if returned == quantity and rng.random() < 0.3:
            lost = rng.randint(1, 3)
            returned -= lost
        ticket_return_record(
            actor=lead,
            ticket_id=ticket.pk,
            returned=returned,
            lost=lost,
            loss_reason=rng.choice(LOSS_REASONS) if lost else "",
        )
