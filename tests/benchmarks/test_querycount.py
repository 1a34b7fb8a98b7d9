"""The load benchmark's query counter: each response says how many queries it ran."""

from django.test import Client

from tests.factories import make_user


def test_responses_carry_their_query_count_when_the_counter_is_on(db, settings):
    settings.MIDDLEWARE = ["benchmarks.querycount.QueryCountMiddleware", *settings.MIDDLEWARE]
    client = Client()
    client.force_login(make_user("operator"))

    response = client.get("/ops/payouts/")

    assert response.status_code == 200
    assert int(response["X-Bench-Queries"]) >= 2  # the session's user, then the periods
    assert float(response["X-Bench-Server-ms"]) >= float(response["X-Bench-DB-ms"]) >= 0


def test_the_project_settings_do_not_count(db):
    response = Client().get("/login/")
    assert "X-Bench-Queries" not in response
