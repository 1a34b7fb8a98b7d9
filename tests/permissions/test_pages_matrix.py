"""The permission matrix of the phone pages: every URL pattern of the page apps that takes an
object (a ``<kwarg>`` in its path), filled with the other world's objects, opened (GET) and
submitted (POST, with a valid CSRF token and a form naming the other world's objects too) by
every role of the other world, both ways round, and anonymously.

Anonymous: a redirect to the sign-in page. A foreign role: 403 or 404, or a redirect (followed
once) to a refusal or to a page of its own that says why (a refused claim goes back to the open
batches). Never any text of the other world, never a row changed. Pages with two objects in
their path are also tried with the caller's own object and one foreign ("mixed"): there a form
error on the caller's own page (200) is a refusal too.
"""

import uuid
from datetime import timedelta

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from .matrix import (
    CSRF_TOKEN,
    REFERENCE,
    changed_tables,
    database_state,
    decode,
    leaked,
    login_redirect,
    page_client,
)
from .world import ROLES, World

pytestmark = pytest.mark.django_db

PAGE_APPS = (
    "pages",
    "trainees",
    "orders",
    "quality",
    "allocation",
    "payouts",
    "workshops",
    "accounts",
    "stories",
)

EXCLUDED = {
    "payouts:statement": "the token is the capability: the household's page opens for whoever "
    "holds the link, by design; wrong and replaced tokens are 404 in tests/payouts",
    "accounts:set_password": "the signed token is the capability: the person the operator "
    "gave the link to sets a password without login; wrong, used and expired links are 404 "
    "in tests/accounts/test_password_link.py",
    "workshops:skill": "a skill of the platform's catalogue belongs to no organisation; the "
    "page is operator-only (tests/workshops/test_region_pages.py)",
    "pages:passbook": "the card code with the household's second factor is the capability "
    "(no login, by design): lockout, factor, session and another card's refusal are tested in "
    "tests/pages/test_passbook.py",
    "pages:passbook_answer": "answers from the passbook's own open session only (as above); "
    "tested in tests/pages/test_passbook.py",
    "stories:story": "the hang-tag's code is public by design (printed on the product for any "
    "buyer); what it shows of households (consent only) is tested in tests/stories",
    "stories:story_upper": "the same public story page, by the QR's upper-case address",
    "pages:media": "takes a stored file name, not an object of a world; who may see each photo "
    "(foreign roles 404, anonymous to sign-in) is tested in tests/pages/test_media.py",
}

# Where a name is not enough (as in the API matrix): the object of that kind the page acts on.
KWARG_OVERRIDES = {
    "orders:claim": {"batch_id": "open_batch_id"},
    "quality:dispose": {"code": "rejected_code"},
    "workshops:roster_preview": {"token": "import_token"},
    "stories:hangtags": {"lot_code": "accepted_code"},
}

# The operator's period actions are one pattern with an ``action``: each is tried.
# Files offered in several formats (the transfer file, the merchant's statement): each format.
ACTIONS = {
    "action": ("compute", "approve", "paid"),
    "kind": ("csv", "xlsx"),
    "shape": ("json", "xlsx"),
}

# Pages without objects in their path that take one in the query (or the form).
QUERY_PAGES = {
    "quality:lot_open": lambda world: {"code": world.ids["code"]},
    "trainees:log": lambda world: {
        "cohort": world.ids["cohort_id"],
        "trainee": world.ids["trainee_id"],
    },
}


def page_patterns() -> list[tuple[str, list[str]]]:
    from importlib import import_module

    found = []
    for app in PAGE_APPS:
        module = import_module(f"{app}.urls")
        for entry in module.urlpatterns:
            assert isinstance(entry, URLPattern), entry
            name = f"{module.app_name}:{entry.name}"
            kwargs = list(entry.pattern.converters)
            if (kwargs or name in QUERY_PAGES) and name not in EXCLUDED:
                found.append((name, kwargs))
    return found


def url_variants() -> list[tuple[str, dict[str, str]]]:
    """(URL name, fixed kwargs), one per ``action`` value where there is one."""
    variants = []
    for name, kwargs in page_patterns():
        fixed = [{}]
        for kwarg in kwargs:
            if kwarg in ACTIONS:
                fixed = [{**f, kwarg: value} for f in fixed for value in ACTIONS[kwarg]]
        variants += [(name, f) for f in fixed]
    return variants


def kwarg_value(url_name: str, kwarg: str, world: World):
    key = KWARG_OVERRIDES.get(url_name, {}).get(kwarg) or REFERENCE.get(kwarg)
    assert key, f"no object mapped for <{kwarg}> of {url_name}: add it to REFERENCE"
    return world.ids[key]


def page_url(url_name: str, fixed: dict, worlds_for: dict[str, World], default: World) -> str:
    kwargs = dict(fixed)
    for kwarg in page_kwargs(url_name):
        if kwarg not in kwargs:
            kwargs[kwarg] = kwarg_value(url_name, kwarg, worlds_for.get(kwarg, default))
    url = reverse(url_name, kwargs=kwargs)
    if url_name in QUERY_PAGES:
        query = QUERY_PAGES[url_name](default)
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def page_kwargs(url_name: str) -> list[str]:
    return dict(page_patterns())[url_name]


def form_for(world: World) -> dict:
    """A form that would pass most of the pages' forms, naming ``world``'s objects."""
    household = world.ids["household_id"]
    ticket = world.ids["ticket_id"]
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    return {
        "csrfmiddlewaretoken": CSRF_TOKEN,
        "key": str(uuid.uuid4()),
        "client_key": str(uuid.uuid4()),
        "household": household,
        "quantity": 1,
        "returned": 1,
        "lost": 0,
        f"t{ticket}-returned": 1,
        f"t{ticket}-lost": 0,
        f"t{ticket}-key": str(uuid.uuid4()),
        "disposition": "scrap",
        f"bad-{household}": 1,
        f"share-{household}": 1,
        "reason": "探针",
        "payment_reference": "探针",
        "note": "探针",
        "cohort": world.ids["cohort_id"],
        "trainees": world.ids["trainee_id"],
        "module": world.ids["module_id"],
        "date": yesterday,
        "hours": "1",
        "activity": "探针",
        "d-TOTAL_FORMS": 0,
        "d-INITIAL_FORMS": 0,
    }


@pytest.fixture(scope="module")
def sessions(worlds, django_db_blocker):
    """A signed-in session per user of both worlds, made once for the module."""
    from django.conf import settings
    from django.test import Client

    keys = {}
    with django_db_blocker.unblock():
        for world in (worlds.a, worlds.b):
            for role, user in world.users.items():
                client = Client()
                client.force_login(user)
                keys[(world.tag, role)] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def request(client, method: str, url: str, form: dict):
    return client.get(url) if method == "GET" else client.post(url, form)


def judge(client, response, target: World, sent, *, anonymous: bool, own_page_ok: bool):
    if anonymous:
        assert login_redirect(response), (response.status_code, response.get("Location"))
        return response
    allowed = {403, 404} | ({200} if own_page_ok else set())
    if response.status_code == 302:
        location = response["Location"]
        assert not login_redirect(response), location
        # A refusal may send the caller back to a page of its own with the reason (a claim
        # refused: the open batches; a code not found: the scan page), or a GET of an action
        # to the object's page: followed once, it must land on a refusal or on the caller's
        # own page, with nothing of the other world (checked below) and nothing changed.
        response = client.get(location)
        allowed = allowed | {200}
    body = decode(response)
    assert response.status_code in allowed, (response.status_code, body[:300])
    assert not leaked(body, target, sent), (leaked(body, target, sent), body[:300])
    return response


class Sent:
    """What the caller sent (its own mention of a code is not a leak)."""

    def __init__(self, url: str, form: dict):
        self.text = f"{url} {sorted(form.items())!r}"


@pytest.mark.parametrize("direction", ("A→B", "B→A"))
@pytest.mark.parametrize("method", ("GET", "POST"))
@pytest.mark.parametrize("role", (*ROLES, "anonymous"))
@pytest.mark.parametrize(
    ("url_name", "fixed"),
    url_variants(),
    ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()) or "-",
)
def test_foreign_page_is_refused(worlds, sessions, url_name, fixed, role, method, direction):
    caller, target = worlds.pair(direction)
    url = page_url(url_name, fixed, {}, target)
    form = form_for(target)
    anonymous = role == "anonymous"
    client = page_client(None if anonymous else sessions[(caller.tag, role)])
    before = database_state()
    response = request(client, method, url, form)
    judge(client, response, target, Sent(url, form), anonymous=anonymous, own_page_ok=False)
    assert not leaked(decode(response), target, Sent(url, form))
    assert not changed_tables(before, database_state())


def mixed_variants():
    cases = []
    for name, fixed in url_variants():
        objects = [k for k in page_kwargs(name) if k not in fixed]
        if len(objects) + (name in QUERY_PAGES) < 2:
            continue
        for foreign in objects:
            cases += [
                pytest.param(name, fixed, foreign, role, id=f"{name}[{foreign} foreign]-{role}")
                for role in ROLES
            ]
    return cases


@pytest.mark.parametrize("direction", ("A→B", "B→A"))
@pytest.mark.parametrize("method", ("GET", "POST"))
@pytest.mark.parametrize(("url_name", "fixed", "foreign", "role"), mixed_variants())
def test_one_foreign_object_on_an_own_page_is_refused(
    worlds, sessions, url_name, fixed, foreign, role, method, direction
):
    caller, target = worlds.pair(direction)
    url = page_url(url_name, fixed, {foreign: target}, caller)
    form = form_for(target)
    client = page_client(sessions[(caller.tag, role)])
    before = database_state()
    response = request(client, method, url, form)
    judge(client, response, target, Sent(url, form), anonymous=False, own_page_ok=True)
    assert not changed_tables(before, database_state())


@pytest.mark.parametrize(("url_name", "fixed"), url_variants())
def test_the_owners_reach_every_page_the_matrix_names(worlds, sessions, url_name, fixed):
    """The control: with its own objects some role of the world (or the operator) gets the
    page, so the refusals above are about whose objects they are."""
    from django.test import Client

    world = worlds.a
    url = page_url(url_name, fixed, {}, world)
    statuses = {}
    for role in ROLES:
        response = page_client(sessions[(world.tag, role)]).get(url)
        statuses[role] = response.status_code
    operator = Client()
    operator.force_login(worlds.operator)
    statuses["operator"] = operator.get(url).status_code
    assert any(status in {200, 302} for status in statuses.values()), statuses
