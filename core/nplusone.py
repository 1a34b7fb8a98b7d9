"""Loops of writes that the N+1 detector must not take for a page reading a row at a time.

The test run watches every request with django-zeal (config/settings.py, ``SHOUCHUANG_ZEAL``):
the same query from the same line twice in one request fails the test. A few services loop
on purpose, one guarded write (and its read-back) per item, each item winning or losing its
own race; ``loop_of_writes()`` marks such a loop, with the reason at the call. Outside the
test run (no zeal installed, or switched off) it does nothing.
"""

from contextlib import AbstractContextManager, nullcontext

from django.conf import settings


def loop_of_writes(*models: str) -> AbstractContextManager:
    """Within it, repeated reads of ``models`` ("app.Model") are the loop's own, not an N+1."""
    if not getattr(settings, "SHOUCHUANG_ZEAL", False):
        return nullcontext()
    from zeal import zeal_ignore

    return zeal_ignore([{"model": model, "field": "*"} for model in models])
