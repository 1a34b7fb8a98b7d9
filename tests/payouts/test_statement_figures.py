"""The household's statement adds up on the page, in the PDF and in the API (issue 12: it read
"45 件 × ¥0.35 = ¥14.06"): pieces × fee (rework apart) = the order's money rounded once to the
fen; less the lead's and the center's shares, each by name, = what the household gets; those
plus the adjustments = the total at the top. The tests read the page as a person does and sum."""

import re
import subprocess
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client

from payouts.models import Statement
from payouts.services import (
    adjustment_create,
    period_approve,
    period_compute,
    period_create,
    share_config_set,
)

from .factories import make_households, make_order, make_outcome

pytestmark = pytest.mark.django_db
MONEY = re.compile(r"(-?)¥([\d,]+\.\d+)")


class _Classes(HTMLParser):
    """Text of every element by its class: ``found["share"]`` is a list of texts."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, list[str]] = {}
        self.open: list[tuple[str, list[str], list[str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"img", "br", "input", "meta", "link"}:
            return
        classes = (dict(attrs).get("class") or "").split()
        identity = dict(attrs).get("id")
        self.open.append((tag, classes + ([f"#{identity}"] if identity else []), []))

    def handle_endtag(self, tag):
        while self.open:
            name, classes, text = self.open.pop()
            joined = "".join(text)
            for css in classes:
                self.found.setdefault(css, []).append(joined.strip())
            if self.open:
                self.open[-1][2].append(joined)
            if name == tag:
                break

    def handle_data(self, data):
        if self.open:
            self.open[-1][2].append(data)


def parse(html: str) -> dict[str, list[str]]:
    parser = _Classes()
    parser.feed(html)
    return parser.found


def amounts(text: str) -> list[Decimal]:
    return [
        Decimal(number.replace(",", "")) * (-1 if sign else 1)
        for sign, number in MONEY.findall(text)
    ]


@pytest.fixture
def statement(operator, workshop):
    """A household with first-pass pieces at a fee that does not round evenly, rework at its
    own fee, a second order, shares of both kinds, a bonus and a deduction."""
    share_config_set(
        actor=operator,
        workshop_id=workshop.pk,
        lead_kind="percent",
        lead_value=Decimal("7.5"),
        center_kind="per_piece",
        center_value=Decimal("0.0130"),
    )
    zhuoma, other = make_households(workshop, 2)
    belts = make_order(fee="0.3125", rework_fee="0.2000")
    tassels = make_order(fee="1.2000")
    make_outcome(zhuoma, belts, accepted=45)
    make_outcome(zhuoma, belts, accepted=7, is_rework=True)
    make_outcome(zhuoma, tassels, accepted=13)
    make_outcome(other, belts, accepted=101)
    period = period_create(
        actor=operator, name="三月", starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_compute(period_id=period.pk, actor=operator)
    for kind, amount, reason in (("bonus", "5.00", "按时交货"), ("deduction", "1.20", "材料损耗")):
        adjustment_create(
            actor=operator,
            period_id=period.pk,
            household_id=zhuoma.pk,
            kind=kind,
            amount=amount,
            reason=reason,
        )
    period_approve(period_id=period.pk, actor=operator)
    return Statement.objects.get(period=period, household=zhuoma)


def test_every_figure_on_the_statement_page_adds_up(statement, workshop):
    response = Client().get(f"/s/{statement.token}/")
    assert response.status_code == 200
    found = parse(response.content.decode())
    assert len(found["statement-line"]) == 2  # one card per order
    nets = []
    # Each order's card: its parts, gross, two shares and net, in document order.
    parts, grosses = found["part"], found["gross"]
    shares, net = found["share"], found["net"]
    assert len(grosses) == len(net) == 2 and len(shares) == 4 and len(parts) == 3
    part_of_card = [[parts[0], parts[1]], [parts[2]]]  # belts: first pass + rework; tassels
    for index in range(2):
        exact = Decimal(0)
        for text in part_of_card[index]:
            pieces = int(re.search(r"(\d+) 件", text).group(1))
            fee, amount = amounts(text)
            assert pieces * fee == amount, text  # pieces × fee, exactly
            exact += amount
        gross = amounts(grosses[index])[0]
        assert exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == gross
        lead, center = amounts(shares[2 * index])[0], amounts(shares[2 * index + 1])[0]
        assert lead < 0 and center < 0  # deducted, and shown as deducted
        line_net = amounts(net[index])[0]
        assert gross + lead + center == line_net
        nets.append(line_net)
    assert "45 件 × ¥0.3125 = ¥14.0625" in parts[0]
    assert "7 件 × ¥0.20 = ¥1.40" in parts[1]
    # The shares are named: the lead and the service center of the workshop.
    page = response.content.decode()
    assert f"带头人 {workshop.lead} 分成" in page
    assert f"服务中心 {workshop.organisation.service_center.name} 分成" in page
    # Sum of the orders, the adjustments, the total; and the total at the top.
    assert amounts(found["sum-net"][0])[0] == sum(nets)
    adjustments = [amounts(text)[0] for text in found["adjustment"]]
    assert adjustments == [Decimal("5.00"), Decimal("-1.20")]
    total = amounts(found["sum-total"][0])[0]
    assert sum(nets) + sum(adjustments) == total
    assert amounts(found["#statement-total"][0])[0] == total == Decimal(statement.total_fen) / 100
    assert "合格 65 件（含返工合格 7 件）" in page


def test_the_api_names_each_share_and_the_lines_add_up(api, statement, workshop):
    body = api.get(f"/statements/{statement.token}").json()
    for line in body["lines"]:
        gross, lead, center = (Decimal(line[k]) for k in ("gross", "lead_share", "center_share"))
        assert gross - lead - center == Decimal(line["amount"])
        assert lead + center == Decimal(line["shares"])
        assert line["lead"] == str(workshop.lead)
        assert line["center"] == workshop.organisation.service_center.name
    assert sum(Decimal(line["amount"]) for line in body["lines"]) + Decimal("3.80") == Decimal(
        body["total"]
    )


def test_the_pdf_statement_carries_the_same_figures(statement, workshop):
    body = Client().get(f"/api/v1/statements/{statement.token}/pdf").content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=body, capture_output=True, check=True
    ).stdout.decode()
    page = Client().get(f"/s/{statement.token}/").content.decode()
    found = parse(page)
    for gross in found["gross"]:
        assert f"￥{amounts(gross)[0]}" in text
    for net in found["net"]:
        assert f"￥{amounts(net)[0]}" in text
    assert "45 × ￥0.3125" in text and "￥14.0625" in text and "7 × ￥0.20" in text
    assert str(workshop.lead) in text
    assert f"￥{Decimal(statement.total_fen) / 100}" in text
