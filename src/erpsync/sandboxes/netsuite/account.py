"""One NetSuite account's record operations, shared by the HTTP routes, the warehouse and the seed:
create, read, update, upsert by external id, delete and transform, each applying the account's rules
under one lock so a request sees and leaves a consistent account."""

from __future__ import annotations

import copy
from typing import Any

from erpsync.sandboxes.common import SandboxClock
from erpsync.sandboxes.netsuite import masterdata, pricing, transactions
from erpsync.sandboxes.netsuite.errors import user_error
from erpsync.sandboxes.netsuite.records import Record, RecordStore, record_type_or_404
from erpsync.sandboxes.netsuite.schema import Kind, RecordType


class Account:
    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self.store = RecordStore(clock)

    @property
    def lock(self) -> Any:
        return self.store.lock

    def reset(self) -> None:
        with self.lock:
            self.store = RecordStore(self.clock)

    # --- writes -----------------------------------------------------------------------------------

    def create(self, type_name: str, body: Any) -> tuple[RecordType, Record]:
        record_type = record_type_or_404(type_name)
        with self.lock:
            record = self.store.validate(record_type, body, partial=False)
            return record_type, self._insert(record_type, record)

    def update(
        self, type_name: str, key: str, body: Any, *, replace: set[str] | None = None
    ) -> tuple[RecordType, Record]:
        record_type = record_type_or_404(type_name)
        with self.lock:
            existing = self.store.get(record_type, key)
            changes = self.store.validate(record_type, body, partial=True)
            return record_type, self._update(record_type, existing, changes, replace or set())

    def upsert(self, type_name: str, key: str, body: Any) -> tuple[RecordType, Record]:
        """``PUT /record/v1/{type}/eid:X``: create the record with external id X, or update it."""
        record_type = record_type_or_404(type_name)
        if not key.startswith("eid:"):
            raise user_error("PUT is the upsert operation: address the record by external ID (eid:...).")
        external_id = key[4:]
        if isinstance(body, dict) and body.get("externalId", external_id) != external_id:
            raise user_error("The externalId in the body differs from the one in the URL.", path="externalId")
        with self.lock:
            existing = self.store.find(record_type, key)
            changes = self.store.validate(record_type, body, partial=existing is not None)
            changes["externalId"] = external_id
            if existing is None:
                return record_type, self._insert(record_type, changes)
            sublists = {name for name, spec in record_type.fields.items() if spec.kind is Kind.SUBLIST}
            return record_type, self._update(record_type, existing, changes, sublists, keep_lines=False)

    def delete(self, type_name: str, key: str) -> None:
        record_type = record_type_or_404(type_name)
        with self.lock:
            record = self.store.get(record_type, key)
            if record_type.family == "transaction" and _has_children(self.store, record["id"]):
                raise user_error(
                    "This record cannot be deleted because it has dependent records.", path="createdFrom"
                )
            self.store.delete(record_type, key)
            if record_type.name == "inventoryItem":
                for stock_key in [k for k in self.store.stock if k[0] == record["id"]]:
                    del self.store.stock[stock_key]

    def transform(self, type_name: str, key: str, target: str, body: Any) -> tuple[RecordType, Record]:
        source_type = record_type_or_404(type_name)
        target_type = record_type_or_404(target)
        with self.lock:
            source = self.store.get(source_type, key)
            clean = self.store.validate(target_type, body or {}, partial=True) if body else {}
            new_type, record = transactions.transform(
                self.store, source_type, source, target_type.name, clean
            )
            return new_type, record

    def _insert(self, record_type: RecordType, record: Record) -> Record:
        masterdata.before_write(self.store, record_type, record, creating=True)
        transactions.before_write(self.store, record_type, record, creating=True)
        self.store.insert(record_type, record)
        try:
            transactions.after_create(self.store, record_type, record)  # checks everything before changing
        except Exception:
            del self.store.records[record_type.name][record["id"]]  # a refused request leaves no record
            raise
        return record

    def _update(
        self,
        record_type: RecordType,
        existing: Record,
        changes: Record,
        replace: set[str],
        *,
        keep_lines: bool = True,
    ) -> Record:
        """PATCH, and PUT on an existing record (``keep_lines=False``: the body's sublists are new)."""
        candidate = copy.deepcopy(existing)
        for name, value in changes.items():
            spec = record_type.fields.get(name)
            if spec is not None and spec.kind is Kind.SUBLIST and name in candidate:
                if name in replace:
                    candidate[name] = _replace_lines(candidate[name], value) if keep_lines else value
                else:
                    _merge_lines(candidate[name], value)
            else:
                candidate[name] = value
        masterdata.before_write(self.store, record_type, candidate, creating=False)
        transactions.before_write(self.store, record_type, candidate, creating=False)
        self.store.check_external_id_unique(record_type, candidate)
        stock = dict(self.store.stock)
        try:
            transactions.after_update(self.store, record_type, candidate)
        except Exception:
            self.store.stock = stock
            raise
        existing.clear()
        existing.update(candidate)
        self.store.touch(existing)
        return existing

    # --- reads ------------------------------------------------------------------------------------

    def represent(
        self,
        record_type: RecordType,
        record: Record,
        base_url: str,
        *,
        expand: bool = False,
        fields: set[str] | None = None,
    ) -> Record:
        with self.lock:
            if record_type.name == "inventoryItem":
                record = {**record, "locations": self.stock_lines(record["id"])}
            if "price" in record_type.fields:
                record = {**record, "price": pricing.price_matrix(record)}
            return self.store.represent(record_type, record, base_url, expand=expand, fields=fields)

    def stock_lines(self, item_id: str) -> Record:
        levels = transactions.stock_levels(self.store, item_id)
        return {
            "items": [
                {
                    "location": {"id": level["location"]},
                    "quantityOnHand": level["quantityOnHand"],
                    "quantityCommitted": level["quantityCommitted"],
                    "quantityAvailable": level["quantityAvailable"],
                }
                for level in levels
            ]
        }


def _merge_lines(current: Record, change: Record) -> None:
    """PATCH without ``replace``: a line naming an existing ``line`` updates it, others are added."""
    by_number = {line["line"]: line for line in current.get("items", []) if line.get("line") is not None}
    for line in change.get("items", []):
        if line.get("line") in by_number:
            _change_line(by_number[line["line"]], line)
        else:
            line.pop("line", None)
            current.setdefault("items", []).append(line)


def _change_line(existing: Record, change: Record) -> None:
    """Apply a PATCH's fields to one existing line; a new quantity or rate drops the old amount, which is
    then recomputed from quantity x rate."""
    if ("quantity" in change or "rate" in change) and "amount" not in change:
        existing.pop("amount", None)
    existing.update(change)


def _replace_lines(current: Record, change: Record) -> Record:
    """PATCH with ``replace``: the given lines become the sublist, so a line left out is deleted (how REST
    removes one line, Oracle help chapter_1545142407). A line naming an existing ``line`` keeps what it
    does not restate (its item, its fulfilled and billed quantities); a fulfilled line cannot be deleted."""
    by_number = {line.get("line"): line for line in current.get("items", [])}
    kept: list[Record] = []
    for line in change.get("items", []):
        existing = by_number.pop(line.get("line"), None)
        if existing is None:
            line.pop("line", None)
            kept.append(line)
            continue
        merged = copy.deepcopy(existing)
        _change_line(merged, line)
        kept.append(merged)
    for removed in by_number.values():
        if removed.get("quantityFulfilled") or removed.get("quantityBilled"):
            raise user_error(
                f"You cannot delete line {removed.get('line')}: it has been fulfilled or billed.",
                path="item.items",
            )
    return {**current, "items": kept}


def _has_children(store: RecordStore, record_id: str) -> bool:
    return any(
        record.get("createdFrom", {}).get("id") == record_id
        for table in store.records.values()
        for record in table.values()
    )
