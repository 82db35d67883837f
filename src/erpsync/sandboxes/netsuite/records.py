"""The sandbox's records: storage by internal id, ``eid:`` external ids, body validation and the REST
representation (links, references with ``refName``, sublists, ``fields`` selection, ``expandSubResources``).

Every table of records and the stock count their changes (``generation``), so what is derived from them
(the SuiteQL tables) is rebuilt only when they changed; a record changed in place is reported with
``RecordStore.touch``, as its ``lastModifiedDate`` must be anyway.

Facts: record URLs and ``eid:`` (Oracle help section_156335203191: external ids may be used wherever an
internal id goes; letters, digits, ``_`` and ``-``); datetimes in ISO 8601 UTC (section_157305090645).
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from erpsync.sandboxes.common import SandboxClock
from erpsync.sandboxes.netsuite.errors import NetSuiteError, invalid_reference, not_found, user_error
from erpsync.sandboxes.netsuite.schema import (
    ADDRESS_FIELDS,
    ENUMS,
    ORDER_STATUSES,
    RECORD_TYPES,
    STATUS_NAMES,
    Field,
    Kind,
    RecordType,
    resolve_type,
)

EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_\-]+$")
RECORD_PATH = "/services/rest/record/v1"

Record = dict[str, Any]


class RecordTable(dict[str, Record]):
    """The records of one type by internal id, with an index of their external ids and a ``generation``
    that every insert, delete or reported change (``RecordStore.touch``) moves on. A record changed in place
    without ``touch`` goes unseen: every write path touches what it changes (the account set-up's own
    timestamps are set before any query can run)."""

    def __init__(self) -> None:
        super().__init__()
        self.generation = 0
        self._ids_by_external_id: dict[str, str] = {}
        self._external_ids: dict[str, str] = {}  # internal id -> the external id indexed for it

    def by_external_id(self, external_id: str) -> Record | None:
        record_id = self._ids_by_external_id.get(external_id)
        record = self.get(record_id) if record_id is not None else None
        if record is None or record.get("externalId") != external_id:
            return None
        return record

    def changed(self, record_id: str) -> None:
        """The record with this id was inserted, changed in place or deleted."""
        self.generation += 1
        old = self._external_ids.pop(record_id, None)
        if old is not None and self._ids_by_external_id.get(old) == record_id:
            del self._ids_by_external_id[old]
        record = super().get(record_id)
        external_id = record.get("externalId") if record is not None else None
        if external_id is not None:
            self._ids_by_external_id[str(external_id)] = record_id
            self._external_ids[record_id] = str(external_id)

    def __setitem__(self, record_id: str, record: Record) -> None:
        super().__setitem__(record_id, record)
        self.changed(record_id)

    def __delitem__(self, record_id: str) -> None:
        super().__delitem__(record_id)
        self.changed(record_id)

    def pop(self, record_id: str, *default: Any) -> Any:
        record = super().pop(record_id, *default)
        self.changed(record_id)
        return record

    def setdefault(self, record_id: str, default: Record) -> Record:
        if record_id not in self:
            self[record_id] = default
        return self[record_id]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for record_id, record in dict(*args, **kwargs).items():
            self[record_id] = record

    def popitem(self) -> tuple[str, Record]:
        record_id, record = super().popitem()
        self.changed(record_id)
        return record_id, record

    def clear(self) -> None:
        for record_id in list(self):
            del self[record_id]


class StockTable(dict[tuple[str, str], Decimal]):
    """Quantity on hand by (item id, location id), with a ``generation`` every change moves on."""

    def __init__(self, levels: Any = ()) -> None:
        super().__init__(levels)
        self.generation = 0

    def __setitem__(self, key: tuple[str, str], quantity: Decimal) -> None:
        super().__setitem__(key, quantity)
        self.generation += 1

    def __delitem__(self, key: tuple[str, str]) -> None:
        super().__delitem__(key)
        self.generation += 1

    def pop(self, key: tuple[str, str], *default: Any) -> Any:
        self.generation += 1
        return super().pop(key, *default)

    def setdefault(self, key: tuple[str, str], default: Decimal) -> Decimal:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.generation += 1

    def popitem(self) -> tuple[tuple[str, str], Decimal]:
        self.generation += 1
        return super().popitem()

    def clear(self) -> None:
        super().clear()
        self.generation += 1


def record_type_or_404(name: str) -> RecordType:
    record_type = resolve_type(name)
    if record_type is None:
        raise NetSuiteError(
            404, "INVALID_RCRD_TYPE", f"The record type [{name}] is invalid or not supported by the sandbox."
        )
    return record_type


def to_decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool):
        raise user_error(f"Invalid number {value!r} for field {path}.", path=path)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise user_error(f"Invalid number {value!r} for field {path}.", path=path) from None


class RecordStore:
    """All records of one sandbox account, keyed by record type and internal id."""

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.records: dict[str, RecordTable] = {name: RecordTable() for name in RECORD_TYPES}
        self._stock = StockTable()
        self._stock_generation = 0  # moves on when the stock table is replaced, not only changed
        self._next_id = 100
        self.derived: dict[str, Any] = {}  # what other modules build from these records (SuiteQL tables)

    @property
    def stock(self) -> dict[tuple[str, str], Decimal]:
        """Quantity on hand by (item id, location id): a ``StockTable``, counting its changes."""
        return self._stock

    @stock.setter
    def stock(self, levels: dict[tuple[str, str], Decimal]) -> None:
        """Put back a copy taken earlier (a refused request restores the stock it found)."""
        self._stock_generation += self._stock.generation + 1
        self._stock = StockTable(levels)

    def generation(self, name: str) -> int:
        """How often the records of type ``name`` (or ``"stock"``) have changed: equal means unchanged."""
        if name == "stock":
            return self._stock_generation + self._stock.generation
        return self.records[name].generation

    # --- identity ---------------------------------------------------------------------------------

    def new_id(self) -> str:
        with self.lock:
            self._next_id += 1
            return str(self._next_id)

    def find(self, record_type: RecordType, key: str) -> Record | None:
        """A record by internal id or by ``eid:<externalId>``."""
        table = self.records[record_type.name]
        if key.startswith("eid:"):
            return table.by_external_id(key[4:])
        return table.get(key)

    def get(self, record_type: RecordType, key: str) -> Record:
        record = self.find(record_type, key)
        if record is None:
            raise not_found(record_type.name, key)
        return record

    def find_any(self, family_or_type: str, record_id: str) -> tuple[RecordType, Record] | None:
        """A referenced record: ``family_or_type`` is a record type or a family (item, transaction)."""
        for record_type in RECORD_TYPES.values():
            if family_or_type in (record_type.name, record_type.family):
                record = self.find(record_type, record_id)
                if record is not None:
                    return record_type, record
        return None

    def all(self, record_type: RecordType) -> Iterator[Record]:
        return iter(sorted(self.records[record_type.name].values(), key=lambda r: int(r["id"])))

    # --- writes -----------------------------------------------------------------------------------

    def insert(self, record_type: RecordType, record: Record) -> Record:
        now = self.clock.now()
        record.setdefault("id", self.new_id())
        record["createdDate"] = now
        record["lastModifiedDate"] = now
        self.check_external_id_unique(record_type, record)
        self.records[record_type.name][record["id"]] = record
        return record

    def touch(self, record: Record) -> None:
        """Mark a record changed in place: a new ``lastModifiedDate``, and its table's ``generation``."""
        record["lastModifiedDate"] = self.clock.now()
        for table in self.records.values():
            if table.get(record.get("id", "")) is record:
                table.changed(record["id"])
                return

    def delete(self, record_type: RecordType, key: str) -> Record:
        record = self.get(record_type, key)
        del self.records[record_type.name][record["id"]]
        return record

    def check_external_id_unique(self, record_type: RecordType, record: Record) -> None:
        external_id = record.get("externalId")
        if external_id is None:
            return
        if not EXTERNAL_ID.match(str(external_id)):
            raise user_error(
                f"Invalid externalId {external_id!r}: use letters, digits, '_' and '-'.", path="externalId"
            )
        other = self.records[record_type.name].by_external_id(str(external_id))
        if other is not None and other["id"] != record.get("id"):
            # [UNCONF] NetSuite's code for a duplicate external id; DUP_RCRD is its generic duplicate.
            raise NetSuiteError(
                400,
                "DUP_RCRD",
                f"A {record_type.name} record with external ID {external_id} already exists.",
                path="externalId",
            )

    # --- validation -------------------------------------------------------------------------------

    def validate(self, record_type: RecordType, body: Any, *, partial: bool) -> Record:
        """Check a request body field by field; return it with references resolved to internal ids."""
        if not isinstance(body, dict):
            raise user_error("The request body must be a JSON object.")
        clean = self._validate_fields(record_type, record_type.fields, body, prefix="")
        if not partial:
            for name, spec in record_type.fields.items():
                if spec.required and name not in clean:
                    raise user_error(f"Please enter value(s) for: {name}", path=name)
        return clean

    def _validate_fields(
        self, record_type: RecordType, specs: dict[str, Field], body: dict[str, Any], *, prefix: str
    ) -> Record:
        clean: Record = {}
        for name, value in body.items():
            path = f"{prefix}{name}"
            if name == "links":
                continue
            spec = specs.get(name)
            if spec is None and name.split("_", 1)[0] in (*record_type.custom_prefixes, "custcol"):
                clean[name] = value
                continue
            if spec is None:
                raise user_error(
                    f"Invalid field name {name} for record type {record_type.name}. Provide a valid field.",
                    path=path,
                )
            if spec.read_only:
                if name == "id":
                    continue
                raise user_error(f"The field {name} is read-only and cannot be set.", path=path)
            clean[name] = self._validate_value(record_type, spec, value, path)
        return clean

    def _validate_value(self, record_type: RecordType, spec: Field, value: Any, path: str) -> Any:
        if value is None:
            return None
        if spec.kind is Kind.TEXT:
            if isinstance(value, dict | list):
                raise user_error(f"Invalid value for field {path}: expected text.", path=path)
            return str(value)
        if spec.kind is Kind.NUMBER:
            return to_decimal(value, path)
        if spec.kind is Kind.BOOL:
            if not isinstance(value, bool):
                raise user_error(f"Invalid value for field {path}: expected true or false.", path=path)
            return value
        if spec.kind is Kind.DATE:
            try:
                return date.fromisoformat(str(value)[:10]).isoformat()
            except ValueError:
                raise user_error(
                    f"Invalid date {value!r} for field {path}: use YYYY-MM-DD.", path=path
                ) from None
        if spec.kind is Kind.ENUM:
            code = value.get("id") if isinstance(value, dict) else value
            if code not in ENUMS[spec.target]:
                raise user_error(f"Invalid value {code!r} for field {path}.", path=path)
            return {"id": code}
        if spec.kind is Kind.REF:
            return self._resolve_reference(spec, value, path)
        if spec.kind is Kind.ADDRESS:
            return self._validate_address(value, path)
        if spec.kind is Kind.VALUE:
            if not isinstance(value, dict) or set(value) - {"value", "links"}:
                raise user_error(f'Invalid value for field {path}: use {{"value": 5}}.', path=path)
            return {"value": to_decimal(value.get("value", 0), f"{path}.value")}
        return self._validate_sublist(record_type, spec, value, path)

    def _resolve_reference(self, spec: Field, value: Any, path: str) -> Record:
        if not isinstance(value, dict) or not ({"id", "externalId"} & value.keys()):
            raise user_error(f'Invalid reference for field {path}: use {{"id": "..."}}.', path=path)
        key = str(value["id"]) if "id" in value else f"eid:{value['externalId']}"
        found = self.find_any(spec.target, key)
        if found is None:
            raise invalid_reference(path.rsplit(".", 1)[-1], key, path=path)
        return {"id": found[1]["id"]}

    def _validate_address(self, value: Any, path: str) -> Record:
        if not isinstance(value, dict):
            raise user_error(f"Invalid address for field {path}.", path=path)
        unknown = set(value) - ADDRESS_FIELDS - {"links"}
        if unknown:
            name = sorted(unknown)[0]
            raise user_error(
                f"Invalid field name {name} for address. Provide a valid field.", path=f"{path}.{name}"
            )
        address = {k: v for k, v in value.items() if k != "links"}
        if isinstance(address.get("country"), str):
            address["country"] = {"id": address["country"]}
        return address

    def _validate_sublist(self, record_type: RecordType, spec: Field, value: Any, path: str) -> Record:
        if not isinstance(value, dict) or not isinstance(value.get("items", []), list):
            raise user_error(f'Invalid sublist {path}: use {{"items": [...]}}.', path=path)
        lines = []
        for index, line in enumerate(value.get("items", [])):
            line_path = f"{path}.items[{index}]."
            if not isinstance(line, dict):
                raise user_error(f"Invalid line in sublist {path}.", path=line_path[:-1])
            clean = self._validate_fields(record_type, spec.line_fields, line, prefix=line_path)
            for name, line_spec in spec.line_fields.items():
                # a line naming its "line" number updates an existing line: its other fields may be omitted
                if line_spec.required and clean.get(name) is None and "line" not in clean:
                    raise user_error(f"Please enter value(s) for: {name}", path=f"{line_path}{name}")
            lines.append(clean)
        return {"items": lines}

    # --- representation ---------------------------------------------------------------------------

    def ref_name(self, target: str, record_id: str) -> str | None:
        found = self.find_any(target, record_id)
        if found is None:
            return None
        record_type, record = found
        if record_type.family == "item":
            return str(record.get("itemId"))
        if record_type.family == "transaction":
            return f"{_type_label(record_type.name)} #{record.get('tranId')}"
        if record_type.name == "customer":
            person = " ".join(p for p in (record.get("firstName"), record.get("lastName")) if p)
            return f"{record.get('entityId')} {record.get('companyName') or person}".strip()
        return str(record.get("name", record_id))

    def represent(
        self,
        record_type: RecordType,
        record: Record,
        base_url: str,
        *,
        expand: bool = False,
        fields: set[str] | None = None,
    ) -> Record:
        """The JSON NetSuite answers for GET record: links, refs with refName, sublists linked or expanded."""
        self_url = f"{base_url}{RECORD_PATH}/{record_type.name}/{record['id']}"
        body: Record = {"links": [{"rel": "self", "href": self_url}]}
        for name, value in record.items():
            if name.startswith("_") or value is None or (fields is not None and name not in fields | {"id"}):
                continue
            spec = record_type.fields.get(name)
            if spec is not None and spec.kind is Kind.SUBLIST:
                sub_url = f"{self_url}/{name}"
                if expand:
                    body[name] = self.represent_sublist(record_type, spec, value, sub_url, base_url)
                else:
                    body[name] = {"links": [{"rel": "self", "href": sub_url}]}
                continue
            body[name] = self._represent_value(record_type, spec, name, value, base_url)
        return body

    def represent_sublist(
        self, record_type: RecordType, spec: Field, value: Record, sub_url: str, base_url: str
    ) -> Record:
        items = []
        for line in value.get("items", []):
            rendered: Record = {"links": []}
            for name, line_value in line.items():
                if line_value is not None:
                    line_spec = spec.line_fields.get(name)
                    rendered[name] = self._represent_value(record_type, line_spec, name, line_value, base_url)
            items.append(rendered)
        return {
            "links": [{"rel": "self", "href": sub_url}],
            "items": items,
            "totalResults": len(items),
            "count": len(items),
            "hasMore": False,
            "offset": 0,
        }

    def _represent_value(
        self, record_type: RecordType, spec: Field | None, name: str, value: Any, base_url: str
    ) -> Any:
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(value, Decimal):
            return float(value)
        if spec is None:
            return copy.deepcopy(value)
        if spec.kind is Kind.REF and isinstance(value, dict):
            found = self.find_any(spec.target, value["id"])
            target = found[0].name if found else spec.target
            ref: Record = {
                "links": [{"rel": "self", "href": f"{base_url}{RECORD_PATH}/{target}/{value['id']}"}],
                "id": value["id"],
            }
            ref_name = self.ref_name(spec.target, value["id"])
            if ref_name is not None:
                ref["refName"] = ref_name
            return ref
        if spec.kind is Kind.VALUE and isinstance(value, dict):
            # [UNCONF] served as text ("0", "5"), as the sandbox has always answered the quantity break
            return {"value": _plain_number(value.get("value"))}
        if spec.kind is Kind.ENUM and isinstance(value, dict):
            names = _status_names(record_type.name) if name == "status" else ENUMS.get(spec.target, {})
            return {"id": value["id"], "refName": names.get(value["id"], value["id"])}
        return copy.deepcopy(value)


def _plain_number(value: Any) -> str:
    number = Decimal(str(value if value is not None else 0))
    return str(number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize())


def _status_names(record_type_name: str) -> dict[str, str]:
    return STATUS_NAMES.get(record_type_name, ORDER_STATUSES)


def _type_label(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r" \1", name).title()
