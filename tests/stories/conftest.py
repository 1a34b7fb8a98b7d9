import pytest

from .factories import make_story_lot


@pytest.fixture
def story_lot(workshop, checker):
    return make_story_lot(workshop, checker)
