"""A small OData v4 $filter parser and evaluator for the local RESO feed.

Supports comparisons (eq ne gt ge lt le) between a field and a literal
(string, DateTimeOffset, date, number, true/false/null), `and`, `or`, `not`
and parentheses: what RESO replication clients send. DateTimeOffset values
are normalized to 'YYYY-MM-DDTHH:MM:SS.fffZ' so they compare as text.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Node = tuple  # ('or'|'and', a, b) | ('not', a) | ('cmp', op, field, literal)


class FilterError(ValueError):
    """The $filter is not one this server understands."""


_TOKEN = re.compile(r"""\s*(?:
    (?P<lp>\() | (?P<rp>\)) |
    (?P<str>'(?:[^']|'')*') |
    (?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})) |
    (?P<date>\d{4}-\d{2}-\d{2}) |
    (?P<num>-?\d+(?:\.\d+)?) |
    (?P<word>[A-Za-z_][A-Za-z0-9_/.]*)
)""", re.VERBOSE)

_OPS = {"eq", "ne", "gt", "ge", "lt", "le"}


def normalize_timestamp(text: str) -> str:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"cannot read $filter at {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        raw = m.group(kind)
        if kind == "str":
            out.append(("lit", raw[1:-1].replace("''", "'")))
        elif kind == "dt":
            out.append(("lit", normalize_timestamp(raw)))
        elif kind == "date":
            out.append(("lit", raw))
        elif kind == "num":
            out.append(("lit", float(raw) if "." in raw else int(raw)))
        elif kind == "word":
            low = raw.lower()
            if low in ("true", "false"):
                out.append(("lit", low == "true"))
            elif low == "null":
                out.append(("lit", None))
            elif low in _OPS or low in ("and", "or", "not"):
                out.append((low, low))
            else:
                out.append(("field", raw))
        else:
            out.append((kind, raw))
    return out


def parse_filter(text: str) -> Node:
    tokens = _tokens(text)
    pos = 0

    def peek() -> str | None:
        return tokens[pos][0] if pos < len(tokens) else None

    def take(kind: str) -> Any:
        nonlocal pos
        if peek() != kind:
            raise FilterError(f"$filter: expected {kind} at token {pos + 1}")
        pos += 1
        return tokens[pos - 1][1]

    def expr() -> Node:
        node = term()
        while peek() == "or":
            take("or")
            node = ("or", node, term())
        return node

    def term() -> Node:
        node = factor()
        while peek() == "and":
            take("and")
            node = ("and", node, factor())
        return node

    def factor() -> Node:
        if peek() == "not":
            take("not")
            return ("not", factor())
        if peek() == "lp":
            take("lp")
            node = expr()
            take("rp")
            return node
        field = take("field")
        op = peek()
        if op not in _OPS:
            raise FilterError(f"$filter: expected a comparison after {field}")
        take(op)
        return ("cmp", op, field, take("lit"))

    node = expr()
    if pos != len(tokens):
        raise FilterError(f"$filter: unexpected text at token {pos + 1}")
    return node


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and b is not None and a > b,
    "ge": lambda a, b: a is not None and b is not None and a >= b,
    "lt": lambda a, b: a is not None and b is not None and a < b,
    "le": lambda a, b: a is not None and b is not None and a <= b,
}


def evaluate(node: Node, get: Callable[[str], Any]) -> bool:
    """Does a record (read through get(field)) match the filter?"""
    kind = node[0]
    if kind == "or":
        return evaluate(node[1], get) or evaluate(node[2], get)
    if kind == "and":
        return evaluate(node[1], get) and evaluate(node[2], get)
    if kind == "not":
        return not evaluate(node[1], get)
    _, op, field, literal = node
    value = get(field)
    try:
        return _CMP[op](value, literal)
    except TypeError:
        return False


def lower_bound(node: Node, ts_field: str, key_field: str) -> tuple[str, str]:
    """The smallest (timestamp, key) a match can have in (timestamp, key) order,
    so a server can bisect instead of scanning everything."""
    kind = node[0]
    if kind == "and":
        return max(lower_bound(node[1], ts_field, key_field),
                   lower_bound(node[2], ts_field, key_field))
    if kind == "or":
        return min(lower_bound(node[1], ts_field, key_field),
                   lower_bound(node[2], ts_field, key_field))
    if kind == "cmp" and node[2] == ts_field and isinstance(node[3], str):
        if node[1] == "gt":
            return (node[3], "\uffff")
        if node[1] in ("ge", "eq"):
            return (node[3], "")
    return ("", "")


def key_set(node: Node, key_field: str) -> set[str] | None:
    """The keys of a filter that is only `key eq 'a' or key eq 'b' ...`, else None."""
    if node[0] == "or":
        left, right = key_set(node[1], key_field), key_set(node[2], key_field)
        return None if left is None or right is None else left | right
    if node[0] == "cmp" and node[1] == "eq" and node[2] == key_field and isinstance(node[3], str):
        return {node[3]}
    return None
