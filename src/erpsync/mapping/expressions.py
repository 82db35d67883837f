"""JSONata expressions (jsonata-python), compiled once when a spec loads and evaluated per record.

Every expression sees the document it maps (the source record, or one element of an ``each:`` list) as its
context, the whole source record as ``$root``, and the spec's value maps as ``$maps`` (``$maps.locations``).

Sources are plain JSON data: ``Decimal`` money becomes its exact string (JSONata would otherwise refuse it,
or we would be tempted to turn it into a float), dates become ISO strings, pydantic models are dumped in JSON
mode.

Integers of 16 digits or more (Shopify ids such as 820982911946154508) become strings of their digits:
jsonata-python formats numbers with 15 significant digits, so ``$string(id)`` or ``'x-' & id`` would turn that
id into ``8.20982911946155e+17``. As strings they stay exact; the ``integer`` transform turns one back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import jsonata
from pydantic import BaseModel

from erpsync.errors import DataError


class ExpressionSyntaxError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExpressionRuntimeError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Expression:
    """One compiled JSONata expression; ``text`` is what the spec says, for messages and the rendered doc."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self._compiled = jsonata.Jsonata(text)
        except Exception as exc:  # jsonata-python raises JException, and a few bare errors on odd input
            raise ExpressionSyntaxError(_describe(exc)) from None
        # jsonata-python walks the whole input on every evaluation to check it is JSON; apply() already made
        # it JSON once (to_json_document), and that walk was 90% of the time spent mapping an order.
        self._compiled.set_validate_input(False)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, context: Any, root: Any, maps: Mapping[str, Any] | None = None) -> Any:
        """Value of the expression on ``context`` (already JSON data); None when it selects nothing."""
        try:
            # Passing bindings gives each evaluation its own frame: the compiled expression is shared.
            result = self._compiled.evaluate(context, {"root": root, "maps": maps or {}})
        except RecursionError:
            raise ExpressionRuntimeError("expression recursed too deeply on this record") from None
        except Exception as exc:
            raise ExpressionRuntimeError(_describe(exc)) from None
        return _plain(result)


def _describe(exc: BaseException) -> str:
    code = getattr(exc, "error", None)
    position = getattr(exc, "location", None)
    where = f" at character {position}" if isinstance(position, int) and position >= 0 else ""
    text = str(exc) or type(exc).__name__
    return f"{text}{where}" + (f" (JSONata {code})" if code else "")


def _plain(value: Any) -> Any:
    """Detach the result from the input (results can share its lists and dicts) and from JSONata types."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if type(value).__name__ == "NullValue":  # JSONata's own `null` literal, outside our data
        return None
    raise ExpressionRuntimeError(
        f"expression returned a {type(value).__name__}, not data (a function reference without '()'?)"
    )


# jsonata-python prints numbers with 15 significant digits (functions.py, Decimal context prec=15).
EXACT_INTEGER_LIMIT = 10**15


def to_json_document(value: Any, *, path: str = "$") -> Any:
    """The source record as plain JSON data; money Decimals become exact strings, never floats."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) >= EXACT_INTEGER_LIMIT else value
    if isinstance(value, float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): to_json_document(v, path=f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_document(v, path=f"{path}[{i}]") for i, v in enumerate(value)]
    raise DataError(
        f"source record holds a {type(value).__name__} at {path}, which is not JSON data",
        field=path,
        suggested_fix="give the mapping the record as parsed JSON (dicts, lists, strings, numbers)",
    )
