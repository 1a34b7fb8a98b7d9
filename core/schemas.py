"""Schema bases shared by every app's schemas."""

from decimal import Decimal
from functools import cache
from typing import Annotated, Any, get_args

from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .text import NUL_MESSAGE, nul_locations


def _mentions_any(annotation: Any) -> bool:
    return annotation is Any or any(_mentions_any(arg) for arg in get_args(annotation))


@cache
def _is_raw_json(model: type, field_name: str) -> bool:
    """A field typed with ``Any`` holds raw JSON that its endpoint validates item by item."""
    field = model.model_fields.get(field_name)
    return field is not None and _mentions_any(field.annotation)


def _refuse_nul(cls: type, value: Any, info: ValidationInfo) -> Any:
    if info.field_name and _is_raw_json(cls, info.field_name):
        return value
    if next(nul_locations(value), None) is not None:
        raise PydanticCustomError("invalid_characters", str(NUL_MESSAGE))
    return value


def nul_refusing_validator() -> Any:
    """The NUL check of ``InSchema``, for models built without it (``create_model``)."""
    return field_validator("*", mode="after")(_refuse_nul)


class InSchema(Schema):
    """Request bodies: unknown fields are an error, not silently dropped; no NUL in any text.

    A NUL (which PostgreSQL cannot store) is refused per field as ``invalid_characters``; see
    core.text. Fields typed ``Any`` are raw JSON judged by their endpoint, one item at a time.
    """

    model_config = ConfigDict(extra="forbid")

    refuse_nul_characters = nul_refusing_validator()


class ErrorOut(Schema):
    """Every 4xx and 5xx answer of the API."""

    code: str = Field(..., description="machine-readable, e.g. batch_already_claimed")
    message: str = Field(..., description="for people, in the request's language")
    detail: dict[str, Any] = Field({}, description="what the code needs: fields, limits, ids")


def decimal_column(max_digits: int, decimal_places: int) -> Any:
    """A Decimal no larger in magnitude than a ``DecimalField(max_digits, decimal_places)``.

    Precision and sign stay with the services, each with its own error code; the schema keeps
    an absurd magnitude (10^30) from ever reaching the database, where it was a 500.
    """
    limit = Decimal(10) ** (max_digits - decimal_places)
    return Annotated[Decimal, Field(gt=-limit, lt=limit)]


# Money in yuan, as a string decimal in JSON ("0.35"), bounded to the columns that store it.
Money = decimal_column(12, 2)  # an amount (adjustments; stored as integer fen)
FeePerPiece = decimal_column(10, 4)  # yuan per piece (an order's fees, as payout pools copy them)
HourlyWage = decimal_column(8, 2)  # yuan per hour (the minimum wage table)
