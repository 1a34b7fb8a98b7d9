"""Play a phone: ``python manage.py sms_phone 13812345678 "余额"`` prints the reply.

The text goes to the inbound webhook through the fake gateway (signed, as a real gateway posts
it); the reply is also sent through the notifier (the log, in the demo).
"""

from django.core.management.base import BaseCommand, CommandError

from sms.gateway import FakeGateway


class Command(BaseCommand):
    help = "Send a text message as the phone NUMBER and print the reply (fake SMS gateway)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("number")
        parser.add_argument("text")

    def handle(self, *args, number: str, text: str, **options) -> None:
        answer = FakeGateway().text(number, text)
        if answer.status != 200:
            raise CommandError(
                f"{answer.status} {answer.body.get('code')}: {answer.body.get('message')}"
            )
        self.stdout.write(answer.reply)
