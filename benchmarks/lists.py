"""Time the merchant's order lists and the lead's open-batch list on a national data set.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sc_national_bench \\
        python -m benchmarks lists [--repeat 3]

Read only: run it on a database that ``python -m benchmarks national`` built. In-process, no
HTTP: the selectors the pages and the API call, each run ``--repeat`` times, the best counted,
with the number of queries of one run.

- ``order_page(limit=50)``: the data of ``/shop/`` for the merchant with the largest order;
- ``order_page(limit=20)``: ``GET /api/v1/orders`` for the same merchant;
- ``GET /api/v1/batches?status=open&limit=20``: the lead whose workshop may claim the most;
- ``claimable_batches``: every open batch that lead may claim (the ``/work/`` page's list).
"""

import argparse
import time

from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext


def best_of(repeat: int, run) -> tuple[float, int, object]:
    best, queries, result = float("inf"), 0, None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = run()
            elapsed = time.perf_counter() - start
        if elapsed < best:
            best, queries = elapsed, len(ctx.captured_queries)
    return best, queries, result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks lists")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from accounts.models import User
    from orders.models import Batch, Order
    from orders.selectors import batch_list, claimable_batches, lead_workshop, order_page

    biggest = Order.objects.order_by("-quantity").first()
    if biggest is None:
        print("no orders: build the national set first")
        return 1
    merchant = (
        User.objects.filter(role=User.Role.MERCHANT, organisation_id=biggest.merchant_id).first()
        or User.objects.filter(role=User.Role.MERCHANT).first()
    )
    orders_of = Order.objects.filter(merchant_id=biggest.merchant_id).aggregate(
        n=Count("pk"), pieces=Sum("quantity")
    )
    batches_of = Batch.objects.filter(order__merchant_id=biggest.merchant_id).count()
    print(
        f"merchant {merchant.username}: {orders_of['n']} orders, {orders_of['pieces']:,} pieces, "
        f"{batches_of:,} batches (largest order {biggest.quantity:,} pieces)"
    )

    rows = []
    for label, limit in (("order_page limit=50 (/shop/)", 50), ("GET /api/v1/orders", 20)):
        seconds, queries, page = best_of(
            args.repeat, lambda limit=limit: order_page(viewer=merchant, limit=limit)
        )
        rows.append((label, seconds, queries, f"{len(page.items)} of {page.count}"))

    leads = User.objects.filter(role=User.Role.LEAD, is_active=True).order_by("pk")[:40]
    best_lead, best_count = None, -1
    for lead in leads:
        workshop = lead_workshop(lead)
        if workshop is None:
            continue
        count = len(claimable_batches(workshop=workshop))
        if count > best_count:
            best_lead, best_count = lead, count
    print(f"lead {best_lead.username}: {best_count:,} claimable open batches")
    workshop = lead_workshop(best_lead)

    def api_open_page():
        return list(batch_list(viewer=best_lead, status=Batch.Status.OPEN)[:20])

    seconds, queries, page = best_of(args.repeat, api_open_page)
    rows.append(("GET /api/v1/batches?status=open&limit=20", seconds, queries, f"{len(page)}"))
    seconds, queries, page = best_of(args.repeat, lambda: claimable_batches(workshop=workshop))
    rows.append(("claimable_batches (all, /work/)", seconds, queries, f"{len(page)}"))

    print(f"{'call':45} {'best ms':>9} {'queries':>8}  rows")
    for label, seconds, queries, n in rows:
        print(f"{label:45} {seconds * 1000:9.1f} {queries:8}  {n}")
    return 0
