"""The interface languages on the pages: the switch offers each of them, a page in French is in
French, and a page in a language nobody has reviewed yet says so (issue 14)."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NOTICE = "Cette page a été traduite automatiquement et n'a pas encore été relue"


def _client(language: str | None = None, user: User | None = None) -> Client:
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def test_french_page_is_in_french_and_says_the_translation_is_unreviewed():
    trainer = make_user(User.Role.TRAINER, display_name="王老师")
    html = _client("fr", trainer).get("/me/").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "Formateur" in html  # the role label
    assert "Se déconnecter" in html
    assert "实训老师" not in html and "退出登录" not in html
    assert NOTICE in html
    email = settings.TRANSLATION_FEEDBACK_EMAIL
    assert f'<a href="mailto:{email}">{email}</a>' in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_reviewed_languages_carry_no_notice(language):
    html = _client(language).get("/login/").content.decode()
    assert 'class="unreviewed"' not in html


def test_notice_goes_once_the_language_is_marked_reviewed(settings):
    settings.UNREVIEWED_LANGUAGES = []
    html = _client("fr").get("/login/").content.decode()
    assert "Se connecter" in html
    assert 'class="unreviewed"' not in html


def test_switch_offers_french_and_english_and_choosing_french_sticks():
    client = _client()
    html = client.get("/login/").content.decode()
    assert 'value="fr" lang="fr" title="Français" aria-label="Français">FR</button>' in html
    assert 'value="en" lang="en" title="English" aria-label="English">EN</button>' in html
    assert 'value="zh-hans"' not in html  # the current language is not offered

    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    assert response.status_code == 302
    html = client.get("/login/").content.decode()
    assert "<h1>Se connecter</h1>" in html
    chinese = 'value="zh-hans" lang="zh-Hans" title="简体中文" aria-label="简体中文">中文</button>'
    assert chinese in html
    assert 'value="fr"' not in html


def test_pages_ignore_a_french_browser_until_the_person_chooses():
    html = Client().get("/login/", headers={"Accept-Language": "fr"}).content.decode()
    assert '<html lang="zh-Hans" dir="ltr">' in html
    assert NOTICE not in html


def test_admin_in_french_carries_the_notice_too():
    operator = make_user(User.Role.OPERATOR, is_staff=True)
    html = _client("fr", operator).get("/admin/").content.decode()
    assert NOTICE in html
    assert 'id="site-name"' in html  # still the admin's own header
