"""A right-to-left language mirrors the pages (#14), proven at 360×740 with a TEST catalogue:
a few Uyghur strings (tests/ui/rtl_locale, compiled here with polib) switched on with
override_settings only for this test. Uyghur is never shipped as a language from here."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test.utils import override_settings
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import make_user, make_workshop

from .factories import make_published_order

CATALOGUE = Path(__file__).parent / "rtl_locale" / "ug" / "LC_MESSAGES" / "django.po"
LOGIN = "كىرىش"
USERNAME = "ئىشلەتكۈچى نامى"
BRAND = "قولھۈنەر"
WORK = "قوبۇل قىلىشقا بولىدىغان ئىشلار"
MY_BATCHES = "مېنىڭ تۈركۈملىرىم"

# Where a label's own text sits inside the label (its first text node's box).
LABEL_TEXT = """(label) => {
  const range = document.createRange();
  range.selectNodeContents(label.firstChild);
  const text = range.getBoundingClientRect(), box = label.getBoundingClientRect();
  return {textLeft: text.left, textRight: text.right, left: box.left, right: box.right,
          align: getComputedStyle(label).textAlign, direction: getComputedStyle(label).direction};
}"""


@pytest.fixture
def uyghur(tmp_path):
    po = polib.pofile(str(CATALOGUE))
    folder = tmp_path / "ug" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po.save_as_mofile(str(folder / "django.mo"))
    with override_settings(
        LANGUAGES=[*settings.LANGUAGES, ("ug", "Uyghur")],
        LOCALE_PATHS=[tmp_path, *settings.LOCALE_PATHS],
    ):
        yield


def test_the_pages_read_right_to_left_in_a_test_uyghur_catalogue(page, site, sign_in, shot, uyghur):
    workshop = make_workshop()
    make_published_order(make_user(User.Role.MERCHANT), quantity=100, batch_size=100)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ug", "url": site}])

    page.goto(f"{site}/login/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ug")
    expect(page.locator("h1")).to_have_text(LOGIN)
    expect(page.locator("header .brand")).to_have_text(BRAND)
    brand = page.locator("header .brand").bounding_box()
    assert brand["x"] > 360 / 2, brand  # the header starts at the right edge
    label = page.locator("label").filter(has_text=USERNAME).element_handle().evaluate(LABEL_TEXT)
    assert label["direction"] == "rtl", label
    assert label["align"] in {"start", "right"}, label
    assert label["textRight"] > label["right"] - 2, label  # the text hugs the right side
    assert label["textLeft"] > label["left"] + 40, label
    shot(page, "rtl", "login-ug")

    sign_in(page, workshop.lead)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text(WORK)
    expect(page.locator("nav.tabs")).to_contain_text(MY_BATCHES)
    brand = page.locator("header .brand").bounding_box()
    assert brand["x"] > 360 / 2, brand
    who = page.locator("header .who").bounding_box()
    assert who["x"] < brand["x"], (who, brand)  # the name, last in the header, at the left
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "rtl", "lead-ug")

    # the same page in Chinese is left to right again, the brand at the left edge
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": site}]
    )
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert page.locator("header .brand").bounding_box()["x"] < 360 / 2
