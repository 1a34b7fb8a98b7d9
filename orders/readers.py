"""What apps above orders tell it, registered when the project starts (orders never imports
them): quality knows which returned pieces are already packed into finished lots, and which
material lots went out for a batch.

Each reader is a plain function; until one is registered (orders on its own, some tests) the
answer is "none".
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MaterialLot:
    """A material lot sent for a batch, as the lead's batch page shows it."""

    code: str
    quantity: int
    stage: str
    stage_label: str
    received: bool


_packed: list[Callable[..., dict[int, int]]] = []
_material_lots: list[Callable[..., list[MaterialLot]]] = []


def packed_pieces_reader_register(reader: Callable[..., dict[int, int]]) -> None:
    """``reader(batch_id=)`` → household id → returned pieces packed into finished lots."""
    _packed[:] = [reader]


def packed_pieces_by_household(*, batch_id: int) -> dict[int, int]:
    return dict(_packed[0](batch_id=batch_id)) if _packed else {}


def material_lots_reader_register(reader: Callable[..., list[MaterialLot]]) -> None:
    """``reader(batch_id=, workshop_id=)`` → the material lots sent to that workshop."""
    _material_lots[:] = [reader]


def material_lots_of_batch(*, batch_id: int, workshop_id: int | None) -> list[MaterialLot]:
    if not _material_lots or workshop_id is None:
        return []
    return list(_material_lots[0](batch_id=batch_id, workshop_id=workshop_id))
