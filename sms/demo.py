"""The demo's part for SMS: nothing to seed (texts arrive from phones); under the logins, how to
play a household's and a lead's phone with the fake gateway."""

from accounts.demo import DemoContext
from accounts.models import User
from payouts.models import Statement


def seed(ctx: DemoContext) -> None:
    return None


def logins_note() -> list[str]:
    lines = []
    statement = Statement.objects.select_related("household").order_by("pk").first()
    if statement is not None and statement.household.phone:
        lines.append(
            f'短信 SMS (household): python manage.py sms_phone {statement.household.phone} "余额"'
        )
    lead = User.objects.filter(role=User.Role.LEAD).exclude(phone="").order_by("username").first()
    if lead is not None:
        lines.append(
            f'短信 SMS (lead {lead.username}): python manage.py sms_phone {lead.phone} "查"'
        )
    return lines
