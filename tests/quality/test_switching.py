"""ISO 2859-1 switching rules, per workshop and product, kept as history."""

import pytest

from quality.errors import InspectionStopped, SwitchingRefused
from quality.models import SwitchingEvent, SwitchingState
from quality.sampling import SwitchingCounters, switching_next, switching_score_after
from quality.services import switching_approve_reduced, switching_resume

from .factories import finished_lot, inspect, make_batch, make_order, returned


def run(results: str, severity: str = "normal") -> list[str]:
    """Severities after each lot of ``results`` ("A" accepted, "R" not)."""
    counters = SwitchingCounters(severity=severity)
    seen = []
    for r in results:
        switching_next(counters, accepted=r == "A", score=0)
        seen.append(counters.severity[0].upper() + ("!" if counters.stopped else ""))
    return seen


def test_two_rejections_within_five_lots_tighten():
    assert run("ARAR") == ["N", "N", "N", "T"]
    assert run("RAAAR") == ["N", "N", "N", "N", "T"]


def test_two_rejections_six_lots_apart_do_not_tighten():
    assert run("RAAAAR") == ["N"] * 6


def test_five_consecutive_acceptances_under_tightened_return_to_normal():
    assert run("AAAARAAAAA", "tightened") == ["T"] * 9 + ["N"]


def test_five_rejections_under_tightened_stop_inspection():
    assert run("RARARARAR", "tightened")[-1] == "T!"
    assert run("RRRR", "tightened")[-1] == "T"


def test_any_rejection_under_reduced_returns_to_normal():
    assert run("AAR", "reduced") == ["R", "R", "N"]


def test_switching_score_adds_3_when_a_tighter_aql_would_also_accept():
    # Ac >= 2: +3 if the lot would be accepted one AQL step tighter, otherwise back to 0.
    assert (
        switching_score_after(6, accepted=True, plan_accept=5, nonconforming=2, tighter_accept=3)
        == 9
    )
    assert (
        switching_score_after(6, accepted=True, plan_accept=5, nonconforming=4, tighter_accept=3)
        == 0
    )


def test_a_rejected_lot_resets_the_switching_score_even_when_its_count_is_low():
    # 9.3.3.2: +3 only for a lot that is accepted and would be at the tighter AQL too. A lot
    # rejected for a critical defect with 2 nonconforming (≤ Ac 5, ≤ tighter Ac 3) gets 0.
    assert (
        switching_score_after(6, accepted=False, plan_accept=5, nonconforming=2, tighter_accept=3)
        == 0
    )
    assert (
        switching_score_after(6, accepted=False, plan_accept=1, nonconforming=0, tighter_accept=0)
        == 0
    )


def test_switching_score_adds_2_per_accepted_lot_when_ac_is_0_or_1():
    assert (
        switching_score_after(4, accepted=True, plan_accept=1, nonconforming=1, tighter_accept=0)
        == 6
    )
    assert (
        switching_score_after(4, accepted=False, plan_accept=1, nonconforming=2, tighter_accept=0)
        == 0
    )


# --- Through real inspections ---------------------------------------------------------------


@pytest.fixture
def lots_of(workshop):
    """Make finished lots of 100 pieces for one product (lot 100 at AQL 2.5: F 20, Ac 1)."""
    order = make_order(product="流苏挂件")

    def make(count: int):
        batch = make_batch(workshop, order=order)
        household = returned(batch, pieces=100 * count)
        return [finished_lot(batch, {household: 100}) for _ in range(count)]

    return make


def test_lots_go_tightened_and_back_with_history(db, checker, workshop, lots_of):
    lots = lots_of(8)
    results = "ARR" + "AAAAA"
    for lot, result in zip(lots, results, strict=True):
        defects = [] if result == "A" else [("stain", "major", 2, None)]
        inspect(lot, checker, *defects)
    state = SwitchingState.objects.get(workshop=workshop, product="流苏挂件")
    assert state.severity == "normal"
    history = list(SwitchingEvent.objects.filter(state=state).values_list("to_severity", "reason"))
    assert history == [("tightened", "2_of_5_rejected"), ("normal", "5_accepted")]
    # Lots 4-8 were inspected under tightened.
    from quality.models import Inspection

    severities = list(
        Inspection.objects.filter(lot__in=lots)
        .order_by("created_at")
        .values_list("severity", flat=True)
    )
    assert severities == ["normal"] * 3 + ["tightened"] * 5


def test_reinspection_after_rework_does_not_count_for_switching(db, checker, workshop, lots_of):
    from quality.services import inspection_dispose

    (lot,) = lots_of(1)
    first = inspect(lot, checker, ("stain", "major", 2, None))
    inspection_dispose(actor=checker, inspection_id=first.pk, disposition="rework")
    inspect(lot, checker, ("stain", "major", 2, None))
    state = SwitchingState.objects.get(workshop=workshop)
    assert state.recent == "R"


def test_stopped_inspection_refuses_lots_until_the_operator_resumes(
    db, operator, checker, workshop, lots_of
):
    lots = lots_of(8)
    for lot in lots[:7]:
        inspect(lot, checker, ("stain", "major", 2, None))
    state = SwitchingState.objects.get(workshop=workshop)
    assert (state.severity, state.stopped) == ("tightened", True)
    with pytest.raises(InspectionStopped):
        inspect(lots[7], checker)
    switching_resume(actor=operator, state_id=state.pk)
    assert inspect(lots[7], checker).severity == "tightened"


def test_reduced_needs_the_score_and_the_operators_approval(
    db, operator, checker, workshop, lots_of
):
    lots = lots_of(15)
    for lot in lots[:14]:
        inspect(lot, checker)  # Ac = 1: +2 a lot, 14 lots → 28
    state = SwitchingState.objects.get(workshop=workshop)
    assert state.switching_score == 28
    with pytest.raises(SwitchingRefused):
        switching_approve_reduced(actor=operator, state_id=state.pk)
    inspect(lots[14], checker)
    state.refresh_from_db()
    assert state.reduced_eligible
    from core.errors import Forbidden

    with pytest.raises(Forbidden):
        switching_approve_reduced(actor=checker, state_id=state.pk)
    assert switching_approve_reduced(actor=operator, state_id=state.pk).severity == "reduced"
    assert SwitchingEvent.objects.filter(state=state, reason="approved_reduced").exists()


def test_a_lot_rejected_for_a_critical_defect_resets_the_score(db, checker, workshop):
    # Lots of 1000 at AQL 2.5: J, 80, Ac 5; one step tighter (1.5) J holds Ac 3.
    order = make_order(product="草编提篮")
    batch = make_batch(workshop, order=order, quantity=2000)
    household = returned(batch, pieces=2000)
    first, second = (finished_lot(batch, {household: 1000}) for _ in range(2))
    assert inspect(first, checker).verdict == "accepted"
    state = SwitchingState.objects.get(workshop=workshop, product="草编提篮")
    assert state.switching_score == 3
    rejected = inspect(second, checker, ("missing_part", "critical", 1, None))
    assert (rejected.verdict, rejected.accept, rejected.nonconforming) == ("rejected", 5, 1)
    state.refresh_from_db()
    assert (state.switching_score, state.recent) == (0, "AR")


def test_switching_is_per_workshop_and_product(db, checker, workshop, lots_of):
    lots = lots_of(2)
    for lot in lots:
        inspect(lot, checker, ("stain", "major", 2, None))
    other_order = make_order(product="钩针杯垫")
    batch = make_batch(workshop, order=other_order)
    hh = returned(batch, pieces=100)
    other = finished_lot(batch, {hh: 100})
    assert inspect(other, checker).severity == "normal"
