"""The stakeholder document: what moves from where to where, when, and who owns each field.

``render(specs, "html")`` gives one self-contained page (inline CSS, everything escaped); ``"md"`` gives
Markdown tables for a wiki or a pull request. Templates live in ``templates/``; this module only prepares
plain rows so the templates stay simple.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import jinja2

from erpsync.mapping.ownership import SYSTEM_ROLES
from erpsync.mapping.schedule import describe_cron, describe_interval
from erpsync.mapping.schema import Schedule, Trigger
from erpsync.mapping.spec import FieldRule, MappingSpec


def _environment(autoescape: bool) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("erpsync.mapping", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["cell"] = _markdown_cell
    environment.filters["code"] = _markdown_code
    return environment


# How stakeholders spell the systems; an unknown system shows as written in the spec.
DISPLAY_NAMES = {
    "shopify": "Shopify",
    "bigcommerce": "BigCommerce",
    "adobe_commerce": "Adobe Commerce",
    "netsuite": "NetSuite",
    "sap": "SAP S/4HANA",
    "business_central": "Business Central",
    "tryton": "Tryton",
    "canonical": "erpsync canonical",
}


_ROLE_NAMES = {"store": "store", "erp": "ERP"}
UNOWNED = "either"  # no owner: the latest change from either system applies


def display_name(system: str) -> str:
    return DISPLAY_NAMES.get(system, system)


@dataclass(frozen=True)
class FieldRow:
    target: str
    depth: int
    source_kind: str
    source: str
    transform: str
    value_map: str
    owner: str
    owned: bool
    required: str
    default: str
    notes: str


def render(specs: Sequence[MappingSpec], fmt: Literal["html", "md"]) -> str:
    """The stakeholder document for ``specs`` in ``fmt`` (``"html"`` or ``"md"``)."""
    if fmt not in ("html", "md"):
        raise ValueError(f"unknown format {fmt!r}; use 'html' or 'md'")
    template = _environment(autoescape=fmt == "html").get_template(f"mapping.{fmt}.j2")
    documents = [_document(spec) for spec in specs]
    return template.render(specs=documents)


def _document(spec: MappingSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "flow": spec.flow,
        "description": spec.description.strip(),
        "file": spec.path.name,
        "source": _endpoint(spec.source.system, spec.source.record_type, spec.source.model),
        "target": _endpoint(spec.target.system, spec.target.record_type, spec.target.model),
        "trigger": describe_trigger(spec.trigger),
        "reconcile": _describe_schedule(spec.trigger.reconcile) if spec.trigger.reconcile else "none",
        "rows": _rows(spec.fields, inherited_owner=None),
        "value_maps": [
            {
                "name": name,
                "description": value_map.description or "",
                "entries": [(key, _show(value)) for key, value in value_map.values.items()],
                "otherwise": (
                    f"anything else becomes {_show(value_map.default)}"
                    if not value_map.strict
                    else "any other value stops the record (data exception) until the map is extended"
                ),
            }
            for name, value_map in spec.value_maps.items()
        ],
    }


def _endpoint(system: str, record_type: str, model: str | None) -> str:
    return f"{display_name(system)} {record_type}" + (f" (canonical: {model})" if model else "")


def describe_trigger(trigger: Trigger) -> str:
    if trigger.type == "webhook":
        topics = ", ".join(trigger.topics or [])
        return "on each webhook" + (f" ({topics})" if topics else "") + ", within seconds"
    if trigger.type == "poll":
        assert trigger.every is not None
        return f"polled {describe_interval(trigger.every)}"
    assert trigger.cron is not None
    return f"scheduled {describe_cron(trigger.cron)}"


def _describe_schedule(schedule: Schedule) -> str:
    if schedule.every is not None:
        return describe_interval(schedule.every)
    assert schedule.cron is not None
    return describe_cron(schedule.cron)


def _rows(rules: tuple[FieldRule, ...], inherited_owner: str | None) -> list[FieldRow]:
    rows = []
    for rule in rules:
        owner = _owner(rule) if rule.owner else inherited_owner
        rows.append(_row(rule, owner))
        rows.extend(_rows(rule.fields, owner))
    return rows


def _row(rule: FieldRule, owner: str | None) -> FieldRow:
    kind, source = _source(rule)
    return FieldRow(
        target=rule.label,
        depth=rule.label.count("[]"),
        source_kind=kind,
        source=source,
        transform=" → ".join(t.name for t in rule.transforms),
        value_map=rule.value_map or "",
        owner=owner or UNOWNED,
        owned=owner is not None,
        required="yes" if rule.required else "",
        default=_show(rule.default) if rule.has_default else "",
        notes=rule.description or "",
    )


def _source(rule: FieldRule) -> tuple[str, str]:
    """(plain words, expression or constant) describing where the value comes from."""
    if rule.expression is not None:
        return "", rule.expression.text
    if rule.lookup is not None:
        system = display_name(rule.lookup.system)
        return f"id of the {system} {rule.lookup.record_type} for key", rule.lookup.key.text
    if rule.each is not None:
        return "one entry per element of", rule.each.text
    return "always", _show(rule.constant)


def _owner(rule: FieldRule) -> str:
    assert rule.owner is not None
    role = SYSTEM_ROLES.get(rule.owner)
    return display_name(rule.owner) + (f" ({_ROLE_NAMES[role]})" if role else "")


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks flattened."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _markdown_code(value: object) -> str:
    """A Markdown code span that survives backticks inside (JSONata quotes odd names with them)."""
    text = str(value)
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"
