"""The merchandiser guide's JSONata examples, run through the mapping engine exactly as printed, so
the guide cannot drift from what the engine does."""

import json
import re
from pathlib import Path

import pytest

from partners.mapping import MappingSyntaxError, compile_mapping, lookup_input, preview

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "onboarding-a-partner.md"
PARENT_SECTION = "### Nested answers: the parent operator `%`"


def section(heading: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(heading) + len(heading)
    ends = [text.find(mark, start) for mark in ("\n## ", "\n### ", "\n---")]
    return text[start : min(end for end in ends if end != -1)]


def fenced_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```$", text, flags=re.M | re.S)


def without_empty(value):
    """A canonical result without the fields the guide leaves out because they are empty."""
    if isinstance(value, dict):
        return {
            key: without_empty(item) for key, item in value.items() if item not in (None, [], {})
        }
    if isinstance(value, list):
        return [without_empty(item) for item in value]
    return value


def test_the_parent_operator_example_gives_the_variants_the_guide_shows():
    answer, mapping, shown = fenced_blocks(section(PARENT_SECTION))

    result = preview(
        mapping,
        answer,
        operation="lookup",
        direction="response",
        operation_input=lookup_input("5060123450057"),
    )

    assert result.errors == ()
    assert without_empty(result.result["variants"]) == json.loads(shown)
    assert result.result["partner_product_id"] == "QS-300"


def test_the_parent_operator_after_a_variable_is_refused_as_the_guide_says():
    text = section(PARENT_SECTION)
    refused = re.search(r"`(\$sizes := [^`]+)`", text)[1]
    message = re.search(r"refused with \*([^*]+)\*", text.replace("\n", " "))[1]

    with pytest.raises(MappingSyntaxError) as error:
        compile_mapping(f"body.product.({refused})", operation="lookup", direction="response")

    assert message in str(error.value)


def test_the_variable_way_down_keeps_the_colour_as_the_guide_says():
    answer, _, _ = fenced_blocks(section(PARENT_SECTION))
    kept = re.search(r"`(colours\.\(\$colour := [^`]+)`", section(PARENT_SECTION))[1]

    mapping = compile_mapping(f"body.product.{kept}", operation="lookup", direction="response")
    output = mapping.evaluate({"status": 200, "headers": {}, "body": json.loads(answer)})

    assert output == [
        {"attributes": {"colour": "Navy"}},
        {"attributes": {"colour": "Navy"}},
        {"attributes": {"colour": "Oat"}},
    ]


def test_the_codes_table_shows_what_a_lookup_really_receives():
    table = section("### What a look-up receives: codes as partners see them")
    typed, code = re.search(r"\| `(\d+)` → `\"(\d+)\"` \|", table).groups()
    gtin14 = re.search(r"\| `\$input\.gtin14` \|.*\| `\"(\d+)\"` \|", table)[1]

    assert lookup_input(typed) == {"code": code, "gtin14": gtin14, "quantity": 1}
    assert (typed, code, gtin14) == ("036000291452", "0036000291452", "00036000291452")
