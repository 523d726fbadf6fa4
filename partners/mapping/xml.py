"""XML payloads as the dicts mappings work on, and back, with the standard library only.

The convention, the same in both directions:

- A document is a dict with one key, the root element's name: `<order>…</order>` → {"order": …}.
- An element with neither attributes nor child elements is its text: `<sku>A1</sku>` → "A1", and
  an empty element is None. Text stays text (map numbers with `$number(...)`); leading and
  trailing whitespace is dropped.
- Any other element is a dict: attributes as "@name", child elements by their name, and its own
  text, if any, as "#text" (text between child elements is joined; its position among them is
  not kept).
- Repeated child elements become a list in document order, but a single one stays a single value.
  To always get a list, name the element in `force_list`, or write `[]` after it in the mapping
  (`body.order.line[]`). Writing, a list becomes repeated elements with the list's name.
- Names are kept as written, prefixes included (`ns:item`, "@xmlns:ns"); namespaces are not
  resolved.

Safety: documents with a DTD (`<!DOCTYPE …>`, where entities are declared) are refused, which
shuts out entity expansion ("billion laughs") and external entities; size and depth are capped.
"""

import re
from collections.abc import Collection
from decimal import Decimal
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from partners.mapping.errors import XmlPayloadError

MAX_XML_CHARS = 5_000_000
MAX_XML_DEPTH = 64
_NAME = re.compile(r"[^\W\d][\w.\-]*(:[^\W\d][\w.\-]*)?")  # a letter or _ first
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_to_data(text: str, *, force_list: Collection[str] = ()) -> dict[str, Any]:
    """Parse an XML document following the module's convention."""
    if len(text) > MAX_XML_CHARS:
        raise XmlPayloadError(f"the XML document is longer than {MAX_XML_CHARS:,} characters")
    builder = _Builder(force_list)
    # The encoding given here overrides the document's declaration: `text` is already decoded.
    parser = expat.ParserCreate(encoding="utf-8")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        raise XmlPayloadError(f"the XML is not well-formed: {error}") from error
    return builder.document


def _refuse_doctype(*_: Any) -> None:
    raise XmlPayloadError("XML with a DTD (<!DOCTYPE …>) or entity declarations is refused")


class _Element:
    def __init__(self, attributes: dict[str, str]) -> None:
        self.attributes = attributes
        self.children: dict[str, list[Any]] = {}
        self.text: list[str] = []

    def value(self, force_list: Collection[str]) -> Any:
        text = "".join(self.text).strip()
        if not self.attributes and not self.children:
            return text or None
        node: dict[str, Any] = {f"@{name}": value for name, value in self.attributes.items()}
        for name, values in self.children.items():
            node[name] = values if len(values) > 1 or name in force_list else values[0]
        if text:
            node["#text"] = text
        return node


class _Builder:
    def __init__(self, force_list: Collection[str]) -> None:
        self.force_list = force_list
        self.open: list[_Element] = []
        self.document: dict[str, Any] = {}

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if len(self.open) >= MAX_XML_DEPTH:
            raise XmlPayloadError(f"the XML is nested deeper than {MAX_XML_DEPTH} levels")
        self.open.append(_Element(attributes))

    def end(self, name: str) -> None:
        value = self.open.pop().value(self.force_list)
        if self.open:
            self.open[-1].children.setdefault(name, []).append(value)
        else:
            self.document = {name: value}

    def text(self, data: str) -> None:
        self.open[-1].text.append(data)


def data_to_xml(data: dict[str, Any]) -> str:
    """Write `data` (one key: the root element) as an XML document following the convention."""
    if not isinstance(data, dict) or len(data) != 1:
        raise XmlPayloadError('XML needs exactly one root element, e.g. {"order": {…}}')
    ((name, value),) = data.items()
    if isinstance(value, list):
        raise XmlPayloadError(f"the root element {name} cannot be a list")
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _write(name, value, out, path=name, depth=1)
    return "".join(out)


def _write(name: str, value: Any, out: list[str], *, path: str, depth: int) -> None:
    if depth > MAX_XML_DEPTH:
        raise XmlPayloadError(f"{path}: nested deeper than {MAX_XML_DEPTH} levels")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise XmlPayloadError(f"{path}: {name!r} is not a valid XML element name")
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, list):
                raise XmlPayloadError(f"{path}[{index}]: a list inside a list has no XML form")
            _write(name, item, out, path=f"{path}[{index}]", depth=depth)
        return
    if not isinstance(value, dict):
        text = "" if value is None else escape(_text(value, path))
        out.append(f"<{name}>{text}</{name}>" if text else f"<{name}/>")
        return
    attributes = "".join(
        f" {_attribute_name(key, path)}={quoteattr(_text(item, f'{path}.{key}'))}"
        for key, item in value.items()
        if key.startswith("@") and item is not None
    )
    inner: list[str] = []
    if value.get("#text") is not None:
        inner.append(escape(_text(value["#text"], f"{path}.#text")))
    for key, item in value.items():
        if not key.startswith("@") and key != "#text":
            _write(key, item, inner, path=f"{path}.{key}", depth=depth + 1)
    body = "".join(inner)
    out.append(f"<{name}{attributes}>{body}</{name}>" if body else f"<{name}{attributes}/>")


def _attribute_name(key: str, path: str) -> str:
    name = key[1:]
    if not _NAME.fullmatch(name):
        raise XmlPayloadError(f"{path}: {key!r} is not a valid XML attribute name")
    return name


def _text(value: Any, path: str) -> str:
    """A scalar as XML text (not yet escaped). Numbers are written without exponents."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | str):
        text = str(value)
    elif isinstance(value, Decimal | float):
        text = format(Decimal(str(value)), "f")
    else:
        raise XmlPayloadError(f"{path}: must be text or a number here, not {type(value).__name__}")
    if _NOT_XML_CHARS.search(text):
        raise XmlPayloadError(f"{path}: contains a control character XML cannot hold")
    return text
