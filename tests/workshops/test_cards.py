"""Household cards: the check character, lookup by card, re-issue (old code dead, history kept)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from core.errors import BadRequest, NotFound
from tests.factories import make_household, make_user, make_workshop
from workshops import cards
from workshops.models import Household, HouseholdEvent, RetiredCard
from workshops.selectors import household_by_card
from workshops.services import CardReasonRequired, household_card_reissue

bodies = st.text(alphabet=cards.ALPHABET, min_size=cards.BODY_LENGTH, max_size=cards.BODY_LENGTH)


@given(body=bodies, position=st.integers(0, cards.CODE_LENGTH - 1), data=st.data())
def test_every_single_character_error_is_caught(body, position, data):
    code = body + cards.check_character(body)
    assert cards.normalise(code) == code
    wrong = data.draw(st.sampled_from([ch for ch in cards.ALPHABET if ch != code[position]]))
    typo = code[:position] + wrong + code[position + 1 :]
    with pytest.raises(cards.CardCodeError) as caught:
        cards.normalise(typo)
    assert caught.value.reason == "check"


@given(body=bodies, position=st.integers(0, cards.CODE_LENGTH - 2))
def test_every_adjacent_swap_is_caught(body, position):
    code = body + cards.check_character(body)
    a, b = code[position], code[position + 1]
    swapped = code[:position] + b + a + code[position + 2 :]
    assert cards.is_valid(swapped) is (a == b)


def test_every_single_error_and_swap_of_one_code_exhaustively():
    code = cards.new_code()
    typos = {
        code[:i] + ch + code[i + 1 :]
        for i in range(cards.CODE_LENGTH)
        for ch in cards.ALPHABET
        if ch != code[i]
    }
    swaps = {
        code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        for i in range(cards.CODE_LENGTH - 1)
        if code[i] != code[i + 1]
    }
    assert len(typos) == 9 * 31
    assert not any(cards.is_valid(t) for t in typos | swaps)


def test_reading_is_forgiving_and_a_passbook_url_gives_its_code():
    code = "0123ABCD" + cards.check_character("0123ABCD")
    assert cards.normalise(" o123-abcd-" + code[-1].lower()) == code
    assert cards.normalise(f"https://sc.example/p/{code}/") == code
    assert cards.display(code) == f"0123-ABCD-{code[-1]}"
    with pytest.raises(cards.CardCodeError) as caught:
        cards.normalise("ABC")
    assert caught.value.reason == "format"


@pytest.mark.django_db
def test_every_household_gets_its_own_card_code():
    workshop = make_workshop()
    households = [make_household(workshop) for _ in range(5)]
    households += Household.objects.bulk_create(
        Household(workshop=workshop, name=f"批量{i}") for i in range(5)
    )
    codes = [Household.objects.get(pk=h.pk).card_code for h in households]
    assert len(set(codes)) == 10
    assert all(cards.is_valid(code) for code in codes)


@pytest.mark.django_db
def test_household_by_card_reads_typed_codes_and_says_what_is_wrong():
    household = make_household(make_workshop())
    assert household_by_card(raw_code=household.card_code.lower()) == household
    typo = household.card_code[:3] + ("0" if household.card_code[3] != "0" else "1")
    typo += household.card_code[4:]
    with pytest.raises(BadRequest) as invalid:
        household_by_card(raw_code=typo)
    assert invalid.value.code == "card_code_invalid"
    unissued = cards.new_code()
    with pytest.raises(NotFound) as unknown:
        household_by_card(raw_code=unissued)
    assert unknown.value.code == "card_not_found"


@pytest.mark.django_db
def test_a_lead_finds_only_the_cards_of_its_own_workshop():
    mine, theirs = make_workshop(), make_workshop()
    other = make_household(theirs)
    with pytest.raises(NotFound) as caught:
        household_by_card(raw_code=other.card_code, viewer=mine.lead)
    assert caught.value.code == "card_not_found"
    assert household_by_card(raw_code=other.card_code, viewer=theirs.lead) == other


@pytest.mark.django_db
def test_reissuing_a_card_kills_the_old_code_at_once_and_keeps_its_history():
    workshop = make_workshop()
    household = make_household(workshop)
    first = household.card_code
    household_card_reissue(actor=workshop.lead, household_id=household.pk, reason="丢失")
    household.refresh_from_db()
    assert household.card_code != first
    assert household_by_card(raw_code=household.card_code) == household
    with pytest.raises(NotFound) as caught:
        household_by_card(raw_code=first)
    assert caught.value.code == "card_retired"
    retired = RetiredCard.objects.get(household=household)
    assert (retired.code, retired.reason, retired.retired_by) == (first, "丢失", workshop.lead)
    event = HouseholdEvent.objects.get(household=household, kind="card_reissued")
    assert event.changes == {"card_code": [first, household.card_code]}


@pytest.mark.django_db
def test_reissue_needs_a_reason_and_the_households_own_lead_or_an_operator():
    workshop, elsewhere = make_workshop(), make_workshop()
    household = make_household(workshop)
    code = household.card_code
    with pytest.raises(CardReasonRequired):
        household_card_reissue(actor=workshop.lead, household_id=household.pk, reason=" ")
    with pytest.raises(NotFound):
        household_card_reissue(actor=elsewhere.lead, household_id=household.pk, reason="丢失")
    household.refresh_from_db()
    assert household.card_code == code
    assert not RetiredCard.objects.exists()
    operator = make_user(User.Role.OPERATOR)
    household_card_reissue(actor=operator, household_id=household.pk, reason="损坏")
    assert RetiredCard.objects.filter(code=code).exists()


@pytest.mark.django_db
def test_a_retired_code_is_never_issued_again(monkeypatch):
    household = make_household(make_workshop())
    old = household.card_code
    fresh = cards.new_code()
    household_card_reissue(actor=household.workshop.lead, household_id=household.pk, reason="丢失")
    # the generator offers the retired code first: it is refused and the next one taken
    offers = iter([old, fresh])
    monkeypatch.setattr(cards, "new_code", lambda: next(offers))
    household_card_reissue(actor=household.workshop.lead, household_id=household.pk, reason="又丢")
    household.refresh_from_db()
    assert household.card_code == fresh


@pytest.mark.django_db
def test_the_consent_in_force_is_the_newest_not_withdrawn():
    from django.utils import timezone

    from workshops.models import HouseholdConsent
    from workshops.selectors import consenting_household_ids

    workshop = make_workshop()
    gave, withdrew, never = (make_household(workshop) for _ in range(3))
    for household in (gave, withdrew):
        HouseholdConsent.objects.create(
            household=household, purpose="story", method="paper", recorded_by=workshop.lead
        )
    HouseholdConsent.objects.filter(household=withdrew).update(
        withdrawn_at=timezone.now(), withdrawn_by=workshop.lead
    )
    HouseholdConsent.objects.create(
        household=never, purpose="data_processing", method="paper", recorded_by=workshop.lead
    )
    ids = [gave.pk, withdrew.pk, never.pk]
    assert consenting_household_ids(household_ids=ids, purpose="story") == {gave.pk}
