"""The machinery of the permission matrix: what the API and the pages offer, a request that
names the other world's objects, and the checks (status, no foreign text, no row changed)."""

import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from .world import World

API = "/api/v1"

# Tables that every request may touch without changing anything of a world: the caller's own
# API token (``last_used_at``), its session, and the sign-in log.
VOLATILE_TABLES = {"accounts_apitoken", "django_session", "axes_accessattempt", "axes_accesslog"}

# A path parameter or body field → the key of World.ids it names. Names not here, and not
# ending in a known suffix, make the test fail: every reference must be mapped on purpose.
REFERENCE = {
    "workshop_id": "workshop_id",
    "order_id": "order_id",
    "batch_id": "batch_id",
    "ticket_id": "ticket_id",
    "code": "code",
    "sheet_id": "sheet_id",
    "inspection_id": "inspection_id",
    "state_id": "state_id",
    "period_id": "period_id",
    "corrects_period_id": "corrects_period_id",
    "statement_id": "statement_id",
    "token": "token",
    "programme_id": "programme_id",
    "cohort_id": "cohort_id",
    "trainee_id": "trainee_id",
    "task_id": "task_id",
    "run_id": "run_id",
    "proposal_id": "proposal_id",
    "exclude_ids": "proposal_id",
    "keep_ids": "proposal_id",
    "household_id": "household_id",
    "service_center_id": "service_center_id",
    "region_id": "region_id",
    "module_id": "module_id",
    "corrects_id": "corrects_id",
    "assessment_id": "assessment_id",
    "user_id": "user_id",
    "organisation_id": "organisation_id",
    "merchant_id": "merchant_id",
    "trainer_ids": "trainer_id",
    "trainee_ids": "trainee_id",
    "batch_ids": "open_batch_id",
    "codes": "code",
    "key_id": "key_id",
    "endpoint_id": "endpoint_id",
    "delivery_id": "delivery_id",
    "payment_id": "payment_id",
    # a currency code, not an object of a world (both worlds name the same one): the rates
    # endpoint is the operator's, refused to every role of a world whatever the code
    "currency": "currency",
}


def is_reference(name: str) -> bool:
    return name.endswith(("_id", "_ids")) or name in {"code", "codes", "token"}


# --- the OpenAPI document -------------------------------------------------------------------


@cache
def openapi() -> dict:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200, response.status_code
    return response.json()


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = openapi()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@dataclass
class Operation:
    method: str
    path: str  # relative to /api/v1, with {placeholders}
    path_params: list[str]
    query_refs: list[str]
    body_kind: str | None  # "json" | "multipart" | None
    body_schema: dict | None
    body_refs: list[str] = field(default_factory=list)  # dotted, "shares[].household_id"
    public: bool = False  # no authentication

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def _refs_in(schema: dict, prefix: str = "", depth: int = 0) -> list[str]:
    schema = resolve(schema)
    found = []
    for variant in schema.get("anyOf", []):
        if resolve(variant).get("type") == "object" or "$ref" in variant:
            found += _refs_in(variant, prefix, depth)
    for name, prop in schema.get("properties", {}).items():
        dotted = f"{prefix}{name}"
        if is_reference(name):
            found.append(dotted)
        elif depth < 3:
            inner = resolve(prop.get("items", prop)) if "items" in prop else resolve(prop)
            for variant in [inner, *inner.get("anyOf", [])]:
                variant = resolve(variant)
                if variant.get("properties"):
                    suffix = "[]." if "items" in prop else "."
                    found += _refs_in(variant, f"{dotted}{suffix}", depth + 1)
    return sorted(set(found))


@cache
def operations() -> list[Operation]:
    found = []
    for full_path, item in openapi()["paths"].items():
        path = full_path.removeprefix(API)
        for method, spec in item.items():
            params = spec.get("parameters", [])
            body = spec.get("requestBody", {}).get("content", {})
            kind, schema = None, None
            if "application/json" in body:
                kind, schema = "json", body["application/json"]["schema"]
            elif "multipart/form-data" in body:
                kind, schema = "multipart", body["multipart/form-data"]["schema"]
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    path_params=[p["name"] for p in params if p["in"] == "path"],
                    query_refs=[
                        p["name"] for p in params if p["in"] == "query" and is_reference(p["name"])
                    ],
                    body_kind=kind,
                    body_schema=schema,
                    body_refs=_refs_in(schema) if schema else [],
                    public=not spec.get("security"),
                )
            )
    return found


# --- a request that names the other world's objects -----------------------------------------


def example(schema: dict, name: str = "") -> Any:
    """A small value that passes ``schema``: required fields, plus every reference field."""
    schema = resolve(schema)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if resolve(s).get("type") != "null"]
        return example(options[0], name) if options else None
    if "allOf" in schema:
        return example(schema["allOf"][0], name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {
            key: example(prop, key)
            for key, prop in schema.get("properties", {}).items()
            if key in required or is_reference(key) or _refs_in(prop.get("items", prop))
        }
    if kind == "array":
        return [example(schema.get("items", {}), name)] * max(schema.get("minItems", 1), 1)
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        days = 20 if name == "deadline" else -1
        return (timezone.localdate() + timedelta(days=days)).isoformat()
    if fmt == "date-time":
        return timezone.now().isoformat()
    if fmt == "uuid" or name in {"key", "idempotency_key", "client_key"}:
        return str(uuid.uuid4())
    if fmt == "binary":
        return "binary"
    if schema.get("pattern") == "^[a-z0-9-]{2,40}$":
        return "probe-course"
    return "探" * max(schema.get("minLength", 1), 2)


def _set(body: Any, dotted: str, value_of) -> None:
    head, _, rest = dotted.partition(".")
    if head.endswith("[]"):
        for item in body.get(head[:-2], []) if isinstance(body, dict) else []:
            _set(item, rest, value_of)
        return
    if not isinstance(body, dict):
        return
    if rest:
        if isinstance(body.get(head), dict):
            _set(body[head], rest, value_of)
        return
    body[head] = value_of(head)


def reference_value(name: str, world: World) -> Any:
    key = REFERENCE.get(name)
    assert key is not None, f"no object mapped for the reference {name!r}: add it to REFERENCE"
    value = world.ids[key]
    return [value] if name.endswith(("_ids", "codes")) else value


def tiny_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


@dataclass
class Call:
    method: str
    url: str
    json: Any = None
    form: dict | None = None

    @property
    def text(self) -> str:
        return f"{self.url} {self.json!r} {sorted((self.form or {}).items())!r}"


# Where a name is not enough: the object of that kind an operation acts on (a claim wants an
# open batch, a publish a draft order), so that a missing check would show as a success.
PATH_OVERRIDES = {
    "POST /batches/{batch_id}/claim": {"batch_id": "open_batch_id"},
    "PATCH /orders/{order_id}": {"order_id": "draft_order_id"},
    "POST /orders/{order_id}/publish": {"order_id": "draft_order_id"},
}

# Fields a body needs so that it is refused for its references, not for being empty.
BODY_EXTRA = {
    "POST /tickets/{ticket_id}/returns": {"returned": 1},
    "POST /lots": {"kind": "finished"},
    "POST /orders/{order_id}/cancel": {"reason": "探针"},
}


def build_call(
    op: Operation,
    *,
    path_world: World,
    body_world: World,
    foreign_refs: set[str] | None = None,
    own_world: World | None = None,
) -> Call:
    """The request: path parameters from ``path_world``, body references from ``body_world``
    (or, when ``foreign_refs`` is given, only those from ``body_world`` and the rest from
    ``own_world``)."""

    def world_for(ref: str) -> World:
        if foreign_refs is None:
            return body_world
        return body_world if ref in foreign_refs else own_world

    url = op.path
    for name in op.path_params:
        world = path_world if foreign_refs is None else world_for(f"path:{name}")
        key = PATH_OVERRIDES.get(op.id, {}).get(name)
        value = world.ids[key] if key else reference_value(name, world)
        url = url.replace("{" + name + "}", str(value))
    url = API + url
    if op.query_refs and not op.path_params:
        query = "&".join(
            f"{name}={reference_value(name, world_for(f'query:{name}'))}" for name in op.query_refs
        )
        url = f"{url}?{query}"
    if op.body_kind is None:
        return Call(op.method, url)
    body = example(op.body_schema) if op.body_schema else {}
    body.update(BODY_EXTRA.get(op.id, {}))
    for ref in op.body_refs:
        _set(body, ref, lambda name, ref=ref: reference_value(name, world_for(f"body:{ref}")))
    if op.id == "POST /scans/bulk":
        body = {
            "scans": [
                {
                    "key": str(uuid.uuid4()),
                    "code": reference_value("code", world_for("body:scans[].code")),
                    "action": "received",
                    "device_time": timezone.now().isoformat(),
                }
            ]
        }
    if op.body_kind == "multipart":
        form = {}
        for key, value in body.items():
            if value == "binary":
                upload = io.BytesIO(tiny_jpeg())
                upload.name = "photo.jpg"
                form[key] = upload
            else:
                form[key] = value
        return Call(op.method, url, form=form)
    return Call(op.method, url, json=body)


def references_of(op: Operation) -> list[str]:
    """Every reference an operation takes, as ``path:name``, ``query:name``, ``body:dotted``."""
    refs = [f"path:{name}" for name in op.path_params]
    if not op.path_params:
        refs += [f"query:{name}" for name in op.query_refs]
    refs += [f"body:{ref}" for ref in op.body_refs]
    if op.id == "POST /scans/bulk":
        refs.append("body:scans[].code")
    return refs


def send(call: Call, headers: dict[str, str]):
    client = Client()
    method = getattr(client, call.method.lower())
    if call.form is not None:
        for value in call.form.values():
            if hasattr(value, "seek"):
                value.seek(0)
        return method(call.url, data=call.form, headers=headers)
    if call.method in {"GET", "DELETE"}:
        return method(call.url, headers=headers)
    import json as _json

    return method(
        call.url,
        data=_json.dumps(call.json, ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )


# --- the checks ------------------------------------------------------------------------------


@cache
def _tables() -> tuple[str, ...]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return tuple(sorted(name for name in names if name not in VOLATILE_TABLES))


def database_state() -> dict[str, object]:
    """Every row of every table (but the volatile ones): any insert, update or delete
    anywhere shows as a difference. On PostgreSQL one round trip gives each table's row count
    and a digest of its rows in order; elsewhere the rows themselves, sorted."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            digests = ", ".join(
                f"(SELECT count(*) || ' rows ' || coalesce(md5(string_agg(r::text, '|' "  # noqa: S608 - introspected names
                f"ORDER BY r::text)), '') FROM {quote(table)} r)"
                for table in _tables()
            )
            cursor.execute(f"SELECT {digests}")
            return dict(zip(_tables(), cursor.fetchone(), strict=True))
        state = {}
        for table in _tables():
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - introspected names
            state[table] = sorted(cursor.fetchall(), key=repr)
        return state


def _rows(value) -> int:
    return len(value) if isinstance(value, list) else int(str(value).split(" ", 1)[0])


def changed_tables(before: dict, after: dict) -> dict[str, str]:
    changes = {}
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, []), after.get(table, [])
        if old != new:
            changes[table] = f"{_rows(old)} → {_rows(new)} rows" + (
                " (a row's values changed)" if _rows(old) == _rows(new) else ""
            )
    return changes


def leaked(body: str, target: World, call: Call) -> list[str]:
    """The target world's strings and quantities in an answer (what the caller sent itself
    does not count). A quantity counts as a whole number only, not inside a token or hash."""
    found = [s for s in target.secrets if s in body and s not in call.text]
    found += [
        str(n)
        for n in target.numbers
        if re.search(rf"(?<![\w.]){n}(?![\w.])", body) and str(n) not in call.text
    ]
    return found


def decode(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def empty_list(response) -> bool:
    """A 200 to a list filtered by a foreign id is fine only when it lists nothing."""
    try:
        body = response.json()
    except ValueError:
        return False
    if isinstance(body, dict) and "items" in body:
        return body["items"] == [] and body.get("count", 0) == 0
    return body == []


CSRF_TOKEN = "a" * 32  # any 32 characters: cookie and form field only have to agree


def page_client(session_key: str | None) -> Client:
    from django.conf import settings

    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_TOKEN
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def login_redirect(response) -> bool:
    return response.status_code == 302 and re.search(r"/login/\?next=", response["Location"])
