"""Is a new JSON Schema of an event still readable by its existing consumers?

Events already on a topic were written with the old schema and are read with the
new one; consumers written against the old schema read events made with the new.
So a change is compatible only if it keeps every old field, with its type, and
adds nothing that an old event would be missing: new fields must be optional.
Breaking changes get a new event version instead (``...v2``).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _resolve(node: Schema, root: Schema) -> Schema:
    ref = node.get("$ref")
    while isinstance(ref, str) and ref.startswith("#/$defs/"):
        node = root["$defs"][ref.removeprefix("#/$defs/")]
        ref = node.get("$ref")
    return node


def _type_signature(node: Schema, root: Schema) -> Any:
    """A comparable summary of a field's type, following refs."""
    node = _resolve(node, root)
    for combinator in ("anyOf", "oneOf"):
        if combinator in node:
            return (combinator, frozenset(repr(_type_signature(n, root)) for n in node[combinator]))
    if "enum" in node:
        return ("enum", frozenset(map(repr, node["enum"])))
    if "const" in node:
        return ("const", repr(node["const"]))
    kind = node.get("type")
    if kind == "array":
        items = node.get("items", {})
        return ("array", _type_signature(items, root) if items else None)
    if kind == "object" and "properties" in node:
        return ("object", node.get("title"))
    return (kind, node.get("format"))


def breaking_changes(
    old: Schema, new: Schema, path: str = "", *, old_root: Schema | None = None, new_root: Schema | None = None
) -> list[str]:
    """Every reason the change from ``old`` to ``new`` would break a consumer; empty if compatible."""
    old_root = old_root if old_root is not None else old
    new_root = new_root if new_root is not None else new
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    problems: list[str] = []
    old_props: Schema = old.get("properties", {})
    new_props: Schema = new.get("properties", {})
    old_required = set(old.get("required", ()))
    for name in sorted(set(new.get("required", ())) - old_required):
        where = f"{path}{name}"
        if name in old_props:
            problems.append(f"{where}: optional field became required")
        else:
            problems.append(f"{where}: new required field (old events lack it; make it optional with a default)")
    for name, old_field in old_props.items():
        where = f"{path}{name}"
        if name not in new_props:
            problems.append(f"{where}: field removed or renamed")
            continue
        new_field = new_props[name]
        old_sig, new_sig = _type_signature(old_field, old_root), _type_signature(new_field, new_root)
        if old_sig != new_sig and not _widened(old_sig, new_sig):
            problems.append(f"{where}: type changed from {old_sig} to {new_sig}")
        elif old_sig[0] == "object":
            problems += breaking_changes(old_field, new_field, f"{where}.", old_root=old_root, new_root=new_root)
        elif old_sig[0] == "array":
            old_items = _resolve(_resolve(old_field, old_root).get("items", {}), old_root)
            new_items = _resolve(_resolve(new_field, new_root).get("items", {}), new_root)
            if "properties" in old_items:
                problems += breaking_changes(old_items, new_items, f"{where}[].", old_root=old_root, new_root=new_root)
    return problems


def _widened(old_sig: Any, new_sig: Any) -> bool:
    """An enum that gained members still accepts every old value; so does an array of such an enum."""
    if old_sig[0] == new_sig[0] == "array" and old_sig[1] is not None and new_sig[1] is not None:
        return _widened(old_sig[1], new_sig[1])
    return bool(old_sig[0] == new_sig[0] == "enum" and old_sig[1] <= new_sig[1])
