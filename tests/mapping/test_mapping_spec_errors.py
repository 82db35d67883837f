"""A broken spec is refused at load with file, line, field and a fix; check() reports every problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from erpsync.errors import ConfigError
from erpsync.mapping import MappingSpecError, check, load_spec, load_specs

HEADER = """\
spec_version: 1
name: test-spec
flow: order_to_erp
description: A spec for tests.
source: {system: shopify, record_type: order}
target: {system: netsuite, record_type: salesOrder}
trigger: {type: webhook}
"""
HEADER_LINES = HEADER.count("\n")

WriteSpec = Callable[..., Path]


def load_error(path: Path) -> MappingSpecError:
    with pytest.raises(MappingSpecError) as caught:
        load_spec(path)
    return caught.value


def test_bad_jsonata_names_file_line_and_field(write_spec: WriteSpec) -> None:
    path = write_spec(
        HEADER
        + """\
fields:
  otherRefNum:
    from: name
  memo:
    from: "note & ("
"""
    )

    error = load_error(path)

    assert isinstance(error, ConfigError)
    assert (error.file, error.line, error.field) == (str(path), HEADER_LINES + 5, "memo")
    assert str(error).startswith(f"{path}:{HEADER_LINES + 5}: field 'memo': from: JSONata syntax error")


def test_unknown_field_key_suggests_the_right_one(write_spec: WriteSpec) -> None:
    path = write_spec(
        HEADER
        + """\
fields:
  rate:
    from: price
    transfrom: money
"""
    )

    error = load_error(path)

    assert error.line == HEADER_LINES + 4
    assert error.field == "rate"
    assert "unknown key 'transfrom'; did you mean 'transform'?" in str(error)


def test_unknown_key_inside_a_list_element_field_names_the_nested_field(write_spec: WriteSpec) -> None:
    path = write_spec(
        HEADER
        + """\
fields:
  item.items:
    each: line_items
    fields:
      item.id:
        lookup: {system: netsuite, record_type: inventoryItem, kee: sku}
"""
    )

    error = load_error(path)

    assert error.line == HEADER_LINES + 6
    assert error.field == "item.items[].item.id"
    assert "unknown key 'kee'; did you mean 'key'?" in str(error)


def test_unknown_top_level_key_is_rejected(write_spec: WriteSpec) -> None:
    path = write_spec(HEADER + "valuemaps: {}\nfields:\n  memo: {from: note}\n")

    error = load_error(path)

    assert (error.line, error.field) == (HEADER_LINES + 1, "valuemaps")
    assert "did you mean 'value_maps'?" in str(error)


def test_missing_required_header_is_named(write_spec: WriteSpec) -> None:
    path = write_spec(HEADER.replace("trigger: {type: webhook}\n", "") + "fields:\n  memo: {from: note}\n")

    error = load_error(path)

    assert error.line == 1
    assert "missing required key 'trigger'" in str(error)


def test_reference_to_undeclared_value_map_suggests_the_declared_one(write_spec: WriteSpec) -> None:
    path = write_spec(
        HEADER
        + """\
value_maps:
  currencies:
    values: {USD: "1"}
fields:
  currency.id:
    from: currency
    map: currency
"""
    )

    error = load_error(path)

    assert (error.line, error.field) == (HEADER_LINES + 7, "currency.id")
    assert "value map 'currency' is not declared under value_maps; did you mean 'currencies'?" in str(error)


def test_unknown_transform_suggests_the_closest(write_spec: WriteSpec) -> None:
    path = write_spec(HEADER + "fields:\n  rate:\n    from: price\n    transform: [trim, mony]\n")

    error = load_error(path)

    assert (error.line, error.field) == (HEADER_LINES + 4, "rate")
    assert "unknown transform 'mony'; did you mean 'money'?" in str(error)


def test_owner_must_be_store_erp_or_a_system_of_the_spec(write_spec: WriteSpec) -> None:
    path = write_spec(HEADER + "fields:\n  memo:\n    from: note\n    owner: warehouse\n")

    error = load_error(path)

    assert (error.line, error.field) == (HEADER_LINES + 4, "memo")
    assert "owner 'warehouse' is neither 'store', 'erp' nor one of the spec's systems" in str(error)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  memo: {from: note, value: x}\n", "has both 'from' and 'value'; keep one"),
        ("  memo: {required: true}\n", "no source: give one of from, value, lookup, each"),
        ("  memo: {each: lines}\n", "add 'fields:' to map each element"),
        ("  memo: {from: note, required: 'yes'}\n", "Input should be a valid boolean"),
        ("  memo: note\n", "give the field a mapping with one of from, value, lookup, each"),
        ("  memo.x: {from: a}\n  memo: {from: b}\n", "overlaps field 'memo.x'"),
    ],
)
def test_field_shape_problems_are_explained(write_spec: WriteSpec, body: str, message: str) -> None:
    error = load_error(write_spec(HEADER + "fields:\n" + body))

    assert error.field is not None and error.field.startswith("memo")
    assert message in str(error)


def test_nested_owner_is_refused_with_where_to_put_it(write_spec: WriteSpec) -> None:
    path = write_spec(
        HEADER
        + "fields:\n  lines:\n    each: line_items\n    fields:\n      sku: {from: sku, owner: store}\n"
    )

    error = load_error(path)

    assert (error.line, error.field) == (HEADER_LINES + 5, "lines[].sku")
    assert "move 'owner:' to the list field" in str(error)


@pytest.mark.parametrize(
    ("trigger", "message"),
    [
        ("{type: poll}", "trigger type 'poll' needs 'every:'"),
        ("{type: poll, every: 5 minutes}", "is not a duration; write e.g. '30s', '15m'"),
        ("{type: cron, cron: '61 * * * *'}", "is not a 5-field cron expression"),
        ("{type: webhook, every: 5m}", "'every:' does not apply to trigger type 'webhook'"),
        ("{type: webhok}", "Input should be 'webhook', 'poll' or 'cron'"),
        ("{type: webhook, reconcile: {every: 1h, cron: '0 3 * * *'}}", "exactly one of 'every:' or 'cron:'"),
    ],
)
def test_trigger_problems_are_explained(write_spec: WriteSpec, trigger: str, message: str) -> None:
    path = write_spec(HEADER.replace("{type: webhook}", trigger) + "fields:\n  memo: {from: note}\n")

    error = load_error(path)

    assert error.line == HEADER_LINES
    assert error.field is not None and error.field.startswith("trigger")
    assert message in str(error)


def test_unsupported_spec_version_is_refused(write_spec: WriteSpec) -> None:
    error = load_error(
        write_spec(HEADER.replace("spec_version: 1", "spec_version: 2") + "fields: {a: {value: 1}}")
    )

    assert (error.line, error.field) == (1, "spec_version")
    assert "spec_version 2 is not supported" in str(error)


def test_canonical_model_names_are_checked_against_record_types(write_spec: WriteSpec) -> None:
    header = HEADER.replace(
        "{system: netsuite, record_type: salesOrder}", "{system: canonical, record_type: x, model: ordr}"
    )

    error = load_error(write_spec(header + "fields:\n  number: {from: name}\n"))

    assert (error.line, error.field) == (6, "target.model")
    assert "unknown canonical model 'ordr'; did you mean 'order'?" in str(error)


def test_canonical_target_fields_must_exist_on_the_model(write_spec: WriteSpec) -> None:
    header = HEADER.replace(
        "{system: netsuite, record_type: salesOrder}", "{system: canonical, record_type: order, model: order}"
    )

    error = load_error(write_spec(header + "fields:\n  number: {from: name}\n  placed: {from: created_at}\n"))

    assert (error.line, error.field) == (HEADER_LINES + 3, "placed")
    assert "'placed' is not a field of canonical order; did you mean 'placed_at'?" in str(error)


def test_duplicate_key_is_reported_at_its_second_line(write_spec: WriteSpec) -> None:
    error = load_error(write_spec(HEADER + "fields:\n  memo: {from: note}\n  memo: {from: name}\n"))

    assert (error.line, error.field) == (HEADER_LINES + 3, "memo")
    assert f"duplicate key (first at line {HEADER_LINES + 2})" in str(error)


def test_yaml_syntax_error_gives_its_line(write_spec: WriteSpec) -> None:
    error = load_error(write_spec(HEADER + "fields:\n  memo:\n    from: a ? b : c\n"))

    assert error.line == HEADER_LINES + 3
    assert "YAML syntax error" in str(error)


def test_load_reports_every_error_of_the_file_not_just_the_first(write_spec: WriteSpec) -> None:
    path = write_spec(
        HEADER
        + "fields:\n  a: {from: 'x & ('}\n  b: {from: y, map: nowhere}\n  c: {from: z, transform: nope}\n"
    )

    error = load_error(path)

    assert [(e.line, e.field) for e in error.errors] == [
        (HEADER_LINES + 2, "a"),
        (HEADER_LINES + 3, "b"),
        (HEADER_LINES + 4, "c"),
    ]


def test_check_collects_errors_across_files_and_passes_good_ones(
    write_spec: WriteSpec, tmp_path: Path
) -> None:
    write_spec(HEADER + "fields:\n  memo: {from: note}\n", name="good.yaml")
    write_spec(HEADER.replace("test-spec", "bad-1") + "fields:\n  memo: {from: '('}\n", name="bad1.yaml")
    write_spec(HEADER.replace("test-spec", "bad-2") + "field:\n  memo: {from: note}\n", name="bad2.yml")

    errors = check([tmp_path])

    assert [(Path(e.file).name, e.field) for e in errors] == [
        ("bad1.yaml", "memo"),
        ("bad2.yml", None),
        ("bad2.yml", "field"),
    ]
    assert check([tmp_path / "good.yaml"]) == []


def test_two_specs_with_one_name_are_refused(write_spec: WriteSpec, tmp_path: Path) -> None:
    write_spec(HEADER + "fields:\n  memo: {from: note}\n", name="a.yaml")
    write_spec(HEADER + "fields:\n  memo: {from: note}\n", name="b.yaml")

    with pytest.raises(MappingSpecError, match="name 'test-spec' is also used by"):
        load_specs(tmp_path)


def test_default_specs_are_valid(default_specs_dir: Path) -> None:
    assert check([default_specs_dir]) == []
    names = {spec.name for spec in load_specs(default_specs_dir)}
    assert names == {
        "shopify-order-to-netsuite-sales-order",
        "netsuite-item-fulfillment-to-shopify-fulfillment",
        "netsuite-inventory-to-shopify-available",
        "netsuite-item-to-shopify-product",
        "shopify-customer-to-netsuite-customer",
        "netsuite-customer-to-shopify-customer",
        "shopify-discount-code-to-netsuite-promotion",
        "shopify-loyalty-points-to-netsuite-customer",
        "shopify-return-to-netsuite-return-authorization",
        "netsuite-price-level-to-shopify-price-list",
    }
