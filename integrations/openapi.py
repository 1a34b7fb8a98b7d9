"""The webhook payloads in the OpenAPI document: one schema per event (the envelope with its
``data``) among the components, and the OpenAPI 3.1 ``webhooks`` section naming each."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import create_model

from .events import EVENT_SCHEMAS, EVENTS
from .signing import SIGNATURE_HEADER


def _event_model_name(event: str) -> str:
    return "".join(part.capitalize() for part in event.split(".")) + "Event"


def document_webhooks(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    webhooks = schema.setdefault("webhooks", {})
    for event, data_schema in EVENT_SCHEMAS.items():
        name = _event_model_name(event)
        model = create_model(
            name,
            id=(uuid.UUID, ...),
            type=(Literal[event], ...),  # type: ignore[valid-type]
            created_at=(datetime, ...),
            data=(data_schema, ...),
        )
        model.__doc__ = f"{event}: {EVENTS[event]}"
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in body.pop("$defs", {}).items():
            components.setdefault(def_name, definition)
        body["description"] = f"The body of a {event} delivery."
        components[name] = body
        webhooks[event] = {
            "post": {
                "summary": f"{event} ({EVENTS[event]})",
                "description": (
                    f"Signed: `{SIGNATURE_HEADER}: t=<unix time>,v1=<hex>`, HMAC-SHA256 of "
                    "`<t>.<raw body>` with the endpoint's secret (docs/integrations.md)."
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                "responses": {"2XX": {"description": "Received; anything else is retried"}},
            }
        }
    return schema
