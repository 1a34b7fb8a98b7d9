"""A 10,000-label A4 PDF: time (target ≤ 30 s) and memory as it grows (target: flat).

    python -m benchmarks labels [--labels 10000]

Makes the lots (not timed), then runs the label-sheet job's own code (what the Celery task
runs) while a sampler thread records the resident memory against labels done. Prints the
time, labels/s, the memory at each tenth and the PDF's size. Any database works (SQLite by
default; DATABASE_URL for PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path


def rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:  # pragma: no cover - not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks labels")
    parser.add_argument("--labels", type=int, default=10_000)
    args = parser.parse_args(argv)

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import User
    from benchmarks.scans import make_fixtures
    from jobs.models import Job
    from jobs.services import job_create
    from quality.models import LabelSheet, Lot
    from quality.services import label_sheet_build

    _, codes = make_fixtures(args.labels)
    lead = User.objects.get(
        pk=Lot.objects.filter(code=codes[0]).values_list("created_by", flat=True)[0]
    )
    # The rows the API's POST /labels/sheets makes; the task's body runs here, watched.
    job = job_create(kind="label_sheet", created_by=lead, total=len(codes))
    sheet = LabelSheet.objects.create(job=job, lot_codes=codes, created_by=lead)

    samples: list[tuple[float, int, float]] = []
    stop = threading.Event()
    start = time.perf_counter()

    def sample():
        from django.db import connection

        while not stop.is_set():
            done = Job.objects.filter(pk=sheet.job_id).values_list("done", flat=True).first()
            samples.append((time.perf_counter() - start, done or 0, rss_mb()))
            stop.wait(0.25)
        connection.close()

    base = rss_mb()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    count = label_sheet_build(sheet_id=sheet.pk)
    elapsed = time.perf_counter() - start
    stop.set()
    sampler.join()
    sheet.refresh_from_db()
    size = sheet.pdf.size
    print(f"{count} labels in {elapsed:.1f} s ({count / elapsed:.0f} labels/s; target ≤ 30 s)")
    print(f"PDF {size / 2**20:.1f} MiB, {-(-count // 45)} pages; RSS before {base:.0f} MiB")
    print("labels done → resident memory (MiB)")
    step = max(1, count // 10)
    shown = set()
    for _, done, rss in samples:
        bucket = done // step
        if bucket not in shown and done:
            shown.add(bucket)
            print(f"  {done:>6} → {rss:6.1f}")
    peak = max(rss for _, _, rss in samples) if samples else rss_mb()
    print(f"peak RSS {peak:.0f} MiB (growth {peak - base:.0f} MiB over the run)")
    return 0
