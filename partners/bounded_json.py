"""JSON from outside (partner answers, configuration files) parsed with a bound on nesting.

Python's parser recurses once per level, so a few kilobytes of `[[[[…` end in RecursionError,
which no caller expects, and a document just under the interpreter's limit parses but breaks
whatever walks it next. The depth is therefore measured before parsing, without recursion, and
capped at the same bound as XML answers (`partners.mapping.xml.MAX_XML_DEPTH`).
"""

import json
import re
from array import array
from itertools import accumulate
from typing import Any

MAX_JSON_DEPTH = 64

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# Brackets as signed steps: "\x01" is +1, "\xff" (as a signed byte) is -1.
_STEPS = str.maketrans({"[": "\x01", "{": "\x01", "]": "\xff", "}": "\xff"})


class JsonTooDeep(ValueError):
    def __init__(self, max_depth: int) -> None:
        super().__init__(f"the JSON is nested deeper than {max_depth} levels")
        self.max_depth = max_depth


def json_depth(text: str) -> int:
    """How deeply the arrays and objects in `text` nest (brackets inside strings do not count).
    Linear time, no recursion; on malformed JSON only an estimate, which the parser then
    refuses anyway."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    steps = array("b", brackets.translate(_STEPS).encode("latin-1"))
    return max(accumulate(steps), default=0)


def json_loads_bounded(
    data: str | bytes, *, max_depth: int = MAX_JSON_DEPTH, **options: Any
) -> Any:
    """`json.loads`, refusing documents nested deeper than `max_depth` with JsonTooDeep.
    Bytes are decoded as `json.loads` does; every error is a ValueError."""
    if isinstance(data, str):
        text = data
    else:
        text = data.decode(json.detect_encoding(data), "surrogatepass")
    if json_depth(text) > max_depth:
        raise JsonTooDeep(max_depth)
    return json.loads(text, **options)
