"""The N+1 detector runs in the test run: a page that reads a relation once per row fails."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import path
from zeal import NPlusOneError

from tests.factories import make_workshop
from workshops.models import Household


def households_with_workshop_names(request):
    # One query for the households, then one per household for its workshop: the N+1.
    names = [household.workshop.organisation.name for household in Household.objects.all()]
    return HttpResponse(", ".join(names))


def households_with_workshop_names_joined(request):
    households = Household.objects.select_related("workshop__organisation")
    return HttpResponse(", ".join(h.workshop.organisation.name for h in households))


urlpatterns = [
    path("n-plus-one/", households_with_workshop_names),
    path("joined/", households_with_workshop_names_joined),
]


def test_the_detector_is_on_in_the_test_run():
    assert settings.SHOUCHUANG_ZEAL
    assert "zeal" in settings.INSTALLED_APPS
    assert "zeal.middleware.zeal_middleware" in settings.MIDDLEWARE
    assert settings.ZEAL_RAISE


@pytest.mark.urls(__name__)
def test_a_page_reading_a_relation_per_row_raises(client, db):
    for _ in range(2):
        workshop = make_workshop()
        Household.objects.create(workshop=workshop, name="甲")
    with pytest.raises(NPlusOneError, match=r"workshops\.Household\.workshop"):
        client.get("/n-plus-one/")


@pytest.mark.urls(__name__)
def test_the_same_page_with_a_join_passes(client, db):
    names = set()
    for _ in range(2):
        workshop = make_workshop()
        names.add(workshop.organisation.name)
        Household.objects.create(workshop=workshop, name="甲")
    response = client.get("/joined/")
    assert response.status_code == 200
    assert set(response.content.decode().split(", ")) == names


def test_every_allowlisted_relation_says_why():
    for entry in settings.ZEAL_ALLOWLIST:
        assert entry["model"] and entry["why"], entry
