"""Schema bases shared by every app's schemas."""

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class InSchema(Schema):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str
    message: str
    detail: dict[str, Any] = {}
