"""The API answers within its own OpenAPI document, whatever it is sent (issue 11).

Schemathesis reads ``/api/v1/openapi.json`` from the WSGI application, in-process, and for every
operation, as every role (operator, merchant, lead, checker, trainer; real users with bearer
tokens) and anonymously, sends a few generated requests: valid ones, invalid ones, and valid ones
aimed at the ids of a small world that exists (so that a write reaches its service instead of a
404). Each answer must be

- no server error (``not_a_server_error``);
- a status the operation documents (``status_code_conformance``);
- of a documented content type (``content_type_conformance``);
- a body its schema describes (``response_schema_conformance``);
- and, for any 4xx, the one error body ``{"code": str, "message": str, "detail": object}``.

Then Schemathesis' coverage phase sends each operation its deterministic boundary values once,
as the role the operation is for. Anonymous requests keep the junk ``Authorization`` headers
Schemathesis makes up from the security schemes; the roles' requests carry their own token.

Generation is derandomized: the same code fuzzes the same way on every run; a failure names the
operation and role, and Hypothesis prints the request to replay (with the traceback of any error
the API logged). Each request runs in a savepoint that is rolled back, so every request meets the
same world. ``FUZZ_EXAMPLES`` (random requests per operation and role, default 6) widens a local
run; ``pytest tests/fuzz`` prints what was sent and answered.
"""

import logging
import os
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from config.wsgi import application
from tests.factories import bearer, make_household, make_user, make_workshop

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
ROLES = ("operator", "merchant", "lead", "checker", "trainer", "anonymous")

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}

# Everything sent and answered in this module, for the summary at its end.
TALLY: Counter = Counter()
STATUSES: Counter = Counter()


def error_body_shape(ctx, response, case) -> None:
    """Every 4xx is the one error body (the document says so; this says it without the doc)."""
    if not 400 <= response.status_code < 500:
        return None
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"code", "message", "detail"}, body
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["detail"], dict), body
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_body_shape,
]


class ExceptionCatcher(logging.Handler):
    """Keeps the traceback of an error the API logged, to show it beside the failing request."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> str:
        formatter = logging.Formatter()
        return "\n".join(formatter.format(record) for record in self.records)


def build_world() -> dict:
    """A small world through the services: one of everything a path can name, each role's own."""
    from allocation.services import allocation_run_start
    from orders.services import (
        batch_claim,
        batch_start_production,
        order_create,
        order_publish,
        ticket_issue,
        ticket_return_record,
    )
    from payouts.models import Statement
    from payouts.services import period_approve, period_compute, period_create
    from quality.models import SwitchingState
    from quality.services import label_sheet_create, lot_create, lot_inspect
    from tests.ui.factories import make_cohort_with_trainees

    operator = make_user(User.Role.OPERATOR)
    merchant = make_user(User.Role.MERCHANT)
    workshop = make_workshop()
    lead = workshop.lead
    checker = make_user(User.Role.CHECKER, organisation=workshop.organisation.service_center)
    trainer = make_user(User.Role.TRAINER)
    households = [make_household(workshop) for _ in range(2)]

    terms = {
        "product_name": "绕线腰带",
        "fee_per_piece": Decimal("1.20"),
        "standard_minutes": Decimal("2"),
        "required_skills": ["raoxian"],
        "deadline": timezone.localdate() + timedelta(days=20),
    }
    draft = order_create(actor=merchant, quantity=100, batch_size=50, **terms)
    order = order_create(actor=merchant, quantity=200, batch_size=100, **terms)
    order = order_publish(actor=merchant, order_id=order.pk, acknowledge_below_minimum_wage=True)
    open_batch, worked = order.batches.order_by("number")
    batch_claim(actor=lead, batch_id=worked.pk)
    batch_start_production(batch_id=worked.pk, actor=None)
    tickets = []
    for household in households:
        ticket, _ = ticket_issue(
            actor=lead, batch_id=worked.pk, household_id=household.pk, quantity=30
        )
        ticket_return_record(actor=lead, ticket_id=ticket.pk, returned=30)
        tickets.append(ticket)
    lot = lot_create(
        actor=lead,
        batch_id=worked.pk,
        kind="finished",
        quantity=60,
        shares=[{"household_id": h.pk, "quantity": 30} for h in households],
    )
    inspection = lot_inspect(actor=checker, code=lot.code, defects=[])
    state = SwitchingState.objects.get(workshop=workshop)
    sheet = label_sheet_create(actor=lead, lot_codes=[lot.code])

    today = timezone.localdate()
    period = period_create(
        actor=operator, name="本月加工费", starts_on=today.replace(day=1), ends_on=today
    )
    period_compute(period_id=period.pk, actor=operator)
    period_approve(period_id=period.pk, actor=operator)
    statement = Statement.objects.filter(period=period).first()

    cohort, trainees = make_cohort_with_trainees(trainer, ["学员甲", "学员乙"])
    from trainees.services import assessment_record

    assessment = assessment_record(
        actor=trainer,
        trainee_id=trainees[0].pk,
        module_id=cohort.programme.modules.first().pk,
        score=80,
        assessed_on=today,
    )
    run = allocation_run_start(actor=operator, batch_ids=[open_batch.pk], background=False)

    users = {
        "operator": operator,
        "merchant": merchant,
        "lead": lead,
        "checker": checker,
        "trainer": trainer,
    }
    ids = {
        "workshop_id": workshop.pk,
        "order_id": order.pk,
        "batch_id": worked.pk,
        "ticket_id": tickets[0].pk,
        "code": lot.code,
        "sheet_id": sheet.pk,
        "inspection_id": inspection.pk,
        "state_id": state.pk,
        "period_id": period.pk,
        "token": statement.token,
        "programme_id": cohort.programme_id,
        "cohort_id": cohort.pk,
        "trainee_id": trainees[0].pk,
        "assessment_id": assessment.pk,
        "task_id": sheet.job_id,
        "run_id": run.pk,
    }
    # Where the operation wants another object than the path's usual one to get anywhere.
    ids_for = {
        "PATCH /api/v1/orders/{order_id}": {"order_id": draft.pk},
        "POST /api/v1/orders/{order_id}/publish": {"order_id": draft.pk},
        "POST /api/v1/batches/{batch_id}/claim": {"batch_id": open_batch.pk},
    }
    return {
        "headers": {role: bearer(user) for role, user in users.items()} | {"anonymous": {}},
        "ids": ids,
        "ids_for": ids_for,
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once for the module inside a transaction rolled back at its end; each
    test's own transaction (pytest-django's ``db``) nests inside it, as setUpTestData's does."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def wsgi_in_test_transaction():
    """Requests straight to the WSGI handler end with close_old_connections, which would close
    the test's connection (and its transaction); Django's test Client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def real_ids(operation, world: dict) -> dict:
    """The path parameters of ``operation`` that name objects of the world."""
    names = {parameter.name for parameter in operation.path_parameters}
    found = {name: value for name, value in world["ids"].items() if name in names}
    return found | world["ids_for"].get(operation.label, {})


def strategies(operation, world: dict):
    """Valid and invalid requests; and valid ones at existing ids, where the path takes any."""
    found = [
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    if real := real_ids(operation, world):
        found.append(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=real)
        )
    return found


@pytest.fixture
def send(world, db, wsgi_in_test_transaction):
    """``send(case, role)``: the request as ``role``, in a savepoint rolled back after it, and
    its answer checked; a failure carries the traceback of any error the API logged."""
    catcher = ExceptionCatcher()
    logging.getLogger().addHandler(catcher)

    def call_and_check(case, role: str) -> None:
        # GZipMiddleware would compress the answers and the WSGI transport does not inflate them.
        headers = {"Accept-Encoding": "identity", **world["headers"][role]}
        catcher.records.clear()
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        TALLY["calls"] += 1
        STATUSES[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as failure:
            if catcher.records:
                failure.add_note(catcher.tracebacks())
            raise

    yield call_and_check
    logging.getLogger().removeHandler(catcher)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_operation_answers_within_its_document(label, role, world, send):
    operation = OPERATIONS[label]
    TALLY["tests"] += 1

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(*strategies(operation, world)))
    def fuzz(case):
        send(case, role)

    fuzz()


# Who each operation is for (the first pattern its label matches; otherwise the operator): the
# boundary values below are sent as that role, so that valid ones get past the role check.
PRINCIPALS = (
    (r"^POST /api/v1/auth/token$|/statements/", "anonymous"),
    (r"/inspections", "checker"),
    (r"/batches|/tickets|/lots|/labels|/scans", "lead"),
    (r"/orders|/api-keys|/webhooks", "merchant"),
    (r"/trainees|/progress|/cohorts|/assessments", "trainer"),
)


def principal(label: str) -> str:
    return next((role for pattern, role in PRINCIPALS if re.search(pattern, label)), "operator")


@settings(
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit],  # Schemathesis' coverage phase only: no random generation here
    suppress_health_check=list(HealthCheck),
)
@SCHEMA.parametrize()
def test_boundary_values_are_answered_within_the_document(case, world, send):
    """Schemathesis' deterministic boundary values of every parameter and field (the shortest
    and longest strings, the edges of each number, each enum value, each missing field, wrong
    types, methods the path does not take), as the operation's principal."""
    TALLY["coverage calls"] += 1
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        # A valid case may as well name objects that exist: it then reaches the service.
        case.path_parameters = {**(case.path_parameters or {}), **real_ids(case.operation, world)}
    send(case, principal(case.operation.label))


def answer(status: int, body: bytes) -> schemathesis.Response:
    """A response as if GET /api/v1/me had answered it."""
    import requests

    return schemathesis.Response(
        status_code=status,
        headers={"content-type": ["application/json"]},
        content=body,
        request=requests.Request("GET", "http://localhost/api/v1/me").prepare(),
        elapsed=0.0,
        verify=False,
    )


FORBIDDEN = b'{"code": "forbidden", "message": "no", "detail": {}}'


@pytest.mark.parametrize(
    ("status", "body", "check"),
    [
        (500, b'{"code": "server_error", "message": "oops", "detail": {}}', not_a_server_error),
        (403, b'{"error": "forbidden"}', error_body_shape),
        (403, b'{"code": "forbidden", "message": "no", "detail": []}', error_body_shape),
        (409, FORBIDDEN, status_code_conformance),  # GET /me does not document a 409
        (200, b'{"username": 1}', response_schema_conformance),
    ],
)
def test_each_check_refuses_what_it_is_for(status, body, check):
    case = OPERATIONS["GET /api/v1/me"].Case()
    with pytest.raises(FailureGroup):
        case.validate_response(answer(status, body), checks=[check])


def test_the_checks_pass_the_one_error_body():
    OPERATIONS["GET /api/v1/me"].Case().validate_response(answer(403, FORBIDDEN), checks=CHECKS)
