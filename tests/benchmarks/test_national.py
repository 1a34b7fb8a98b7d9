"""The national data set at 1 % of the programme: built by the real paths, every invariant holds.

One test, one build (the build is most of its time: ~15 s on SQLite, a few on PostgreSQL).
"""

from django.utils import timezone

from benchmarks import national


def quiet(*args, **kwargs):
    pass


def test_national_set_at_one_percent_keeps_every_invariant_and_follows_the_scale(db):
    national.build(scale=0.01, seed=7, echo=quiet)

    assert national.check(echo=quiet) == []

    sizes = national.sizes_report()
    expected = national.Sizes.at(0.01)
    assert sizes["workshops.Workshop"] == expected.workshops == 20
    assert sizes["workshops.Household"] == expected.households == 610
    assert sizes["trainees.Trainee"] == expected.trainees == 1500
    assert sizes["orders.Order"] == expected.orders
    assert sizes["trainees.ProgressLog"] > sizes["trainees.Trainee"]
    # a year of history: closed batches paid, and this fortnight's work still open
    figures = national.figures()
    assert figures["ordered pieces"] >= expected.pieces * 0.95
    assert figures["open batches"] > 0
    assert figures["batches in work"] > 0
    assert 0 < figures["rejected pieces"] < figures["accepted pieces"] * 0.2
    assert sizes["quality.PieceOutcome"] > sizes["quality.Lot"] / 2
    assert sizes["quality.ScanEvent"] > 3 * sizes["quality.Lot"] / 2
    assert sizes["payouts.Statement"] > sizes["workshops.Household"]

    # periods through the real services: every month before this one approved, all but the
    # last paid; this month a draft
    from payouts.models import LedgerEntry, PayoutPeriod

    statuses = list(PayoutPeriod.objects.order_by("starts_on").values_list("status", flat=True))
    assert len(statuses) >= 13
    assert statuses[-1] == "draft"
    assert statuses[-2] == "approved"
    assert set(statuses[:-2]) == {"paid"}
    current = PayoutPeriod.objects.get(status="draft")
    assert current.starts_on == timezone.localdate().replace(day=1)
    assert LedgerEntry.objects.filter(kind="merchant_charge").exists()

    # the load benchmark finds people of every role to play, and what each may open
    from benchmarks.load import manifest

    people = manifest()
    assert people["leads"] and all(lead["batches"] for lead in people["leads"])
    assert people["checkers"] and any(c["lots"] for c in people["checkers"])
    assert people["merchants"] and people["trainers"] and people["operators"]
    assert len(people["statements"]) == min(5000, sizes["payouts.Statement"])
    assert people["open_batches"]
