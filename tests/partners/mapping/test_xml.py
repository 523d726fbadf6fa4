from decimal import Decimal

import pytest

from partners.mapping import XmlPayloadError, data_to_xml, xml_to_data
from partners.mapping.xml import MAX_XML_CHARS, MAX_XML_DEPTH

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def test_the_convention():
    text = """<?xml version="1.0"?>
    <order id="EA-1" xmlns:x="urn:example">
      <line sku="A">2</line>
      <line sku="B">1</line>
      <note>  Leave at the door &amp; ring  </note>
      <gift/>
      <x:channel>kiosk</x:channel>
      <address type="home">12 High St<city>London</city></address>
    </order>"""

    assert xml_to_data(text) == {
        "order": {
            "@id": "EA-1",
            "@xmlns:x": "urn:example",
            "line": [{"@sku": "A", "#text": "2"}, {"@sku": "B", "#text": "1"}],
            "note": "Leave at the door & ring",
            "gift": None,
            "x:channel": "kiosk",
            "address": {"@type": "home", "city": "London", "#text": "12 High St"},
        }
    }


def test_force_list_keeps_a_single_element_a_list():
    text = "<order><line>A</line><note>n</note></order>"

    assert xml_to_data(text) == {"order": {"line": "A", "note": "n"}}
    assert xml_to_data(text, force_list={"line"}) == {"order": {"line": ["A"], "note": "n"}}


def test_data_round_trips_through_xml():
    data = {
        "order": {
            "@ref": 'EA-1 "quoted" & <bracketed>',
            "customer": {"name": "Zoë <Ann> & co", "email": "ann@example.com"},
            "line": [
                {"@sku": "A", "@qty": "2", "price": "49.90"},
                {"@sku": "B", "@qty": "1", "price": "5.00"},
            ],
            "note": None,
            "ärmel": "lang",
            "address": {"@country": "GB", "#text": "1 High St"},
        }
    }

    assert xml_to_data(data_to_xml(data)) == data


def test_xml_round_trips_through_data():
    text = (
        DECLARATION + '<confirmation number="TH-1"><line sku="A" ok="true"/>'
        '<line sku="B" ok="false">Out of stock</line><ships>2025-04-03</ships></confirmation>'
    )

    assert data_to_xml(xml_to_data(text)) == text


def test_numbers_and_booleans_are_written_as_text():
    assert (
        data_to_xml({"o": {"@qty": 2, "price": Decimal("1E+2"), "rate": 0.5, "gift": False}})
        == DECLARATION + '<o qty="2"><price>100</price><rate>0.5</rate><gift>false</gift></o>'
    )


def test_the_declared_encoding_of_already_decoded_text_is_ignored():
    text = '<?xml version="1.0" encoding="ISO-8859-1"?><name>Café</name>'

    assert xml_to_data(text) == {"name": "Café"}


@pytest.mark.parametrize(
    "text",
    [
        '<!DOCTYPE order [<!ENTITY name "x">]><order>&name;</order>',
        '<!DOCTYPE order SYSTEM "http://attacker.example/order.dtd"><order/>',
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            "<lolz>&lol2;</lolz>"
        ),
    ],
)
def test_dtds_and_entities_are_refused(text):
    with pytest.raises(XmlPayloadError, match="DTD"):
        xml_to_data(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<order>&name;</order>", "undefined entity"),
        ("<order><line></order>", "mismatched tag"),
        ("not xml", "syntax error"),
        ("<a>" * (MAX_XML_DEPTH + 1), f"nested deeper than {MAX_XML_DEPTH} levels"),
        ("<a>" + "x" * MAX_XML_CHARS + "</a>", "longer than 5,000,000 characters"),
    ],
)
def test_bad_xml_is_refused(text, message):
    with pytest.raises(XmlPayloadError, match=message):
        xml_to_data(text)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"a": 1, "b": 2}, "exactly one root element"),
        ({"a": [1, 2]}, "root element a cannot be a list"),
        ({"order": {"line": [[1]]}}, r"order.line\[0\]: a list inside a list"),
        ({"order": {"1st": "x"}}, "'1st' is not a valid XML element name"),
        ({"order": {"@bad name": "x"}}, "'@bad name' is not a valid XML attribute name"),
        ({"order": {"note": "bell\x07"}}, "order.note: contains a control character"),
        ({"order": {"@ref": {"a": 1}}}, "order.@ref: must be text or a number here, not dict"),
    ],
)
def test_data_without_an_xml_form_is_refused(data, message):
    with pytest.raises(XmlPayloadError, match=message):
        data_to_xml(data)
