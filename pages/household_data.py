"""A household's data, exported on its request (《个人信息保护法》 access and portability).

Everything the platform holds about one household, whichever app keeps it: the household row,
then every row of every model with a foreign key to ``Household`` (cards, consents, events,
skills, tickets, lots, statement lines, payments, … found through Django's model metadata, so
a model added later is exported without touching this file). Two shapes: JSON for a machine,
and an .xlsx with one sheet per kind, Chinese headers and choice labels, for a person.

Who: the household's workshop lead or an operator (``household_get`` scopes it). The answer is
``no-store``: it is personal data.
"""

import io
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from openpyxl import Workbook

from core.access import page
from workshops.models import Household
from workshops.selectors import household_get

LEAD = "lead"


def _row(instance: models.Model, *, readable: bool) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if readable and field.choices:
            value = getattr(instance, f"get_{field.name}_display")()
        else:
            value = getattr(instance, field.attname)
        if isinstance(value, FieldFile):  # a photo: its stored name, not the file
            value = value.name or ""
        key = str(field.verbose_name) if readable else field.attname
        row[key] = value
    return row


def _related_models() -> list[tuple[type[models.Model], str]]:
    """(model, the field's name) for every foreign key or one-to-one to Household."""
    found = []
    for field in Household._meta.get_fields(include_hidden=True):
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one):
            found.append((field.related_model, field.field.name))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1]))


def household_data(*, household: Household, readable: bool = False) -> dict[str, list[dict]]:
    """Section (model label, or its Chinese name if ``readable``) → rows."""
    title = (
        (lambda model: str(model._meta.verbose_name_plural))
        if readable
        else (lambda model: model._meta.label)
    )
    sections = {title(Household): [_row(household, readable=readable)]}
    for model, field_name in _related_models():
        rows = [
            _row(item, readable=readable)
            for item in model._default_manager.filter(**{field_name: household}).order_by("pk")
        ]
        if rows:
            key = title(model)
            if key in sections:  # two foreign keys of one model to Household
                key = f"{key} ({field_name})"
            sections.setdefault(key, []).extend(rows)
    return sections


def _xlsx(sections: dict[str, list[dict]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for title, rows in sections.items():
        name = "".join(c for c in title if c not in "[]:*?/\\")[:28] or "sheet"
        while name in used:
            name = f"{name[:26]}_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        headers = list(rows[0])
        sheet.append(headers)
        for row in rows:
            sheet.append([_cell(row.get(header)) for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str):
        return value
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return str(value)


@page(LEAD)
def household_data_export(request: HttpRequest, household_id: int, shape: str) -> HttpResponse:
    household = household_get(viewer=request.user, household_id=household_id)
    if shape == "json":
        body = json.dumps(
            household_data(household=household), ensure_ascii=False, indent=1, cls=DjangoJSONEncoder
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    elif shape == "xlsx":
        response = HttpResponse(
            _xlsx(household_data(household=household, readable=True)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="household-{household.pk}.{shape}"'
    response["Cache-Control"] = "no-store"
    return response
