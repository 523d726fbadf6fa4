import pytest
from jsonata import Jsonata

from partners.mapping import compile_mapping
from partners.mapping.sandbox import has_nested_repetition


@pytest.mark.parametrize(
    "expression",
    [
        '$pad("x", 5, "-")',
        '"x".$pad(-5)',
        '$join(["a", "b", "c"], ", ")',
        '["a", "b"].$join("/")',
        '$replace("a-b-c", "-", "+", 1)',
        '$replace("abc", /b/, "[$0$0]")',
        '"a1b2".$replace(/\\d/, "#")',
        '$replace("a1b2", /\\d/, function($m) { "<" & $m.match & ">" })',
        '$string({"a": [1, 2.5, "x"]})',
        '$string([1, {"b": null}], true)',
        '{"a": 1}.$string()',
        "$string(42)",
    ],
)
def test_shadowed_natives_behave_like_jsonatas_own(expression):
    mapping = compile_mapping(expression, operation="lookup", direction="response")

    assert mapping.evaluate({}) == Jsonata(expression).evaluate({})


@pytest.mark.parametrize(
    "pattern",
    ["(a+)+", "(\\w+\\s?)*$", "((ab)*c)+", "(a*)*", "(?:a+){2,}", "(x+x+)+y", "((a+)?)+"],
)
def test_nested_repetition_is_recognised(pattern):
    assert has_nested_repetition(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "\\d+",
        "^(\\d+)\\s*cm$",
        "(ab)+",
        "[(a+)]+",
        "[]+)]+",
        "\\(a+\\)+",
        "(a|b)+",
        "(a+)?",
        "(\\d{3})-(\\d{4})",
        "(?:size|taille):\\s*(\\w+)",
    ],
)
def test_patterns_without_nested_repetition_are_allowed(pattern):
    assert not has_nested_repetition(pattern)


def test_a_regex_runs_on_text_up_to_the_bound():
    mapping = compile_mapping("$contains(body, /b$/)", operation="lookup", direction="response")

    assert mapping.evaluate({"body": "a" * 19_999 + "b"}) is True
