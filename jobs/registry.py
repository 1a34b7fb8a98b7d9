"""What the apps that own jobs tell this one: how to undo a job that is given up.

jobs sits below the apps whose work it tracks (payouts, quality, …) and may not import them.
An app registers its kinds at start-up (``AppConfig.ready``); when the reaper gives up a job
whose worker is gone, it calls that kind's ``on_give_up`` with the job's id, in the same
transaction that marks the job failed, so that the owning object (a period stuck in
``computing``) goes back to a state an operator can retry from.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    kind: str
    on_give_up: Callable[[int], None] | None = None


_kinds: dict[str, JobKind] = {}


def job_kind_register(kind: str, *, on_give_up: Callable[[int], None] | None = None) -> None:
    _kinds[kind] = JobKind(kind=kind, on_give_up=on_give_up)


def job_kind_get(kind: str) -> JobKind | None:
    return _kinds.get(kind)
