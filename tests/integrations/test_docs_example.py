"""The signature check in docs/integrations.md, run as written against a real delivery."""

import re
from pathlib import Path

from integrations.webhooks import webhook_endpoint_create
from orders.services import order_publish
from tests.orders.factories import make_order

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def guide_example() -> dict:
    [block] = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    namespace: dict = {}
    exec(compile(block, str(GUIDE), "exec"), namespace)  # noqa: S102 - our own docs
    return namespace


def test_the_guides_signature_check_verifies_a_real_delivery(merchant, receiver, tasks):
    _endpoint, secret = webhook_endpoint_create(
        actor=merchant, url=receiver.url, events=["order.published"]
    )
    order = make_order(merchant)
    order_publish(actor=merchant, order_id=order.pk, acknowledge_below_minimum_wage=True)
    tasks.run()
    [delivery] = receiver.received
    verify = guide_example()["verify_shouchuang_signature"]
    header = delivery["headers"]["Shouchuang-Signature"]
    assert verify(secret, header, delivery["body"]) is True
    assert verify(secret, header, delivery["body"] + b" ") is False  # body altered
    assert verify("whsec_other", header, delivery["body"]) is False  # another secret
    timestamp = int(header.split(",")[0].removeprefix("t="))
    assert verify(secret, header, delivery["body"], now=timestamp + 301) is False  # too old
