from datetime import datetime
from typing import Any

from ninja import Schema


class JobOut(Schema):
    id: int
    kind: str
    status: str
    status_label: str
    done: int
    total: int
    percent: int
    message: str
    result: dict[str, Any]
    attempts: int
    created_at: datetime
    heartbeat_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())
