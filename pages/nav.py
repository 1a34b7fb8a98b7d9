"""Each role's bottom navigation: the few places a person of that role goes every day.

Entries are URL names; one whose app has no pages yet is left out instead of breaking the shell.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User

Role = User.Role

NAV: dict[str, list[tuple[str, object]]] = {
    Role.LEAD: [
        ("orders:open_batches", _("接单")),
        ("orders:my_batches", _("我的批次")),
        ("quality:scan", _("扫码")),
    ],
    Role.CHECKER: [
        ("quality:scan", _("扫码")),
        ("quality:lot_list", _("待检货批")),
    ],
    Role.TRAINER: [
        ("trainees:cohorts", _("我的班级")),
        ("trainees:log", _("记录进度")),
    ],
    Role.MERCHANT: [
        ("orders:order_list", _("我的订单")),
        ("orders:order_new", _("发布订单")),
    ],
    Role.OPERATOR: [
        ("pages:impact", _("成效")),
        ("orders:allocation_runs", _("分配")),
        ("payouts:period_list", _("结算")),
    ],
}


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool


def nav_for(user: User, path: str) -> list[NavItem]:
    role = Role.OPERATOR if user.is_superuser and not user.role else user.role
    entries = []
    for name, label in NAV.get(role, []):
        try:
            entries.append((reverse(name), str(label)))
        except NoReverseMatch:
            continue
    # The entry whose address is the longest prefix of this page is the one we are under.
    matching = [url for url, _label in entries if path.startswith(url)]
    current = max(matching, key=len, default=None)
    return [NavItem(url=url, label=label, active=url == current) for url, label in entries]


def home_url(user: User) -> str:
    """Where a role lands after signing in: the first entry of its navigation."""
    items = nav_for(user, "")
    return items[0].url if items else reverse("pages:account")
