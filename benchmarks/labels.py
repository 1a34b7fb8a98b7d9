"""A 10,000-label A4 PDF: time (target ≤ 10 s) and memory against labels done (target: flat).

    python -m benchmarks labels [--labels 10000]

Makes the lots (not timed), then runs the label-sheet job's own code (what the Celery task
runs: parts of a few hundred labels joined by pypdf) while a sampler thread records the
resident memory against labels done. Then, in the same process and on the same labels, two
references: the old way (one reportlab canvas for the whole sheet, QR modules as vector
rectangles, ASCII85 streams: the code before the parts) and one canvas with today's drawing
(what the parts save). Prints for each: time, labels/s, RSS at each tenth, the RSS growth from
the 10 % mark to the end (the flatness measure), the PDF's size, and the ratios. Each
reference runs in a new interpreter of its own (memory one run freed hides none of another's).
Any database works (SQLite by default; DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path


def rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:  # pragma: no cover - not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_lots(count: int):
    """A workshop with a batch of ``count`` finished lots; returns (lead, lot codes)."""
    from accounts.models import Organisation, User
    from orders.models import Batch, Order
    from quality import codes
    from quality.models import Lot
    from workshops.models import Workshop

    tag = uuid.uuid4().hex[:8]
    center = Organisation.objects.create(kind="service_center", name=f"凉山服务中心-{tag}")
    org = Organisation.objects.create(
        kind="workshop", name=f"甲居二村共富工坊-{tag}", service_center=center
    )
    merchant_org = Organisation.objects.create(kind="merchant", name=f"义乌饰品-{tag}")
    lead = User.objects.create(username=f"bench-lead-{tag}", role="lead", organisation=org)
    merchant = User.objects.create(
        username=f"bench-merchant-{tag}", role="merchant", organisation=merchant_org
    )
    workshop = Workshop.objects.create(organisation=org, lead=lead)
    order = Order.objects.create(
        merchant=merchant_org,
        created_by=merchant,
        product_name="手工绳编腰带（红色流苏款）",
        quantity=count * 10,
        fee_per_piece=Decimal("0.5"),
        standard_minutes=Decimal("5"),
        deadline=datetime.now(UTC).date() + timedelta(days=30),
        batch_size=count * 10,
        status="published",
    )
    batch = Batch.objects.create(
        order=order, number=1, quantity=count * 10, status="in_production", workshop=workshop
    )
    made = Lot.objects.bulk_create(
        Lot(
            code=codes.new_code(),
            kind="finished",
            batch=batch,
            workshop=workshop,
            quantity=10,
            created_by=lead,
        )
        for _ in range(count)
    )
    return lead, [lot.code for lot in made]


# --- the reference: the code before the parts, kept here only ---------------------------------


def old_single_canvas_pdf(contents: Iterable, out) -> int:
    """The label sheet as main drew it before the parts: one canvas for every page (reportlab
    keeps them all until it saves), QR modules as vector rectangles, ASCII85 page streams."""
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from core.qr import QUIET_ZONE, qr_matrix, runs
    from quality.labels import MM, PER_PAGE, SHEET_COLUMNS, SHEET_ROWS, pdf_font

    font = pdf_font()
    page_w, page_h = A4
    margin_x = (page_w - SHEET_COLUMNS * 40 * MM) / 2
    margin_y = (page_h - SHEET_ROWS * 30 * MM) / 2
    canvas = Canvas(out, pagesize=A4, pageCompression=1, initialFontName=font)
    done = 0
    for content in contents:
        slot = done % PER_PAGE
        if done and slot == 0:
            canvas.showPage()
        col, row = slot % SHEET_COLUMNS, slot // SHEET_COLUMNS
        x0 = margin_x + col * 40 * MM
        y0 = page_h - margin_y - (row + 1) * 30 * MM
        matrix = qr_matrix(content.url, fast=True)
        unit = 22 * MM / (len(matrix) + 2 * QUIET_ZONE)
        qx, qy = x0 + 1 * MM + QUIET_ZONE * unit, y0 + 7 * MM + QUIET_ZONE * unit
        canvas.addLiteral(f"q {unit:.4f} 0 0 {unit:.4f} {qx:.3f} {qy:.3f} cm {runs(matrix)} f Q")
        canvas.setFont(font, 9)
        canvas.drawString(x0 + 2 * MM, y0 + 3 * MM, f"{content.code[:4]} {content.code[4:]}")
        canvas.setFont(font, 6.5)
        lines = [
            content.product[:8],
            content.product[8:16],
            f"数量 {content.quantity} 件",
            f"批次 {content.batch}",
            content.workshop[:8],
            content.kind,
        ]
        y = y0 + 25 * MM
        for line in lines:
            if line:
                canvas.drawString(x0 + 23.5 * MM, y, line)
                y -= 3.4 * MM
        done += 1
    use_a85 = rl_config.useA85
    rl_config.useA85 = 1  # as main wrote it
    try:
        canvas.save()
    finally:
        rl_config.useA85 = use_a85
    return done


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    labels: int
    seconds: float
    cpu: float  # this process's CPU seconds: less swayed by a busy machine than the clock
    size: int
    samples: list[tuple[int, float]]  # (labels done, RSS MiB), in time order
    start_rss: float

    def rss_at(self, done: int) -> float:
        return next((rss for d, rss in self.samples if d >= done), self.samples[-1][1])

    @property
    def growth_after_tenth(self) -> float:
        tenth = self.rss_at(self.labels // 10)
        later = [rss for d, rss in self.samples if d >= self.labels // 10]
        return max(later) - tenth

    @property
    def peak_growth(self) -> float:
        return max(rss for _, rss in self.samples) - self.start_rss


def watch(name: str, labels: int, run: Callable[[], int], done: Callable[[], int]) -> Run:
    """Run ``run`` while a thread samples (labels done, RSS) every 50 ms."""
    samples: list[tuple[int, float]] = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            samples.append((done(), rss_mb()))
            stop.wait(0.05)

    start_rss = rss_mb()
    sampler = threading.Thread(target=sample, daemon=True)
    start, cpu = time.perf_counter(), time.process_time()
    sampler.start()
    size = run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    stop.set()
    sampler.join()
    samples.append((labels, rss_mb()))
    return Run(name, labels, seconds, cpu, size, samples, start_rss)


class Counted:
    """An iterator that counts what was taken from it (labels done, for the references)."""

    def __init__(self, items: Iterable):
        self.items, self.taken = iter(items), 0

    def __iter__(self) -> Iterator:
        for item in self.items:
            self.taken += 1
            yield item


REFERENCES = ["old: one canvas, vector QR", "one canvas, today's drawing"]


def reference_run(name: str, codes: list[str], send) -> None:
    """One reference, in a process of its own: the lots read as the job reads them (a part's
    worth a query), drawn on one canvas into a temporary file, watched."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from quality import labels
    from quality.services import label_sheets as service

    labels.pdf_font()
    draw = old_single_canvas_pdf if name == REFERENCES[0] else labels.label_sheet_pdf

    def contents():
        for start in range(0, len(codes), 900):
            yield from service._lot_labels(codes[start : start + 900])

    counted = Counted(contents())
    with tempfile.TemporaryFile() as out:

        def reference() -> int:
            draw(counted, out)
            return out.tell()

        send.send(watch(name, len(codes), reference, lambda: counted.taken))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks labels")
    parser.add_argument("--labels", type=int, default=10_000)
    args = parser.parse_args(argv)

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from jobs.services import job_create
    from quality import labels
    from quality.models import LabelSheet
    from quality.services import label_sheet_build
    from quality.services import label_sheets as service

    lead, codes = make_lots(args.labels)
    # The rows the API's POST /labels/sheets makes; the task's body runs here, watched.
    job = job_create(kind="label_sheet", created_by=lead, total=len(codes))
    sheet = LabelSheet.objects.create(job=job, lot_codes=codes, created_by=lead)
    # Read once a process, not part of any run: the font file, and pypdf's modules.
    labels.pdf_font()
    import pypdf  # noqa: F401

    # The job reports labels done once a part; the sampler reads what it last reported.
    reported = {"done": 0}
    real_progress = service.job_progress

    def progress(*, job_id, done, **kwargs):
        reported["done"] = done
        return real_progress(job_id=job_id, done=done, **kwargs)

    service.job_progress = progress

    def build() -> int:
        label_sheet_build(sheet_id=sheet.pk)
        sheet.refresh_from_db()
        return sheet.pdf.size

    runs = [watch("job: parts + pypdf join", len(codes), build, lambda: reported["done"])]
    service.job_progress = real_progress

    pages = -(-len(codes) // labels.PER_PAGE)
    connection.close()
    # Each reference in a new interpreter, so that none reuses memory another run freed.
    spawn = multiprocessing.get_context("spawn")
    for name in REFERENCES:
        receive, send = spawn.Pipe(duplex=False)
        child = spawn.Process(target=reference_run, args=(name, codes, send))
        child.start()
        runs.append(receive.recv())
        child.join()

    load = os.getloadavg()
    print(
        f"{len(codes)} labels, {pages} A4 pages, {labels.label_part_pages(len(codes))} pages a "
        f"part; database {connection.vendor}; load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}"
    )
    print()
    tenths = [len(codes) * k // 10 for k in range(1, 11)]
    columns = ["s", "CPU s", "labels/s", "PDF MiB", "+RSS 10%→end", "peak +RSS"]
    widths = [6, 6, 8, 7, 12, 9]
    print(f"{'':30} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    for run in runs:
        print(
            f"{run.name:30} {run.seconds:6.2f} {run.cpu:6.2f} {run.labels / run.seconds:8.0f} "
            f"{run.size / 2**20:7.2f} {run.growth_after_tenth:9.1f} MiB {run.peak_growth:5.1f} MiB"
        )
    print()
    print("resident memory (MiB) at labels done:")
    print(f"{'':30} " + " ".join(f"{t:>6}" for t in tenths))
    for run in runs:
        print(f"{run.name:30} " + " ".join(f"{run.rss_at(t):6.1f}" for t in tenths))
    print()
    job_run, old, canvas = runs
    print(
        f"job ÷ old: time {job_run.seconds / old.seconds:.2f}, CPU {job_run.cpu / old.cpu:.2f}, "
        f"size {job_run.size / old.size:.2f}; job ÷ one canvas (today's drawing): time "
        f"{job_run.seconds / canvas.seconds:.2f}, CPU {job_run.cpu / canvas.cpu:.2f}, "
        f"size {job_run.size / canvas.size:.2f}"
    )
    if len(codes) == 10_000:
        verdict = "holds" if job_run.seconds <= 10 else "missed in this run (see the load average)"
        print(f"target 10,000 labels ≤ 10 s: {job_run.seconds:.1f} s, {verdict}")
    return 0
