"""The admin's Preview mapping as a merchandiser uses it: choosing an operation and direction loads
that saved mapping, `$input` is what the runtime would give, a 404 reads "not carried", and every
typed value is size-capped. A preview never calls the partner."""

import json
import re
from html import unescape

import pytest
from django.utils.html import strip_tags

from partners.mapping import lookup_input
from partners.mapping.engine import MAX_EXPRESSION_CHARS
from partners.mapping.order_input import order_request_to_json
from partners.models import PartnerCall
from partners.preview_forms import sample_order
from tests.partners.admin_pages import url

pytestmark = pytest.mark.django_db

UPC_A = "036000291452"  # a 12-digit retail code; partners see its GTIN-13 form
GTIN_13_OF_UPC_A = "0036000291452"


def page_text(response) -> str:
    return unescape(strip_tags(response.content.decode()))


def field_names(html: str, form_method: str) -> list[str]:
    form = re.search(rf'<form method="{form_method}".*?</form>', html, re.S)[0]
    return re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', form)


def lookup_form(**changes) -> dict:
    return {
        "operation": "lookup",
        "direction": "response",
        "expression": '{"partner_product_id": $input.code, "name": body.title}',
        "code": UPC_A,
        "quantity": "2",
        "input_format": "json",
        "status": "200",
        "sample": '{"title": "Trail Shoe"}',
        **changes,
    }


def test_choosing_operation_and_direction_loads_that_saved_mapping(merchandiser, onboarded):
    threadline = onboarded["threadline"]
    saved = threadline.operations.get(operation="place_order").request_mapping

    response = merchandiser.get(
        url("preview_mapping", threadline.pk), {"operation": "place_order", "direction": "request"}
    )

    form = response.context["form"]
    html = response.content.decode()
    assert form["expression"].value() == saved
    assert json.loads(form["order"].value()) == json.loads(
        order_request_to_json(sample_order(threadline))
    )
    assert len(json.loads(form["order"].value())["lines"]) == 2
    # The request mapping has no partner answer: only the order is asked for.
    assert field_names(html, "post") == [
        "csrfmiddlewaretoken", "expression", "order", "operation", "direction"
    ]  # fmt: skip
    # The pickers are a plain GET form: they work without a script.
    assert field_names(html, "get") == ["operation", "direction"]
    assert "Loaded the saved request mapping of place order." in page_text(response)


def test_the_response_direction_asks_for_the_answer_and_the_operation_input(
    merchandiser, onboarded
):
    threadline = onboarded["threadline"]

    response = merchandiser.get(
        url("preview_mapping", threadline.pk), {"operation": "search", "direction": "response"}
    )

    assert response.context["form"]["expression"].value() == (
        threadline.operations.get(operation="search").response_mapping
    )
    assert field_names(response.content.decode(), "post") == [
        "csrfmiddlewaretoken", "expression", "query", "page", "input_format", "status", "sample",
        "operation", "direction",
    ]  # fmt: skip


def test_an_operation_the_partner_lacks_loads_nothing_and_says_so(merchandiser, onboarded):
    baywater = onboarded["baywater"]

    response = merchandiser.get(
        url("preview_mapping", baywater.pk), {"operation": "similar", "direction": "response"}
    )

    assert response.context["form"]["expression"].value() is None
    assert (
        "Baywater Wholesale has no similar items operation yet: write a mapping here to try it"
        in page_text(response)
    )


def test_an_unknown_choice_falls_back_to_the_lookup_response(merchandiser, onboarded):
    threadline = onboarded["threadline"]

    response = merchandiser.get(
        url("preview_mapping", threadline.pk), {"operation": "drop_table", "direction": "up"}
    )

    assert response.status_code == 200
    assert response.context["form"]["expression"].value() == (
        threadline.operations.get(operation="lookup").response_mapping
    )


def test_a_lookup_response_mapping_gets_the_runtime_input(merchandiser, onboarded):
    threadline = onboarded["threadline"]

    response = merchandiser.post(url("preview_mapping", threadline.pk), lookup_form())

    assert "The mapping fits" in page_text(response)
    assert "Loaded the saved" not in page_text(response)  # the typed mapping was previewed
    assert (
        json.loads(response.context["operation_input_text"])
        == lookup_input(UPC_A, 2)
        == {
            "code": GTIN_13_OF_UPC_A,
            "gtin14": "00036000291452",
            "quantity": 2,
        }
    )
    assert json.loads(response.context["canonical_text"])["partner_product_id"] == GTIN_13_OF_UPC_A
    assert PartnerCall.objects.count() == 0


def test_a_404_the_lookup_mapping_turns_into_null_reads_not_carried(merchandiser, onboarded):
    threadline = onboarded["threadline"]
    form = lookup_form(
        expression=threadline.operations.get(operation="lookup").response_mapping,
        status="404",
        sample='{"error": "not found"}',
    )

    response = merchandiser.post(url("preview_mapping", threadline.pk), form)

    text = page_text(response)
    assert "Not carried" in text
    assert "Threadline does not carry the item" in text
    assert "Problems found" not in text
    assert 'data-testid="preview-canonical"' not in response.content.decode()
    assert response.context["result"].not_carried is True


def test_a_status_the_operation_does_not_accept_is_named_with_its_fix(merchandiser, onboarded):
    threadline = onboarded["threadline"]
    form = {
        "operation": "search",
        "direction": "response",
        "expression": '{"products": []}',
        "query": "boots",
        "page": "1",
        "input_format": "json",
        "status": "404",
        "sample": "{}",
    }

    response = merchandiser.post(url("preview_mapping", threadline.pk), form)

    assert [error.message for error in response.context["result"].errors] == [
        "at run time a 404 answer is an error and this mapping never sees it: if Threadline "
        "answers 404 on purpose, add 404 to the saved operation's accepted statuses"
    ]


def test_an_availability_only_partner_previews_an_availability(merchandiser, onboarded):
    baywater = onboarded["baywater"]
    form = lookup_form(
        expression=baywater.operations.get(operation="lookup").response_mapping,
        sample='{"status": "IN_STOCK"}',
    )

    response = merchandiser.post(url("preview_mapping", baywater.pk), form)

    assert "The mapping fits" in page_text(response)
    assert json.loads(response.context["canonical_text"]) == {
        "available": True,
        "available_quantity": None,
        "delivery_days": None,
        "delivery_date": None,
        "partner_sku": None,
    }


def test_an_order_request_sends_both_sample_lines(merchandiser, onboarded):
    threadline = onboarded["threadline"]
    form = {
        "operation": "place_order",
        "direction": "request",
        "expression": threadline.operations.get(operation="place_order").request_mapping,
        "order": order_request_to_json(sample_order(threadline)),
    }

    response = merchandiser.post(url("preview_mapping", threadline.pk), form)

    assert "The mapping fits" in page_text(response)
    assert json.loads(response.context["canonical_text"])["body"]["lines"] == [
        {"sku": "SAMPLE-SKU-1", "quantity": 1},
        {"sku": "SAMPLE-SKU-2", "quantity": 2},
    ]
    assert PartnerCall.objects.count() == 0


def test_an_order_request_that_reads_only_the_first_line_is_shown_as_a_problem(
    merchandiser, onboarded
):
    threadline = onboarded["threadline"]
    form = {
        "operation": "place_order",
        "direction": "request",
        "expression": '{"body": {"sku": lines[0].partner_sku, "qty": lines[0].quantity}}',
        "order": order_request_to_json(sample_order(threadline)),
    }

    response = merchandiser.post(url("preview_mapping", threadline.pk), form)

    errors = response.context["result"].errors
    assert "Problems found" in page_text(response)
    assert [(error.stage, error.message.split(", so ")[0]) for error in errors] == [
        ("lines", "the request does not change when line 2's item changes"),
        ("lines", "the request does not change when line 2's quantity changes"),
    ]


def test_a_one_item_partner_gets_a_one_line_sample_and_refuses_two(merchandiser, onboarded):
    baywater = onboarded["baywater"]
    page = url("preview_mapping", baywater.pk)
    two_lines = order_request_to_json(sample_order(onboarded["threadline"]))

    shown = merchandiser.get(page, {"operation": "place_order", "direction": "request"})
    posted = merchandiser.post(
        page,
        {
            "operation": "place_order",
            "direction": "request",
            "expression": baywater.operations.get(operation="place_order").request_mapping,
            "order": two_lines,
        },
    )

    assert len(json.loads(shown.context["form"]["order"].value())["lines"]) == 1
    assert posted.context["form"].errors == {
        "order": [
            "Baywater Wholesale takes one item per order: each line is sent as its own order, "
            "so give one line (this order has 2)."
        ]
    }
    assert posted.context["result"] is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"expression": "x" * (MAX_EXPRESSION_CHARS + 1)},
            "expression",
            f"Ensure this value has at most {MAX_EXPRESSION_CHARS} characters (it has "
            f"{MAX_EXPRESSION_CHARS + 1}).",
        ),
        (
            {"code": "5" * 201},
            "code",
            "Ensure this value has at most 200 characters (it has 201).",
        ),
        ({"code": "  "}, "code", "This field is required."),
        ({"quantity": "0"}, "quantity", "Ensure this value is greater than or equal to 1."),
        ({"quantity": "10000"}, "quantity", "Ensure this value is less than or equal to 9999."),
        ({"status": "99"}, "status", "Ensure this value is greater than or equal to 100."),
    ],
)
def test_oversized_or_wrong_input_is_refused_with_a_clear_error(
    merchandiser, onboarded, changes, field, message
):
    threadline = onboarded["threadline"]

    response = merchandiser.post(url("preview_mapping", threadline.pk), lookup_form(**changes))

    assert response.context["form"].errors == {field: [message]}
    assert response.context["result"] is None
    assert PartnerCall.objects.count() == 0


def test_a_sample_bigger_than_the_partner_accepts_is_refused(merchandiser, onboarded):
    threadline = onboarded["threadline"]
    threadline.max_response_kb = 2
    threadline.save(update_fields=["max_response_kb"])
    sample = json.dumps(
        {"title": "é" * 1100}, ensure_ascii=False
    )  # 2,200 bytes of UTF-8 + the wrapping

    response = merchandiser.post(url("preview_mapping", threadline.pk), lookup_form(sample=sample))

    assert response.context["form"].errors == {
        "sample": ["The sample is 3 KB; at most 2 KB can be previewed for Threadline."]
    }
    assert response.context["result"] is None


def test_a_broken_sample_order_names_each_field(merchandiser, onboarded):
    threadline = onboarded["threadline"]
    order = json.loads(order_request_to_json(sample_order(threadline)))
    order["lines"][1]["quantity"] = "two"
    order["ship_to"]["country"] = "gb"

    response = merchandiser.post(
        url("preview_mapping", threadline.pk),
        {
            "operation": "place_order",
            "direction": "response",
            "expression": '{"partner_order_id": body.id, "status": "accepted"}',
            "order": json.dumps(order),
            "input_format": "json",
            "status": "201",
            "sample": '{"id": "T-1"}',
        },
    )

    assert response.context["form"].errors == {
        "order": [
            "lines[1]: quantity must be an int, got 'two'",
            "ship_to: country must be ISO 3166 alpha-2, got 'gb'",
        ]
    }
    assert response.context["result"] is None


def test_choosing_only_the_operation_loads_its_response_mapping(merchandiser, onboarded):
    hearth = onboarded["hearth"]

    response = merchandiser.get(url("preview_mapping", hearth.pk), {"operation": "place_order"})

    saved = hearth.operations.get(operation="place_order")
    assert response.context["form"]["expression"].value() == saved.response_mapping
    assert response.context["form"]["input_format"].value() == "xml"
    assert response.context["choice_form"]["direction"].value() == "response"
