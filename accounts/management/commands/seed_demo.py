"""Build the demo scenario: Yiwu merchants, Sichuan workshops, households and their work.

Each app contributes through its ``demo.seed(ctx)``; this command only orders them, wraps
them in one transaction and prints the logins (and what an app's ``demo.logins_note()`` adds,
e.g. a household's statement link).
"""

import importlib
import random

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DemoContext
from accounts.models import Organisation

DEMO_APPS = ["accounts", "workshops", "orders", "quality", "payouts", "trainees", "stories", "sms"]
MARKER = "义乌市手创共富服务基地"


class Command(BaseCommand):
    help = "Seed a believable demo (idempotent: does nothing if already seeded, unless --reset)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="flush the database first")
        parser.add_argument("--seed", type=int, default=2025, help="random seed")

    def handle(self, *args, reset: bool, seed: int, **options):
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        if Organisation.objects.filter(kind=Organisation.Kind.OPERATOR, name=MARKER).exists():
            self.stdout.write("演示数据已存在（用 --reset 重建）。Demo data already present.")
            self._print_logins()
            return
        ctx = DemoContext(rng=random.Random(seed))
        with transaction.atomic():
            for module in _demo_modules():
                module.seed(ctx)
                self.stdout.write(f"  ✓ {module.__name__.removesuffix('.demo')}")
        self.stdout.write(self.style.SUCCESS("演示数据已生成 Demo data ready."))
        self._print_logins()

    def _print_logins(self):
        from accounts.demo import DEMO_PASSWORD
        from accounts.models import User

        self.stdout.write(f"\n登录 Logins (密码 password: {DEMO_PASSWORD})")
        for user in (
            User.objects.exclude(role="")
            .select_related("organisation")
            .order_by("role", "username")
        ):
            role = user.get_role_display()
            self.stdout.write(
                f"  {user.username:<22} {role:<8} {user.display_name} · {user.organisation}"
            )
        for module in _demo_modules():
            note = getattr(module, "logins_note", None)
            for line in note() if note else []:
                self.stdout.write(f"\n{line}")


def _demo_modules():
    """Each installed demo app's ``demo`` module, in seeding order (apps above accounts are
    reached by name, never imported from here)."""
    for label in DEMO_APPS:
        if not apps.is_installed(label):
            continue
        try:
            yield importlib.import_module(f"{label}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{label}.demo":
                raise
