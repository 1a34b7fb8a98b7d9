"""Builders for orders tests: draft and published orders, batches in each state, tickets."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from orders.models import Batch, Order, Ticket
from orders.services import (
    batch_claim,
    batch_start_production,
    order_create,
    order_publish,
    ticket_issue,
)
from tests.factories import make_household, make_skill, make_user
from workshops.models import Workshop


def make_merchant(**fields) -> User:
    return make_user(User.Role.MERCHANT, **fields)


def make_order(
    merchant: User | None = None,
    *,
    quantity: int = 1000,
    batch_size: int = 300,
    fee: str = "0.50",
    minutes: str = "1.00",
    days: int = 30,
    skills: tuple[str, ...] = ("raoxian",),
    **fields,
) -> Order:
    merchant = merchant or make_merchant()
    for code in skills:
        make_skill(code)
    return order_create(
        actor=merchant,
        product_name=fields.pop("product_name", "绳编腰带"),
        quantity=quantity,
        batch_size=batch_size,
        fee_per_piece=Decimal(fee),
        standard_minutes=Decimal(minutes),
        deadline=timezone.localdate() + timedelta(days=days),
        required_skills=list(skills),
        **fields,
    )


def make_published_order(merchant: User | None = None, **kwargs) -> Order:
    order = make_order(merchant, **kwargs)
    return order_publish(
        actor=order.created_by, order_id=order.pk, acknowledge_below_minimum_wage=True
    )


def first_batch(order: Order) -> Batch:
    return order.batches.order_by("number").first()


def claimed_batch(workshop: Workshop, **order_kwargs) -> Batch:
    order = make_published_order(**order_kwargs)
    return batch_claim(actor=workshop.lead, batch_id=first_batch(order).pk)


def batch_in_production(workshop: Workshop, **order_kwargs) -> Batch:
    batch = claimed_batch(workshop, **order_kwargs)
    return batch_start_production(batch_id=batch.pk, actor=workshop.lead)


def make_ticket(batch: Batch, quantity: int = 50, household=None) -> Ticket:
    household = household or make_household(batch.workshop)
    ticket, _ = ticket_issue(
        actor=batch.workshop.lead, batch_id=batch.pk, household_id=household.pk, quantity=quantity
    )
    return ticket
