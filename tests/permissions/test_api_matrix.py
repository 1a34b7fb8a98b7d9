"""The permission matrix of the API (issue 11's proof of "everyone sees only their own").

Generated from /api/v1/openapi.json: every operation that takes a reference — a path
parameter, a query filter naming an id, or a body field ending in ``_id``/``_ids``/``code`` —
is called by every role of the other world (merchant, lead, checker, trainer; operators see
everything, so they are never foreign) and anonymously, both ways round (ALFA's users at
BRAVO's objects and BRAVO's at ALFA's). The answer must be 401 (anonymous) or 403/404 (a
foreign role), with nothing of the other world in it, and no row of any table may change.

422 is accepted nowhere: every generated body passes its schema (the owners' control below
gets no 422 from any operation), so a 422 would mean the call tested nothing; the few bodies
that need more than their required fields to get past the service's own checks say so in
``matrix.BODY_EXTRA``.

A second pass ("mixed") keeps the caller's own objects everywhere but one reference, which
names the other world's: the classic leak is a form on one's own batch naming someone else's
household. There a refusal may also be 400 or 409 (the caller owns the container), but still
nothing changes and nothing of the other world shows. A third pass reads every list (GET
without an object in its path) as each role of one world: nothing of the other may be in it.
"""

import pytest

from .matrix import (
    build_call,
    changed_tables,
    database_state,
    decode,
    empty_list,
    leaked,
    operations,
    references_of,
    send,
)
from .world import ROLES

pytestmark = pytest.mark.django_db

# Operations that take a reference but are left out, each with its reason.
EXCLUDED = {
    "GET /statements/{token}": "the token is the capability: whoever holds the link reads that "
    "one household's statement, without login, by design (API.md); wrong, old and replaced "
    "tokens are 404 in tests/payouts/test_statements.py and test_statement_links.py",
    "GET /statements/{token}/pdf": "as GET /statements/{token}: the link is the capability",
    # Operations merged after the matrix's worlds were written: their own suites test the
    # foreign refusals (404/403, nothing changed); the worlds do not hold their objects yet.
    "POST /workshops/{workshop_id}/capacity-changes/{change_id}/confirm": "operator-only "
    "(403 for every other role, tests/workshops/test_skills_and_capacity.py); the worlds hold "
    "no pending capacity change yet",
    "POST /workshops/{workshop_id}/capacity-changes/{change_id}/reject": "as …/confirm",
    "PATCH /skills/{skill_code}": "a skill of the platform's catalogue belongs to no "
    "organisation; operator-only (403 role_not_allowed for every other role, nothing changed: "
    "tests/workshops/test_region_setup.py)",
    "POST /skills/{skill_code}/retire": "as PATCH /skills/{skill_code}",
    "POST /scan-exceptions/{exception_id}/resolve": "operator-only, tested in "
    "tests/quality/test_offline_arrival.py; the worlds hold no scan exception yet",
}

# (operation, role) pairs whose call may succeed: what they name is not the other world's.
ROLE_EXCLUDED = {
    ("GET /courses/{programme_id}", "trainer"): "programmes are the platform's catalogue, "
    "read by every trainer (trainees.selectors.programme_list); cohorts are what is scoped",
    ("POST /orders", "merchant"): "the body's service_center_id names a public region a "
    "merchant may publish into, not an object of another organisation",
}

# Leaks the matrix found and that are not fixed yet: (operation, reference, role) → what leaks.
# The trainer's enrolment leak it found is fixed (trainees' reach, issue 11 hole 4).
KNOWN_LEAKS: dict[tuple[str, str, str], str] = {}

# (operation, reference) pairs the mixed pass leaves out, with the reason.
MIXED_EXCLUDED = {
    ("POST /orders", "body:service_center_id"): "a service center is a public region a "
    "merchant publishes into, not an object of another organisation",
    ("PATCH /orders/{order_id}", "body:service_center_id"): "as POST /orders",
}

# Bodies that name a reference the caller chooses rather than an object it points at.
NOT_REFERENCES = {
    "POST /courses": "the body's code is the new programme's own code (operator only)",
    "POST /skills": "the body's code is the new skill's own code (operator only)",
}

FOREIGN_ROLES = (*ROLES, "anonymous")
DIRECTIONS = ("A→B", "B→A")


def matrix_operations():
    chosen = []
    for op in operations():
        if op.id in EXCLUDED:
            continue
        if op.id in NOT_REFERENCES:
            op.body_refs = [ref for ref in op.body_refs if not ref.endswith("code")]
        if op.path_params or op.query_refs or op.body_refs or op.id == "POST /scans/bulk":
            chosen.append(op)
    return chosen


MATRIX = matrix_operations()


def mixed_cases():
    cases = []
    for op in MATRIX:
        refs = references_of(op)
        if len(refs) < 2:
            continue  # one reference: the foreign pass already named it
        for ref in refs:
            if (op.id, ref) in MIXED_EXCLUDED:
                continue
            for role in ROLES:
                leak = KNOWN_LEAKS.get((op.id, ref, role))
                marks = [pytest.mark.xfail(strict=True, reason=leak)] if leak else []
                cases.append(
                    pytest.param(op, ref, role, id=f"{op.id} [{ref} foreign]-{role}", marks=marks)
                )
    return cases


def each_item_refused(response) -> bool:
    """The phone's offline queue is judged item by item (200); every item must be refused
    as not found or not allowed, with no scan recorded."""
    body = response.json()
    return body["created"] == body["replayed"] == 0 and all(
        item["status"] == "rejected" and item["error"]["code"] in ITEM_REFUSALS
        for item in body["results"]
    )


ITEM_REFUSALS = {"lot_not_found", "role_not_allowed"}


def check(response, call, target, before, *, allowed: set[int], list_may_be_empty=False):
    body = decode(response)
    after = database_state()
    status_ok = response.status_code in allowed or (
        response.status_code == 200
        and (
            (list_may_be_empty and empty_list(response))
            or (call.url.endswith("/scans/bulk") and each_item_refused(response))
        )
    )
    assert status_ok, (response.status_code, call.method, call.url, body[:400])
    assert not leaked(body, target, call), (leaked(body, target, call), body[:400])
    assert not changed_tables(before, after), changed_tables(before, after)


def foreign_cases():
    return [
        pytest.param(op, role, id=f"{op.id}-{role}")
        for op in MATRIX
        for role in FOREIGN_ROLES
        if (op.id, role) not in ROLE_EXCLUDED
    ]


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize(("op", "role"), foreign_cases())
def test_foreign_caller_is_refused(worlds, op, role, direction):
    caller, target = worlds.pair(direction)
    call = build_call(op, path_world=target, body_world=target)
    headers = {} if role == "anonymous" else caller.bearer[role]
    before = database_state()
    response = send(call, headers)
    filter_only = not op.path_params and not op.body_refs and op.method == "GET"
    check(
        response,
        call,
        target,
        before,
        allowed={401} if role == "anonymous" else {403, 404},
        list_may_be_empty=filter_only and role != "anonymous",
    )


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize(("op", "foreign_ref", "role"), mixed_cases())
def test_one_foreign_reference_among_own_is_refused(worlds, op, foreign_ref, role, direction):
    caller, target = worlds.pair(direction)
    call = build_call(
        op, path_world=caller, body_world=target, foreign_refs={foreign_ref}, own_world=caller
    )
    before = database_state()
    response = send(call, caller.bearer[role])
    check(response, call, target, before, allowed={400, 403, 404, 409})


# Lists a role may read whole: what they show belongs to no organisation.
LIST_EXCLUDED = {
    ("GET /courses", "trainer"): "the programme catalogue, as GET /courses/{programme_id}",
    **{
        ("GET /quality/sampling-plan", role): "a table of ISO 2859-1, not a list of anyone's"
        for role in ROLES
    },
}


def list_cases():
    return [
        pytest.param(op, role, id=f"{op.id}-{role}")
        for op in operations()
        if op.method == "GET" and not op.path_params and not op.public
        for role in ROLES
        if (op.id, role) not in LIST_EXCLUDED
    ]


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize(("op", "role"), list_cases())
def test_lists_show_nothing_of_the_other_world(worlds, op, role, direction):
    caller, target = worlds.pair(direction)
    call = build_call(op, path_world=caller, body_world=caller)
    for query in ("", "status=open"):  # a lead's open batches are the claimable ones
        url = call.url + (("&" if "?" in call.url else "?") + query if query else "")
        response = send(type(call)(call.method, url), caller.bearer[role])
        assert response.status_code in {200, 403}, (response.status_code, decode(response)[:300])
        body = decode(response)
        assert not leaked(body, target, call), (leaked(body, target, call), body[:400])


def test_the_matrix_covers_every_operation_that_takes_a_reference():
    """Nothing is left out silently: each operation is in the matrix, excluded with a reason,
    or takes no reference at all."""
    taking = {op.id for op in operations() if references_of(op)}
    assert taking == {op.id for op in MATRIX} | set(EXCLUDED)
    assert len(MATRIX) >= 70


@pytest.mark.parametrize("op", MATRIX, ids=lambda op: op.id)
def test_the_owners_reach_every_object_the_matrix_names(worlds, op):
    """The control: the same request with a world's own objects reaches them for the operator
    or one of that world's roles (no 404, no 422), so the refusals above are about whose
    objects they are, not about ids that name nothing or bodies that parse to nothing."""
    world = worlds.a
    call = build_call(op, path_world=world, body_world=world)
    callers = {"operator": worlds.bearer_of(worlds.operator), **world.bearer}
    statuses = {}
    for name, headers in callers.items():
        statuses[name] = send(call, headers).status_code
        if statuses[name] not in {401, 404, 422, 500}:
            break
    assert any(status not in {401, 404, 422, 500} for status in statuses.values()), statuses


def test_the_row_check_sees_an_update_and_an_insert_anywhere(worlds):
    """The harness itself: a changed value in any row is a difference, not only a count."""
    from workshops.models import Household

    before = database_state()
    Household.objects.filter(pk=worlds.a.ids["household_id"]).update(payment_account_name="探针")
    assert changed_tables(before, database_state()) == {
        "workshops_household": "4 → 4 rows (a row's values changed)"
    }
    middle = database_state()
    Household.objects.create(workshop_id=worlds.b.ids["workshop_id"], name="探针户")
    assert changed_tables(middle, database_state()) == {"workshops_household": "4 → 5 rows"}
