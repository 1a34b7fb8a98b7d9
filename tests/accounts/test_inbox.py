"""The inbox: every notice a person was sent is kept and readable on /inbox/ and in the API,
only by that person; marking read touches nobody else's notices."""

import pytest
from django.urls import reverse

from accounts.models import InboxItem, User
from accounts.notifications import MemoryBackend, NotificationFailed, notify_user
from tests.factories import make_user

pytestmark = pytest.mark.django_db


class FailingBackend:
    def send(self, notice):
        raise NotificationFailed("gateway down")


def _tell(user, n=1, **kwargs):
    for i in range(n):
        notify_user(
            user=user,
            kind="batch_assigned",
            text=f"批次 {i} 已分给您的工坊",
            data={"batch_id": i},
            link=f"/work/batches/{i}/",
            backend=MemoryBackend(),
            **kwargs,
        )


def test_a_notice_is_kept_in_the_inbox_even_when_the_text_message_fails():
    lead = make_user(User.Role.LEAD, phone="13800001234")
    sent = notify_user(
        user=lead, kind="lot_rejected", text="货批退回返工", backend=FailingBackend()
    )
    assert sent is False
    item = InboxItem.objects.get(user=lead)
    assert (item.kind, item.text, item.read_at) == ("lot_rejected", "货批退回返工", None)


def test_the_page_lists_only_my_notices_newest_first_and_marks_them_read(client):
    lead, other = make_user(User.Role.LEAD), make_user(User.Role.LEAD)
    _tell(lead, 2)
    _tell(other, 1)
    client.force_login(lead)
    page = client.get(reverse("pages:inbox")).content.decode()
    assert page.index("批次 1 已分给您的工坊") < page.index("批次 0 已分给您的工坊")
    assert 'href="/work/batches/1/"' in page
    assert page.count('class="card inbox-item unread"') == 2
    assert '<b class="count">2</b>' in page  # the header's unread count

    response = client.post(reverse("pages:inbox_read"))
    assert response.status_code == 302
    assert InboxItem.objects.filter(user=lead, read_at__isnull=True).count() == 0
    assert InboxItem.objects.filter(user=other, read_at__isnull=True).count() == 1
    assert 'class="count"' not in client.get(reverse("pages:inbox")).content.decode()


def test_the_inbox_pages_by_id_so_older_notices_follow(client):
    lead = make_user(User.Role.LEAD)
    _tell(lead, 35)
    client.force_login(lead)
    first = client.get(reverse("pages:inbox"))
    assert first.context["page"].unread == 35
    assert len(first.context["page"].items) == 30
    before = first.context["page"].next_before
    second = client.get(reverse("pages:inbox"), {"before": before})
    assert [i.data["batch_id"] for i in second.context["page"].items] == [4, 3, 2, 1, 0]
    assert second.context["page"].next_before is None
    # a nonsense cursor is the first page, not an error
    assert client.get(reverse("pages:inbox"), {"before": "-1x"}).status_code == 200


def test_the_inbox_needs_a_sign_in(client):
    response = client.get(reverse("pages:inbox"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_api_reads_and_marks_only_my_own_notices(api):
    lead, other = make_user(User.Role.LEAD), make_user(User.Role.CHECKER)
    _tell(lead, 3)
    _tell(other, 1)
    theirs = InboxItem.objects.get(user=other).pk

    body = api.as_user(lead).get("/inbox", {"limit": 2}).json()
    assert body["unread"] == 3 and len(body["items"]) == 2
    assert body["items"][0]["text"] == "批次 2 已分给您的工坊"
    assert body["items"][0]["read"] is False and body["items"][0]["link"] == "/work/batches/2/"
    older = api.get("/inbox", {"limit": 2, "before": body["next_before"]}).json()
    assert [i["data"]["batch_id"] for i in older["items"]] == [0]
    assert older["next_before"] is None

    first = body["items"][0]["id"]
    marked = api.post("/inbox/read", {"ids": [first, theirs]}).json()
    assert marked == {"marked": 1, "unread": 2}
    assert InboxItem.objects.get(pk=theirs).read_at is None
    assert api.post("/inbox/read", {}).json() == {"marked": 2, "unread": 0}


def test_bad_inbox_input_is_a_422_and_changes_nothing(api):
    lead = make_user(User.Role.LEAD)
    _tell(lead, 1)
    api.as_user(lead)
    assert api.get("/inbox", {"limit": 0}).status_code == 422
    assert api.get("/inbox", {"before": 0}).status_code == 422
    response = api.post("/inbox/read", {"ids": ["x"]})
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert InboxItem.objects.filter(read_at__isnull=True).count() == 1


def test_the_inbox_api_needs_a_sign_in(api):
    assert api.get("/inbox").status_code == 401
    assert api.post("/inbox/read", {}).status_code == 401
