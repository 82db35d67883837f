"""SuiteQL over the sandbox's records: the query is parsed by sqlglot (Oracle dialect, as SuiteQL is),
checked against the SuiteQL tables the sandbox knows, rewritten for SQLite and run on an in-memory copy
of the account. The copy is kept between queries: a table is rebuilt only when a record type it is built
from has changed since (``RecordStore.generation``), so a query costs what it reads, not the account's size.

    POST /services/rest/query/v1/suiteql?limit=2&offset=0     Prefer: transient
    {"q": "SELECT id, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS modified FROM customer
           WHERE lastmodifieddate >= TO_TIMESTAMP('2026-12-04 10:00:00', 'YYYY-MM-DD HH24:MI:SS')
           ORDER BY lastmodifieddate, id"}

What it answers as NetSuite does (see docs/connectors/netsuite-sandbox.md for the sources):
- column names in lower case; every value a string; a NULL column is left out of the row;
- booleans as "T"/"F"; a date or datetime column selected bare comes in the account's date format
  (M/D/YYYY, no time): use TO_CHAR for the time, as real integrations must;
- quantities and amounts of sales transaction lines are negative (transactionline.quantity,
  foreignamount), as NetSuite posts them;
- functions: TO_DATE, TO_TIMESTAMP, TO_CHAR, SYSDATE, CURRENT_DATE, NVL, BUILTIN.DF, plus SQLite's own
  aggregates; ``ROWNUM <= n`` and ``FETCH FIRST n ROWS ONLY`` limit rows.
Unknown tables and columns fail with NetSuite's "Invalid search query" error.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp

from erpsync.sandboxes.netsuite.account import Account
from erpsync.sandboxes.netsuite.errors import NetSuiteError
from erpsync.sandboxes.netsuite.records import RecordStore
from erpsync.sandboxes.netsuite.schema import ORDER_STATUSES, RECORD_TYPES, SHIP_STATUSES, STATUS_NAMES
from erpsync.sandboxes.netsuite.suiteql_tables import DATE_COLUMNS, SQL_DATETIME, TABLES, TYPE_LABELS


def invalid_query(reason: str) -> NetSuiteError:
    return NetSuiteError(
        400,
        "INVALID_PARAMETER",
        f"Invalid search query. Detailed unprocessed description follows. Search error occurred: {reason}",
    )


def run_suiteql(account: Account, query: str) -> list[dict[str, str]]:
    """Every row of ``query`` as NetSuite answers it."""
    prepared = _prepare(query)
    names, raw_rows = _execute(account, prepared.tables, prepared.sql, prepared.row_cap)
    return _answer_rows(names, raw_rows, prepared.date_positions)


def run_suiteql_page(account: Account, query: str, *, offset: int, limit: int) -> list[dict[str, str] | None]:
    """The answer to ``query`` for ``paging.page``: one entry per row of the whole answer, only rows
    ``offset`` to ``offset + limit`` filled in, the others None. SQLite counts the answer and returns only
    that window, so a page of a 100,000-row answer converts one page of rows, not the whole answer."""
    prepared = _prepare(query)
    if prepared.count_sql is None:  # the query limits its rows itself: page the whole answer
        return list(run_suiteql(account, query))
    with account.lock:  # the count and the window see the same records
        _, ((total,),) = _execute(account, prepared.tables, prepared.count_sql, None)
        if prepared.row_cap is not None:
            total = min(total, prepared.row_cap)
        size = min(limit, total - offset)
        rows: list[dict[str, str]] = []
        if size > 0:
            window = f"{prepared.sql} LIMIT {size} OFFSET {offset}"
            names, raw_rows = _execute(account, prepared.tables, window, None)
            rows = _answer_rows(names, raw_rows, prepared.date_positions)
    before: list[dict[str, str] | None] = [None] * min(offset, total)
    return [*before, *rows, *[None] * (total - len(before) - len(rows))]


@dataclass(frozen=True)
class _Prepared:
    sql: str  # the query for SQLite
    count_sql: str | None  # SELECT COUNT(*) of its rows; None when the query limits its rows itself
    tables: frozenset[str]
    date_positions: frozenset[int | str]
    row_cap: int | None


@functools.lru_cache(maxsize=256)  # a change poll sends the same query for every page
def _prepare(query: str) -> _Prepared:
    statement = _parse(query)
    tables = _referenced_tables(statement)
    date_positions = _bare_date_projections(statement)
    _rewrite_functions(statement)
    row_cap = _take_rownum_limit(statement)
    _quote_known_names(statement)
    _order_nulls_naturally(statement)
    return _Prepared(
        statement.sql(dialect="sqlite"),
        _count_sql(statement),
        frozenset(tables),
        frozenset(date_positions),
        row_cap,
    )


def _execute(
    account: Account, tables: frozenset[str], sql: str, row_cap: int | None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run SQL on the account's SuiteQL tables, brought up to date first (under the account's lock: one
    query at a time on the shared database, and no write while a table is rebuilt)."""
    with account.lock:
        connection = SuiteQLDatabase.of(account).refreshed(tables)
        try:
            cursor = connection.execute(sql)
            names = [d[0].lower() for d in cursor.description]
            return names, cursor.fetchall() if row_cap is None else cursor.fetchmany(row_cap)
        except sqlite3.Error as exc:
            raise invalid_query(_explain(str(exc))) from None


def _answer_rows(
    names: list[str], raw_rows: list[tuple[Any, ...]], date_positions: frozenset[int | str]
) -> list[dict[str, str]]:
    if "*" in date_positions:
        date_positions = frozenset(i for i, name in enumerate(names) if name in DATE_COLUMNS)
    return [_answer_row(names, row, date_positions) for row in raw_rows]


def _count_sql(statement: exp.Select | exp.Union) -> str | None:
    """``SELECT COUNT(*)`` of the query's rows, or None when the query limits its rows itself. A plain
    query is counted without its select list (SQLite would compute every selected value of every row);
    one with DISTINCT, GROUP BY or aggregates is counted as a sub-query."""
    if any(statement.args.get(part) for part in ("limit", "offset", "fetch")):
        return None
    sql = statement.sql(dialect="sqlite")
    if not isinstance(statement, exp.Select):
        return f"SELECT COUNT(*) FROM ({sql})"
    aliases = {p.alias.lower() for p in statement.expressions if isinstance(p, exp.Alias)}
    where = statement.args.get("where")
    if (
        statement.args.get("distinct")
        or statement.args.get("group")
        or statement.args.get("having")
        or any(p.find(exp.AggFunc, exp.Window) for p in statement.expressions)
        or (where and any(c.name.lower() in aliases for c in where.find_all(exp.Column)))
    ):
        return f"SELECT COUNT(*) FROM ({sql})"
    expressions, order = statement.expressions, statement.args.get("order")
    statement.set("expressions", [exp.Count(this=exp.Star())])
    statement.set("order", None)
    try:
        return statement.sql(dialect="sqlite")
    finally:
        statement.set("expressions", expressions)
        statement.set("order", order)


NEVER_NULL = {"id", "lastmodifieddate"}  # every record has both


def _order_nulls_naturally(statement: exp.Expression) -> None:
    """Oracle sorts NULLs last (ascending), SQLite first, so the SQLite query says NULLS LAST; on columns
    that are never NULL that clause only stops SQLite from walking an index in order (a change poll's
    ``ORDER BY lastmodifieddate, id`` would sort the whole table for every page)."""
    for ordered in statement.find_all(exp.Ordered):
        column = ordered.this
        if isinstance(column, exp.Column) and column.name.lower() in NEVER_NULL:
            ordered.set("nulls_first", not ordered.args.get("desc"))


def _parse(query: str) -> exp.Select:
    try:
        statements = sqlglot.parse(query, read="oracle")
    except sqlglot.errors.ParseError as exc:
        raise invalid_query(str(exc).splitlines()[0]) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Select | exp.Union):
        raise invalid_query("SuiteQL runs one SELECT statement.")
    statement = statements[0]
    assert isinstance(statement, exp.Select | exp.Union)
    return statement  # type: ignore[return-value]


def _referenced_tables(statement: exp.Expression) -> set[str]:
    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    names = {table.name.lower() for table in statement.find_all(exp.Table)} - ctes
    unknown = sorted(names - TABLES.keys())
    if unknown:
        raise invalid_query(f"Record '{unknown[0]}' was not found.")
    return names


def _bare_date_projections(statement: exp.Expression) -> set[int | str]:
    """Positions of selected date columns NetSuite formats as dates ("*" when the select list has a star)."""
    if not isinstance(statement, exp.Select):
        return set()
    positions: set[int | str] = set()
    for index, projection in enumerate(statement.expressions):
        target = projection.this if isinstance(projection, exp.Alias) else projection
        if isinstance(target, exp.Star) or (
            isinstance(target, exp.Column) and isinstance(target.this, exp.Star)
        ):
            positions.add("*")
        elif isinstance(target, exp.Column) and target.name.lower() in DATE_COLUMNS:
            positions.add(index)
    return positions


def _rewrite_functions(statement: exp.Expression) -> None:
    """Oracle functions SQLite lacks become calls to Python functions registered on the connection."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.StrToTime | exp.StrToDate):
            return exp.Anonymous(this="NS_TO_TIMESTAMP", expressions=[node.this, node.args["format"]])
        if isinstance(node, exp.ToChar):
            fmt = node.args.get("format") or exp.Literal.string("MM/DD/YYYY")
            return exp.Anonymous(this="NS_TO_CHAR", expressions=[node.this, fmt])
        if isinstance(node, exp.CurrentTimestamp):
            return exp.Anonymous(this="NS_NOW", expressions=[])
        if isinstance(node, exp.CurrentDate):
            return exp.Anonymous(this="NS_TODAY", expressions=[])
        if (
            isinstance(node, exp.Dot)
            and isinstance(node.this, exp.Identifier)
            and node.this.name.upper() == "BUILTIN"
        ):
            call = node.expression
            if isinstance(call, exp.Anonymous) and call.name.upper() == "DF" and call.expressions:
                return _display_field(call.expressions[0])
            raise invalid_query(f"Unsupported function BUILTIN.{call.sql()}")
        return node

    statement.transform(rewrite, copy=False)


def _display_field(column: exp.Expression) -> exp.Expression:
    name = column.name.lower() if isinstance(column, exp.Column) else ""
    if name == "status" and isinstance(column, exp.Column):
        type_column = exp.column("type", table=column.table or None)
        return exp.Anonymous(this="NS_DF_STATUS", expressions=[type_column, column])
    return exp.Anonymous(this="NS_DF", expressions=[exp.Literal.string(name), column])


def _take_rownum_limit(statement: exp.Expression) -> int | None:
    """``WHERE ... AND ROWNUM <= n``: NetSuite's documented way to cap rows; the cap is applied on fetch."""
    where = statement.args.get("where") if isinstance(statement, exp.Select) else None
    if where is None:
        return None
    for comparison in list(where.find_all(exp.LTE, exp.LT)):
        left, right = comparison.this, comparison.expression
        if isinstance(left, exp.Column) and left.name.upper() == "ROWNUM" and isinstance(right, exp.Literal):
            cap = int(right.name) - (1 if isinstance(comparison, exp.LT) else 0)
            comparison.replace(exp.true())
            return max(cap, 0)
    return None


KNOWN_COLUMNS = {column for table in TABLES.values() for column in table.columns}


def _quote_known_names(statement: exp.Expression) -> None:
    """Quote tables and known columns ("transaction" is an SQLite keyword). Unknown columns stay unquoted
    so they fail: SQLite would read a quoted unknown name as a string literal."""
    for table in statement.find_all(exp.Table):
        table.this.set("quoted", True)
    for column in statement.find_all(exp.Column):
        if isinstance(column.this, exp.Identifier) and column.name.lower() in KNOWN_COLUMNS:
            column.this.set("quoted", True)


class SuiteQLDatabase:
    """The SuiteQL tables of one account's records in one in-memory SQLite database, kept with the records
    (``RecordStore.derived``, so a reset account starts a new one). Each table remembers the generations of
    the record types it was built from and is rebuilt, in one SQLite transaction, when one has moved on.
    Used under the account's lock only: one thread at a time, and no write while a table is rebuilt."""

    def __init__(self, account: Account, store: RecordStore) -> None:
        self.store = store
        self.built: dict[str, tuple[int, ...]] = {}  # table name -> generations of its sources
        self.connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        connection = self.connection
        connection.create_function("NS_TO_TIMESTAMP", 2, _to_timestamp, deterministic=True)
        connection.create_function("NS_TO_CHAR", 2, _to_char, deterministic=True)
        connection.create_function("NS_NOW", 0, lambda: account.clock.now().strftime(SQL_DATETIME))
        connection.create_function("NS_TODAY", 0, lambda: account.clock.now().strftime("%Y-%m-%d 00:00:00"))
        connection.create_function("NS_DF", 2, lambda name, value: _display(store, name, value))
        connection.create_function("NS_DF_STATUS", 2, _display_status)

    @classmethod
    def of(cls, account: Account) -> SuiteQLDatabase:
        store = account.store
        database = store.derived.get("suiteql")
        if not isinstance(database, cls):
            database = store.derived["suiteql"] = cls(account, store)
        return database

    def refreshed(self, tables: AbstractSet[str]) -> sqlite3.Connection:
        """The connection, with ``tables`` as the records are now."""
        for name in sorted(tables):
            sources = tuple(self.store.generation(source) for source in TABLES[name].sources)
            if self.built.get(name) != sources:
                self._rebuild(name)
                self.built[name] = sources
        return self.connection

    def _rebuild(self, name: str) -> None:
        self.built.pop(name, None)
        table = TABLES[name]
        columns = ", ".join(f'"{column}"' for column in table.columns)
        marks = ", ".join("?" for _ in table.columns)
        values = [tuple(_sql_value(row.get(c)) for c in table.columns) for row in table.rows(self.store)]
        connection = self.connection
        connection.execute("BEGIN")
        try:
            connection.execute(f'DROP TABLE IF EXISTS "{name}"')
            connection.execute(f'CREATE TABLE "{name}" ({columns})')
            connection.executemany(f'INSERT INTO "{name}" VALUES ({marks})', values)
            for index in table.indexes:
                listed = ", ".join(f'"{column}"' for column in index)
                connection.execute(f'CREATE INDEX "{name}_{"_".join(index)}" ON "{name}" ({listed})')
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def _sql_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str) and value.isdigit() and not value.startswith("0"):
        return int(value)  # internal ids compare as numbers, as in NetSuite
    return value


def _explain(message: str) -> str:
    column = re.match(r"no such column: (.+)", message)
    if column:
        return f"Field '{column.group(1).split('.')[-1]}' was not found."
    if "user-defined function raised exception" in message:
        return "A value does not match its format model in TO_DATE, TO_TIMESTAMP or TO_CHAR."
    return message


ORACLE_FORMATS = [
    ("YYYY", "%Y"),
    ("MONTH", "%B"),
    ("MON", "%b"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("HH", "%I"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("AM", "%p"),
    ("PM", "%p"),
    ("YY", "%y"),
    ("DY", "%a"),
]


@functools.cache  # TO_CHAR runs once per row: 100,000 rows must not parse the same model 100,000 times
def _oracle_format(fmt: str) -> str:
    """An Oracle datetime format model ('YYYY-MM-DD"T"HH24:MI:SS') as a strftime format."""
    out, i = "", 0
    while i < len(fmt):
        if fmt[i] == '"':
            end = fmt.index('"', i + 1)
            out += fmt[i + 1 : end].replace("%", "%%")
            i = end + 1
            continue
        for token, code in ORACLE_FORMATS:
            if fmt[i:].upper().startswith(token):
                out += code
                i += len(token)
                break
        else:
            out += fmt[i].replace("%", "%%")
            i += 1
    return out


def _to_timestamp(text: Any, fmt: Any) -> str | None:
    if text is None:
        return None
    python_format = str(fmt) if "%" in str(fmt) else _oracle_format(str(fmt))
    try:
        return datetime.strptime(str(text), python_format).strftime(SQL_DATETIME)
    except ValueError:
        raise ValueError(f"the value {text!r} does not match the format {fmt!r}") from None


def _to_char(value: Any, fmt: Any) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.strptime(str(value), SQL_DATETIME)
    except ValueError:
        return str(value)  # TO_CHAR of a number or text
    return moment.strftime(_oracle_format(str(fmt)))


def _display(store: RecordStore, name: str, value: Any) -> Any:
    if value is None:
        return None
    target = {"entity": "customer", "customer": "customer", "item": "item", "location": "location"}.get(name)
    if target is None and name in ("subsidiary", "currency"):
        target = name
    if name == "type":
        return TYPE_LABELS.get(str(value), value)
    if target is None:
        return value
    return store.ref_name(target, str(value)) or value


def _display_status(type_code: Any, status: Any) -> Any:
    if status is None:
        return None
    type_name = next((t.name for t in RECORD_TYPES.values() if t.suiteql_type == type_code), "")
    names = STATUS_NAMES.get(type_name, ORDER_STATUSES)
    if type_name == "itemFulfillment":
        names = SHIP_STATUSES
    return f"{TYPE_LABELS.get(str(type_code), type_code)} : {names.get(str(status), status)}"


def _answer_row(
    names: list[str], row: tuple[Any, ...], date_positions: AbstractSet[int | str]
) -> dict[str, Any]:
    answer: dict[str, Any] = {"links": []}
    for index, (name, value) in enumerate(zip(names, row, strict=True)):
        if value is None:
            continue
        if index in date_positions:
            moment = datetime.strptime(str(value), SQL_DATETIME)
            value = f"{moment.month}/{moment.day}/{moment.year}"
        elif isinstance(value, float):
            value = format(Decimal(repr(value)).normalize(), "f")
        answer[name] = str(value)
    return answer
