"""PDF objects captured once and added to many later PDFs while WeasyPrint writes them.

A badge's frame (header and ribbon) is the same for every delegate of a role. It is
rendered once, read once with pikepdf, and kept here as the raw bytes of a form XObject
and every object it needs (fonts, pattern tiles), with placeholders where it refers to
its own objects. WeasyPrint's ``finisher`` hook then adds those bytes to each badge's
``pydyf.PDF`` just before it is written, under fresh object numbers: no second parse,
no second write (re-reading and re-saving each badge with qpdf cost ~3 ms of 17).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import pikepdf
import pydyf

_MARK = re.compile(rb"\x01(\d+)\x01")
"""Placeholder for a reference to the i-th captured object (\x01 never appears in unparsed PDF syntax)."""


class RawObject(pydyf.Object):  # type: ignore[misc]  # pydyf ships no type hints
    """A finished object body (dictionary, or dictionary + stream), written as it is."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = data

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def compressible(self) -> bool:
        return False  # may be a stream, which cannot go into an object stream


class CapturedForm:
    """A PDF page as a form XObject with everything it refers to, ready to add to other PDFs."""

    def __init__(self, templates: list[bytes]) -> None:
        self.templates = templates
        """Object bodies; index 0 is the form itself."""

    @classmethod
    def from_page(cls, page: pikepdf.Page) -> CapturedForm:
        form = page.as_form_xobject()
        order: dict[tuple[int, int], int] = {(-1, -1): 0}  # the form itself
        bodies: list[bytes] = []
        pending: list[Any] = [form]

        def ref(obj: Any) -> bytes:
            return _ref(obj, order, pending)

        while pending:
            bodies.append(_body(pending.pop(0), ref))
        return cls(bodies)

    def add_to(self, pdf: pydyf.PDF) -> bytes:
        """Add the captured objects to ``pdf``; returns the reference to the form."""
        base = len(pdf.objects)

        def renumber(match: re.Match[bytes]) -> bytes:
            return b"%d 0 R" % (base + int(match[1]))

        for template in self.templates:
            pdf.add_object(RawObject(_MARK.sub(renumber, template)))
        return b"%d 0 R" % base


def _ref(obj: Any, order: dict[tuple[int, int], int], found: list[Any]) -> bytes:
    key = obj.objgen
    if key not in order:
        order[key] = len(order)
        found.append(obj)
    return b"\x01%d\x01" % order[key]


def _body(obj: Any, ref: Callable[[Any], bytes]) -> bytes:
    """One indirect object's body, its own references turned into placeholders."""
    if isinstance(obj, pikepdf.Stream):
        data = obj.read_raw_bytes()
        items = {k: v for k, v in obj.stream_dict.items() if k not in ("/Length",)}
        if "/Filter" not in items:
            data = zlib.compress(data, 6)
            items["/Filter"] = pikepdf.Name.FlateDecode
        head = _dict(items.items(), ref, extra=b"/Length %d" % len(data))
        return head + b"\nstream\n" + data + b"\nendstream"
    return _direct(obj, ref, top=True)


def _dict(items: Iterable[tuple[str, Any]], ref: Callable[[Any], bytes], extra: bytes = b"") -> bytes:
    parts = [pikepdf.Name(key).unparse() + b" " + _direct(value, ref) for key, value in items]
    if extra:
        parts.append(extra)
    return b"<<" + b" ".join(parts) + b">>"


def _direct(obj: Any, ref: Callable[[Any], bytes], *, top: bool = False) -> bytes:
    if isinstance(obj, pikepdf.Object) and obj.is_indirect and not top:
        return ref(obj)
    if isinstance(obj, pikepdf.Dictionary):
        return _dict(obj.items(), ref)
    if isinstance(obj, pikepdf.Array):
        return b"[" + b" ".join(_direct(v, ref) for v in obj) + b"]"
    if isinstance(obj, pikepdf.Object):
        unparsed: bytes = obj.unparse()
        return unparsed
    if isinstance(obj, bool):
        return b"true" if obj else b"false"
    if isinstance(obj, int):
        return b"%d" % obj
    if isinstance(obj, (float, Decimal)):
        return format(Decimal(obj).normalize(), "f").encode()
    if obj is None:
        return b"null"
    raise TypeError(f"cannot write {type(obj).__name__} into a PDF")


def page_and_resources(pdf: pydyf.PDF) -> tuple[pydyf.Dictionary, pydyf.Dictionary]:
    """The single page WeasyPrint wrote into ``pdf`` and its resources dictionary."""
    page = next(o for o in pdf.objects if isinstance(o, pydyf.Dictionary) and o.get("Type") == "/Page")
    resources = pdf.objects[int(page["Resources"].split()[0])]
    return page, resources


def wrap_contents(pdf: pydyf.PDF, page: pydyf.Dictionary, before: bytes, after: bytes) -> None:
    """Put content before and after the page's own, which is kept inside ``q … Q``."""
    first = pydyf.Stream([before + b" q"], compress=False)
    last = pydyf.Stream([b"Q " + after], compress=False)
    pdf.add_object(first)
    pdf.add_object(last)
    page["Contents"] = pydyf.Array([first.reference, page["Contents"], last.reference])


def compress_streams(pdf: pydyf.PDF, level: int = 6) -> None:
    """Flate every stream WeasyPrint left uncompressed (it writes them plain when asked for no object streams)."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and not obj.compress and "Filter" not in obj.extra:
            data = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
            obj.stream = [zlib.compress(data, level)]
            obj.extra["Filter"] = "/FlateDecode"
