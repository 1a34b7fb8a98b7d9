"""What a text message asks, and the answer: the commands a feature phone can send.

Households (by the phone number on file):
- ``余额`` or ``YE``: this period's and this year's settled totals and the last payment. A
  number several households share is answered with their card tails (the last four characters
  of each card code, nothing personal); ``余额 <card tail>`` then picks one.

Leads (a user with the lead role and this phone number):
- ``查``: the five best batches the lead's workshop may claim now (code, pieces, fee, deadline);
- ``接 <code>`` claims and ``放 <code>`` releases a batch, through ``orders.services`` exactly
  as the app does: the same eligibility, the same lock and conditional UPDATE, so an SMS claim
  racing an app claim has one winner, and the loser is told why (the refusal's own message).

A batch's code in a text is its number in the API (``/batches/<code>``): digits, easy to type
on a keypad. A number that is not on file gets one generic answer, whatever it asked; anything
else gets the help text. Replies are in Chinese (the household's language once there is one).
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError
from orders.errors import NoWorkshop
from orders.selectors import claimable_batches, lead_workshop
from orders.services import batch_claim, batch_release
from payouts.money import format_yuan
from payouts.selectors import household_balance
from workshops.models import Household

from .models import SmsMessage
from .selectors import households_by_number, leads_by_number

Command = SmsMessage.Command
Status = SmsMessage.Status

LIST_SIZE = 5
CARD_TAIL = 4

_BALANCE = re.compile(r"^余额\s*([0-9A-Z-]{1,12})?$")
_BALANCE_LATIN = re.compile(r"^YE(?:\s+([0-9A-Z-]{1,12}))?$")  # "YES" is not "YE S"
_LIST = re.compile(r"^查$")
_CLAIM = re.compile(r"^接\s*(\S+)$")
_RELEASE = re.compile(r"^放\s*(\S+)$")


@dataclass
class Outcome:
    command: str
    status: str
    reply: str
    detail: dict[str, Any] = field(default_factory=dict)
    household: Household | None = None
    user: User | None = None


def parse(text: str) -> tuple[str, str]:
    """(command, argument): full-width spaces and case do not matter; anything else is help."""
    cleaned = " ".join(text.replace("\u3000", " ").split()).upper()
    for pattern, command in (
        (_BALANCE, Command.BALANCE),
        (_BALANCE_LATIN, Command.BALANCE),
        (_LIST, Command.LIST),
        (_CLAIM, Command.CLAIM),
        (_RELEASE, Command.RELEASE),
    ):
        match = pattern.match(cleaned)
        if match:
            return command, (match.group(1) or "") if match.groups() else ""
    return Command.HELP, ""


def run(*, number: str, text: str) -> Outcome:
    """Answer one text from ``number`` (normalised digits). Writes only through services."""
    command, argument = parse(text)
    if command == Command.BALANCE:
        return _balance(number, argument)
    if command == Command.HELP:
        return Outcome(command, Status.DONE, help_text())
    leads = leads_by_number(number=number)
    if len(leads) != 1:
        # Not a lead's number (or, oddly, several leads'): nothing said about whose it is.
        return Outcome(command, Status.UNKNOWN_SENDER, unknown_sender_text())
    lead = leads[0]
    if command == Command.LIST:
        return _list(lead)
    return _claim_or_release(lead, command, argument)


def help_text() -> str:
    return _(
        "手创短信指令：发“余额”或“YE”查收入。带头人：发“查”看可认领批次，"
        "“接 批次码”认领，“放 批次码”退回。"
    )


def unknown_sender_text() -> str:
    return _("此号码未在手创登记，无法办理。如需帮助，请联系您的工坊带头人。")


def _card_tail(household: Household) -> str:
    return household.card_code[-CARD_TAIL:]


def _balance(number: str, argument: str) -> Outcome:
    households = households_by_number(number=number)
    if not households:
        return Outcome(Command.BALANCE, Status.UNKNOWN_SENDER, unknown_sender_text())
    if argument:
        wanted = argument.replace("-", "")
        households = [h for h in households if h.card_code.endswith(wanted)]
        if not households:
            return Outcome(
                Command.BALANCE,
                Status.REFUSED,
                _("此号码下没有卡号尾号为 {tail} 的农户，请核对卡片。").format(tail=wanted),
                detail={"code": "card_tail_unknown"},
            )
    if len(households) > 1:
        tails = "、".join(_card_tail(h) for h in households)
        return Outcome(
            Command.BALANCE,
            Status.REFUSED,
            _(
                "此号码登记了 {count} 户（卡号尾号 {tails}）。"
                "请发“余额 卡号尾号”，例如“余额 {example}”。"
            ).format(count=len(households), tails=tails, example=_card_tail(households[0])),
            detail={"code": "number_shared", "households": len(households)},
        )
    household = households[0]
    balance = household_balance(household_id=household.pk, today=timezone.localdate())
    parts = [_("卡号尾号 {tail}：").format(tail=_card_tail(household))]
    if balance.period_name:
        parts.append(
            _("本期（{period}）{amount} 元；").format(
                period=balance.period_name, amount=format_yuan(balance.period_fen)
            )
        )
    else:
        parts.append(_("还没有已审核的结算；"))
    parts.append(
        _("{year} 年合计 {amount} 元；").format(
            year=balance.year, amount=format_yuan(balance.year_fen)
        )
    )
    if balance.last_paid_on:
        parts.append(
            _("上次付款 {day} {amount} 元。").format(
                day=balance.last_paid_on.strftime("%m-%d"),
                amount=format_yuan(balance.last_paid_fen),
            )
        )
    else:
        parts.append(_("还没有付款记录。"))
    return Outcome(Command.BALANCE, Status.DONE, "".join(parts), household=household)


def _list(lead: User) -> Outcome:
    workshop = lead_workshop(lead)
    if workshop is None:
        return Outcome(
            Command.LIST,
            Status.REFUSED,
            str(NoWorkshop.message),
            {"code": NoWorkshop.code},
            user=lead,
        )
    batches = claimable_batches(workshop=workshop, limit=LIST_SIZE)
    if not batches:
        return Outcome(Command.LIST, Status.DONE, _("现在没有您的工坊可认领的批次。"), user=lead)
    lines = [_("可认领批次（回复“接 批次码”认领）：")]
    for batch in batches:
        lines.append(
            _("{code}：{product}，{pieces} 件，{fee} 元/件，{deadline} 前交货").format(
                code=batch.pk,
                product=batch.order.product_name[:10],
                pieces=batch.quantity,
                fee=f"{batch.order.fee_per_piece.normalize():f}",
                deadline=batch.order.deadline.strftime("%m-%d"),
            )
        )
    return Outcome(
        Command.LIST,
        Status.DONE,
        "\n".join(lines),
        detail={"batch_ids": [b.pk for b in batches]},
        user=lead,
    )


def _claim_or_release(lead: User, command: str, argument: str) -> Outcome:
    if not argument.isdigit() or len(argument) > 12:
        return Outcome(
            command,
            Status.REFUSED,
            _("批次码应为数字，例如“接 1024”。发“查”看可认领的批次。"),
            detail={"code": "batch_code_invalid"},
            user=lead,
        )
    batch_id = int(argument)
    try:
        if command == Command.CLAIM:
            batch = batch_claim(actor=lead, batch_id=batch_id)
        else:
            batch = batch_release(actor=lead, batch_id=batch_id, reason="短信退回")
    except ApplicationError as exc:
        verb = _("认领") if command == Command.CLAIM else _("退回")
        return Outcome(
            command,
            Status.REFUSED,
            _("批次 {code} 未能{verb}：{why}").format(code=batch_id, verb=verb, why=exc.message),
            detail={"code": exc.code, "batch_id": batch_id},
            user=lead,
        )
    if command == Command.CLAIM:
        reply = _(
            "已认领批次 {code}（{product}，{pieces} 件）。请在 {hours} 小时内收取物料。"
        ).format(
            code=batch.pk,
            product=batch.order.product_name[:10],
            pieces=batch.quantity,
            hours=settings.BATCH_CLAIM_TTL_HOURS,
        )
    else:
        reply = _("已退回批次 {code}，它重新开放认领。").format(code=batch.pk)
    return Outcome(command, Status.DONE, reply, detail={"batch_id": batch.pk}, user=lead)
