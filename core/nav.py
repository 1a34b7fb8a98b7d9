"""Each role's bottom navigation: the few places a person of that role goes every day.

The table itself is composition (it names pages of several apps), so it lives in the top layer:
``pages`` registers it when the project starts (``pages.apps``). The shell's template tag and
the sign-in redirect read it from here. Entries are URL names; one whose app has no pages yet is
left out instead of breaking the shell.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

OPERATOR = "operator"

_NAV: dict[str, list[tuple[str, object]]] = {}


def nav_register(table: dict[str, list[tuple[str, object]]]) -> None:
    """Set the navigation: role → [(URL name, label)], the first entry being the role's home."""
    _NAV.clear()
    _NAV.update(table)


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool


def nav_for(user, path: str) -> list[NavItem]:
    role = OPERATOR if user.is_superuser and not user.role else user.role
    entries = []
    for name, label in _NAV.get(role, []):
        try:
            entries.append((reverse(name), str(label)))
        except NoReverseMatch:
            continue
    # The entry whose address is the longest prefix of this page is the one we are under.
    matching = [url for url, _label in entries if path.startswith(url)]
    current = max(matching, key=len, default=None)
    return [NavItem(url=url, label=label, active=url == current) for url, label in entries]


def home_url(user, fallback: str = "pages:account") -> str:
    """Where a role lands after signing in: the first entry of its navigation."""
    items = nav_for(user, "")
    return items[0].url if items else reverse(fallback)
