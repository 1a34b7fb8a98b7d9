"""Orders, batches, tickets, lots, scans, inspections and outcomes: the year's production."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.apps import apps

from ._base import DAY, PRODUCTS, SEASON, World, lot_code, split


def make_orders(world: World) -> None:
    Order = apps.get_model("orders", "Order")
    OrderSkill = Order.required_skills.through
    sink, rng, s, now = world.sink, world.rng, world.sizes, world.now
    # Quantities: log-normal from a few hundred up, scaled to the year's pieces; from scale 0.3
    # one merchant's 2.8-million-piece belt order to one region (the seed text's figure).
    raw = [rng.lognormvariate(math.log(20_000), 1.6) for _ in range(s.orders)]
    total = sum(raw)
    quantities = [max(300, int(q / total * s.pieces)) for q in raw]
    big = s.scale >= 0.3
    if big:
        quantities[0] = 2_800_000
    month_weights = SEASON
    by_skill = defaultdict(list)
    for w in world.workshops:
        for code in w["skills"]:
            by_skill[code].append(w)
    for n, quantity in enumerate(quantities):
        product, skill, fee, minutes = PRODUCTS[0] if big and n == 0 else rng.choice(PRODUCTS)
        merchant, merchant_user = world.merchants[
            0 if n == 0 else rng.randrange(len(world.merchants))
        ]
        month = rng.choices(range(12), weights=month_weights)[0]
        published = world.start + timedelta(
            days=month * 30.4 + rng.uniform(0, 30), hours=rng.uniform(8, 18)
        )
        if n == 0 and big:
            published = world.start + timedelta(days=20)
        if n >= s.orders - max(2, s.orders // 20):  # this fortnight's orders: still open
            published = now - timedelta(days=rng.uniform(0.2, 14))
        if published > now - timedelta(hours=2):
            published = now - timedelta(days=rng.uniform(1, 20))
        nb_target = max(1, min(600, round(quantity / 2000)))
        batch_size = -(-quantity // nb_target)
        batch_size = min(quantity, max(200, int(round(batch_size, -2))))
        batches = -(-quantity // batch_size)
        # Spread the order's batches: big orders keep coming through the months.
        span = min(320.0, 3 + batches * 0.45)
        deadline = (published + timedelta(days=span + 30 + rng.uniform(0, 30))).date()
        fee_d = Decimal(fee) * Decimal(rng.choice(("0.9", "1", "1", "1.1", "1.2")))
        region = world.centres[0] if n == 0 and big else None
        order_id = sink.new_id(Order)
        order_row = {
            "id": order_id,
            "merchant_id": merchant,
            "created_by_id": merchant_user,
            "product_name": f"{product}·{n:03d}",
            "spec": f"{product}，按样品{n:03d}",
            "quantity": quantity,
            "fee_per_piece": fee_d.quantize(Decimal("0.0001")),
            "rework_fee_per_piece": (fee_d * Decimal("0.8")).quantize(Decimal("0.0001"))
            if n % 3 == 0
            else None,
            "standard_minutes": Decimal(minutes),
            "deadline": deadline,
            "batch_size": batch_size,
            "aql": Decimal(rng.choice(("1.5", "2.5", "2.5", "4.0"))),
            "inspection_level": "II",
            "service_center_id": region,
            "status": "published",
            "created_at": published - timedelta(hours=3),
            "published_at": published,
        }
        sink.add(OrderSkill, {"order_id": order_id, "skill_id": world.skills[skill]})
        candidates = by_skill.get(skill) or world.workshops
        if region:
            candidates = [w for w in world.workshops if w["centre"] == region] or candidates
        all_closed = True
        left = quantity
        for b in range(batches):
            size = min(batch_size, left)
            left -= size
            offset = span * b / batches
            closed = make_batch(
                world,
                order_row,
                b + 1,
                size,
                published + timedelta(days=offset),
                Decimal(minutes),
                candidates,
            )
            all_closed = all_closed and closed
        if all_closed:
            order_row["status"] = "completed"
        sink.add(Order, order_row)
        world.counts["orders"] += 1


def make_batch(world, order, number, quantity, available, minutes, candidates) -> bool:
    """One batch's life up to now; returns True when it is closed. Its row is queued last,
    when its status is known (a queued row may be written at once)."""
    row = {
        "id": world.sink.new_id(apps.get_model("orders", "Batch")),
        "order_id": order["id"],
        "number": number,
        "quantity": quantity,
        "status": "open",
        "updated_at": min(world.now, available),
    }
    try:
        return _batch_life(world, row, order, minutes, candidates)
    finally:
        world.sink.add(apps.get_model("orders", "Batch"), row)
        world.counts["batches"] += 1


def _batch_life(world, row, order, minutes, candidates) -> bool:
    BatchEvent = apps.get_model("orders", "BatchEvent")
    sink, rng, now = world.sink, world.rng, world.now
    batch, quantity, available = row["id"], row["quantity"], row["updated_at"]
    claim = available + timedelta(days=rng.expovariate(1 / 1.5))
    if claim > now:
        return False
    workshop = rng.choices(candidates, weights=[w["size"] for w in candidates])[0]
    members = world.households[workshop["id"]]
    k = max(1, min(len(members), 40, quantity // 120 + 1))
    start = claim + timedelta(days=rng.uniform(0.5, 3))
    per_day = k * 240 / float(minutes)  # pieces a day: four hours a household
    returned = start + timedelta(days=max(1.0, quantity / per_day) * rng.uniform(0.8, 1.3))
    row.update(workshop_id=workshop["id"], claimed_by_id=workshop["lead"], claimed_at=claim)
    lead, checkers = workshop["lead"], world.checkers[workshop["centre"]]

    def event(before, after, at, actor):
        sink.add(
            BatchEvent,
            {
                "batch_id": batch,
                "from_status": before,
                "to_status": after,
                "workshop_id": workshop["id"],
                "actor_id": actor,
                "reason": "",
                "at": at,
            },
        )

    event("open", "claimed", claim, lead)
    row.update(status="claimed", updated_at=claim)
    # materials go out from the centre, received at the workshop when production starts
    material = make_lot(
        world, batch, workshop, "material", quantity, claim + timedelta(hours=4), checkers
    )
    scans = [
        ("packed", claim + timedelta(hours=4), checkers[0]),
        ("shipped", claim + timedelta(hours=8), checkers[0]),
        ("received", start, lead),
    ]
    write_scans(world, material, [sc for sc in scans if sc[1] <= now])
    add_lot(world, material)
    if start > now:
        return False
    row.update(status="in_production", production_started_at=start, updated_at=start)
    event("claimed", "in_production", start, lead)
    chosen = rng.sample(members, k)
    issued = split(quantity, k, rng)
    done = min(1.0, (now - start) / (returned - start))
    returned_by = make_tickets(world, batch, chosen, issued, start, returned, done, lead)
    if returned > now:
        return False
    row.update(status="returned", updated_at=returned)
    event("in_production", "returned", returned, lead)
    closed_at = make_finished_lots(world, batch, order, workshop, returned_by, returned, checkers)
    if closed_at is None:
        return False
    inspected_at, closed_at = closed_at
    row.update(status="inspected", updated_at=inspected_at)
    event("returned", "inspected", inspected_at, checkers[0])
    if closed_at > now:
        return False
    row.update(status="closed", updated_at=closed_at)
    event("inspected", "closed", closed_at, checkers[0])
    return True


def make_tickets(world, batch, households, issued, start, returned, done, lead) -> dict[int, int]:
    Ticket = apps.get_model("orders", "Ticket")
    TicketReturn = apps.get_model("orders", "TicketReturn")
    sink, rng = world.sink, world.rng
    returned_by = {}
    for household, count in zip(households, issued, strict=True):
        lost = 1 if count > 50 and rng.random() < 0.03 else 0
        back = int((count - lost) * done) if done < 1 else count - lost
        lost = lost if done >= 1 else 0
        ticket = sink.add(
            Ticket,
            {
                "batch_id": batch,
                "household_id": household,
                "issued": count,
                "returned": back,
                "lost": lost,
                "issued_by_id": lead,
                "issued_at": start,
                "idempotency_key": uuid.UUID(int=rng.getrandbits(128)),
            },
        )
        world.counts["tickets"] += 1
        if back or lost:
            first = back // 2 if done >= 1 and back > 1 else back
            sink.add(
                TicketReturn,
                {
                    "ticket_id": ticket,
                    "returned": first,
                    "lost": 0 if first != back else lost,
                    "loss_reason": "" if first != back or not lost else "运输途中遗失",
                    "recorded_by_id": lead,
                    "recorded_at": start + (returned - start) * 0.5,
                },
            )
            if first != back:
                sink.add(
                    TicketReturn,
                    {
                        "ticket_id": ticket,
                        "returned": back - first,
                        "lost": lost,
                        "loss_reason": "运输途中遗失" if lost else "",
                        "recorded_by_id": lead,
                        "recorded_at": returned,
                    },
                )
        if back:
            returned_by[household] = back
    return returned_by


def make_lot(world, batch, workshop, kind, quantity, at, checkers, **extra) -> dict:
    Lot = apps.get_model("quality", "Lot")
    lot = {
        "kind": kind,
        "batch_id": batch,
        "workshop_id": workshop["id"],
        "quantity": quantity,
        "created_by_id": checkers[0] if kind == "material" else workshop["lead"],
        "created_at": at,
        "round_started_at": at,
        "stage_changed_at": at,
        "stage": "packed",
        "verdict": "pending",
        "round": 1,
        **extra,
    }
    lot["id"] = world.sink.new_id(Lot)
    lot["code"] = lot_code(lot["id"])
    return lot


def add_lot(world, lot: dict) -> None:
    """Queue a lot once its scans have moved it to where it stands."""
    world.sink.add(apps.get_model("quality", "Lot"), lot)
    world.counts["lots"] += 1


def write_scans(world, lot, scans) -> None:
    """Custody scans (action, device time, actor), in order; the lot ends at the last one."""
    ScanEvent = apps.get_model("quality", "ScanEvent")
    ScanKey = apps.get_model("quality", "ScanKey")
    if not getattr(world, "scan_months_made", False):
        # The year's monthly partitions before its first scan (PostgreSQL; quality/partitions.py),
        # so that COPY puts each row in its month, not in DEFAULT.
        from quality.partitions import scan_partitions_ensure

        scan_partitions_ensure(since=world.start - timedelta(days=31))
        world.scan_months_made = True
    rng = world.rng
    for action, at, actor in scans:
        key = uuid.UUID(int=rng.getrandbits(128)).hex
        # a phone offline in the mountains sends some scans days later
        late = (
            timedelta(days=rng.uniform(1, 4))
            if rng.random() < 0.05
            else timedelta(seconds=rng.uniform(1, 60))
        )
        recorded_at = min(world.now, at + late)
        event_id = world.sink.add(
            ScanEvent,
            {
                "key": key,
                "body_hash": key + key,
                "lot_id": lot["id"],
                "action": action,
                "device_time": at,
                "recorded_at": recorded_at,
                "actor_id": actor,
                "applied": True,
                "flag": "",
                "stage_before": lot["stage"],
                "stage_after": action,
                "note": "",
            },
        )
        world.sink.add(
            ScanKey,
            {"key": key, "body_hash": key + key, "event_id": event_id, "recorded_at": recorded_at},
        )
        lot["stage"], lot["stage_changed_at"] = action, at
        world.counts["scans"] += 1


PLANS: dict[tuple[int, Decimal], object] = {}


def plan_for(size: int, aql: Decimal):
    from quality.sampling import sampling_plan

    key = (size, aql)
    if key not in PLANS:
        PLANS[key] = sampling_plan(size, aql, "II", "normal")
    return PLANS[key]


def make_finished_lots(world, batch, order, workshop, returned_by, returned, checkers):
    """Pack the returned pieces into lots, move and inspect them; (inspected_at, closed_at) of the
    batch when every lot is decided by now, else None."""
    Inspection = apps.get_model("quality", "Inspection")
    LotShare = apps.get_model("quality", "LotShare")
    Defect = apps.get_model("quality", "Defect")
    Outcome = apps.get_model("quality", "PieceOutcome")
    sink, rng, now = world.sink, world.rng, world.now
    order_id, aql = order["id"], order["aql"]
    total = sum(returned_by.values())
    lot_count = max(1, -(-total // 1000))
    sizes = split(total, lot_count, rng)
    queue = sorted(returned_by.items())
    lead = workshop["lead"]
    finals = []
    for size in sizes:
        shares: dict[int, int] = {}
        need = size
        while need:
            household, left = queue[0]
            take = min(left, need)
            shares[household] = shares.get(household, 0) + take
            need -= take
            if take == left:
                queue.pop(0)
            else:
                queue[0] = (household, left - take)
        packed = returned - timedelta(hours=rng.uniform(1, 12))
        lot = make_lot(world, batch, workshop, "finished", size, packed, checkers)
        for household, quantity in shares.items():
            sink.add(
                LotShare, {"lot_id": lot["id"], "household_id": household, "quantity": quantity}
            )
        shipped = returned + timedelta(hours=rng.uniform(2, 24))
        received = shipped + timedelta(days=rng.uniform(1, 3))
        inspected = received + timedelta(hours=rng.uniform(2, 30))
        checker = rng.choice(checkers)
        walk = [
            ("packed", packed, lead),
            ("shipped", shipped, lead),
            ("received", received, checker),
        ]
        write_scans(world, lot, [sc for sc in walk if sc[1] <= now])
        if inspected > now:
            finals.append(None)
            add_lot(world, lot)
            continue
        plan = plan_for(size, aql)
        rejected_first = rng.random() < workshop["reject"] and inspected + timedelta(days=6) < now
        round_ = 1

        def inspect(
            at, reject, rework, plan=plan, shares=shares, lot=lot, size=size, checker=checker
        ):
            nonlocal round_
            inspection = {
                "lot_id": lot["id"],
                "round": round_,  # noqa: B023 - the lot's round, moved on by rework
                "checker_id": checker,
                "severity": "normal",
                "level": "II",
                "aql": aql,
                "code_letter": plan.code_letter,
                "lot_size": size,
                "sample_size": plan.sample_size,
                "accept": plan.accept,
                "reject": plan.reject,
                "critical": 0,
                "note": "",
                "created_at": at,
            }
            if reject:
                nc = min(plan.sample_size, plan.reject + rng.randint(0, 2))
            else:
                nc = rng.randint(0, plan.accept) if rng.random() < 0.4 else 0
            inspection.update(nonconforming=nc, verdict="rejected" if reject else "accepted")
            disposition = ""
            if reject:
                disposition = "rework" if rework else rng.choice(("sort", "sort", "sort", "scrap"))
            inspection["disposition"] = disposition
            decided = not reject or disposition in ("sort", "scrap")
            decided_at = at + (timedelta(hours=rng.uniform(2, 20)) if reject else timedelta(0))
            inspection["decided_at"] = decided_at if decided else None
            inspection_id = sink.add(Inspection, inspection)
            world.counts["inspections"] += 1
            traced = rng.choice(list(shares)) if nc else None
            if nc:
                sink.add(
                    Defect,
                    {
                        "inspection_id": inspection_id,
                        "kind": rng.choice(
                            (
                                "loose_thread",
                                "loose_knot",
                                "size_mismatch",
                                "stain",
                                "colour_difference",
                            )
                        ),
                        "defect_class": rng.choice(("major", "minor", "minor")),
                        "count": nc,
                        "household_id": traced,
                    },
                )
            if decided:
                for household, quantity in sorted(shares.items()):
                    if disposition == "scrap":
                        bad = quantity
                    elif disposition == "sort":
                        bad = min(
                            quantity,
                            int(quantity * rng.uniform(0.02, 0.12))
                            + (nc if household == traced else 0),
                        )
                    else:
                        bad = min(quantity, nc) if household == traced else 0
                    sink.add(
                        Outcome,
                        {
                            "lot_id": lot["id"],
                            "inspection_id": inspection_id,
                            "household_id": household,
                            "batch_id": batch,
                            "order_id": order_id,
                            "accepted": quantity - bad,
                            "rejected": bad,
                            "is_rework": round_ > 1,  # noqa: B023
                            "decided_at": decided_at,
                        },
                    )
                    world.counts["outcomes"] += 1
            return decided, disposition, decided_at

        scan_inspected = [("inspected", inspected, checker)]
        write_scans(world, lot, scan_inspected)
        if rejected_first:
            rework = rng.random() < 0.35
            _, disposition, decided_at = inspect(inspected, True, rework)
            if disposition == "rework":
                back = decided_at + timedelta(days=1)
                lot.update(
                    round=2,
                    round_started_at=decided_at,
                    verdict="rework",
                    stage="packed",
                    stage_changed_at=decided_at,
                )
                round_ = 2
                again = back + timedelta(days=rng.uniform(2, 4))
                write_scans(
                    world,
                    lot,
                    [
                        ("shipped", back, lead),
                        ("received", back + timedelta(days=1), checker),
                        ("inspected", again, checker),
                    ],
                )
                _, disposition, decided_at = inspect(again, False, False)
                lot["verdict"] = "accepted"
            else:
                lot["verdict"] = "sorted" if disposition == "sort" else "scrapped"
        else:
            _, disposition, decided_at = inspect(inspected, False, False)
            lot["verdict"] = "accepted"
        if lot["verdict"] in ("accepted", "sorted"):
            delivered = decided_at + timedelta(days=rng.uniform(0.5, 3))
            if delivered <= now:
                write_scans(world, lot, [("delivered", delivered, checker)])
                finals.append((decided_at, delivered))
            else:
                finals.append((decided_at, None))
        else:
            finals.append((decided_at, decided_at))
        add_lot(world, lot)
    if any(f is None for f in finals):
        return None
    inspected_at = max(f[0] for f in finals)
    if any(f[1] is None for f in finals):
        return inspected_at, now + DAY
    return inspected_at, max(f[1] for f in finals) + timedelta(hours=2)
