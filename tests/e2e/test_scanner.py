"""static/js/scanner.js in Chromium, on a page with the scanner's markup (tests/e2e/scanner_harness):
a keyboard-wedge scan, typing by hand, and the camera reading a generated video of a barcode."""

import pytest
from playwright.sync_api import expect

from tests.e2e import scanner_harness
from tests.e2e.conftest import off_origin_requests
from tests.e2e.fake_camera import barcode_video_write
from tests.e2e.keyboard_wedge import KeyboardWedge

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.e2e.scanner_harness")]

WASM_PATH = "/static/vendor/zxing-wasm/zxing_reader.wasm"


@pytest.fixture(autouse=True)
def submissions():
    scanner_harness.submissions.clear()
    yield scanner_harness.submissions
    scanner_harness.submissions.clear()


@pytest.fixture
def scan_page(tablet):
    """The scan page with htmx, once the scanner has given its field focus."""
    tablet.goto("/scanner/htmx/")
    expect(tablet.get_by_label("Barcode, SKU or product number")).to_be_focused()
    return tablet


def field(page):
    return page.get_by_label("Barcode, SKU or product number")


def test_a_scanner_burst_ending_in_enter_submits_the_code_once(scan_page, submissions):
    KeyboardWedge(scan_page).scan("4006381333931")

    expect(scan_page.get_by_test_id("looked-up")).to_have_text(
        "Looked up 4006381333931 (scan)"
    )
    assert submissions == [("4006381333931", "scan")]
    expect(scan_page.get_by_role("status")).to_have_text(
        "Scanned 4006381333931. Looking it up…"
    )
    expect(field(scan_page)).to_be_focused()


def test_the_next_scan_replaces_the_code_left_in_the_field(scan_page, submissions):
    wedge = KeyboardWedge(scan_page)
    wedge.scan("4006381333931")
    expect(scan_page.get_by_test_id("looked-up")).to_contain_text("4006381333931")

    wedge.scan("5018144960277")

    expect(scan_page.get_by_test_id("looked-up")).to_have_text(
        "Looked up 5018144960277 (scan)"
    )
    assert submissions == [("4006381333931", "scan"), ("5018144960277", "scan")]
    expect(field(scan_page)).to_be_focused()
    expect(field(scan_page)).to_have_value("5018144960277")


def test_a_scan_lands_in_the_field_while_focus_is_on_a_button(scan_page, submissions):
    scan_page.get_by_role("button", name="Look up").focus()

    KeyboardWedge(scan_page).scan("96385074")

    expect(scan_page.get_by_test_id("looked-up")).to_have_text("Looked up 96385074 (scan)")
    assert submissions == [("96385074", "scan")]
    expect(field(scan_page)).to_be_focused()


def test_typing_by_hand_and_enter_submits_what_was_typed(scan_page, submissions):
    KeyboardWedge(scan_page).type_by_hand("SKU-1042")

    expect(scan_page.get_by_test_id("looked-up")).to_have_text("Looked up SKU-1042 (typed)")
    assert submissions == [("SKU-1042", "typed")]
    expect(field(scan_page)).to_be_focused()


def test_a_burst_after_slow_typing_is_a_scan_of_the_burst_alone(scan_page, submissions):
    wedge = KeyboardWedge(scan_page)
    wedge.type_by_hand("12", enter=False)

    wedge.scan("4006381333931")

    expect(scan_page.get_by_test_id("looked-up")).to_have_text(
        "Looked up 4006381333931 (scan)"
    )
    assert submissions == [("4006381333931", "scan")]


def test_enter_in_an_empty_field_asks_for_a_code_and_submits_nothing(scan_page, submissions):
    KeyboardWedge(scan_page).type_by_hand("   ")

    expect(scan_page.get_by_role("status")).to_have_text("Type or scan a code first.")
    assert submissions == []
    expect(field(scan_page)).to_be_focused()


def test_keys_typed_into_another_field_are_left_to_it(scan_page, submissions):
    notes = scan_page.get_by_label("Notes")
    notes.focus()

    KeyboardWedge(scan_page).scan("4006381333931")

    expect(notes).to_have_value("4006381333931\n")
    expect(field(scan_page)).to_have_value("")
    assert submissions == []


def test_a_plain_form_gets_focus_back_on_the_page_that_answers(tablet, live_server, submissions):
    tablet.goto("/scanner/page/")
    expect(field(tablet)).to_be_focused()

    KeyboardWedge(tablet).scan("4006381333931")

    expect(tablet.get_by_test_id("looked-up")).to_have_text("Looked up 4006381333931 (scan)")
    assert tablet.url == f"{live_server.url}/scanner/lookup?code=4006381333931&source=scan"
    expect(field(tablet)).to_be_focused()
    assert submissions == [("4006381333931", "scan")]


def test_the_camera_reads_an_ean13_and_submits_it(camera_tablet, live_server, tmp_path):
    video = tmp_path / "ean13.y4m"
    code = barcode_video_write(video, "ean13", "400638133393")
    page = camera_tablet(video)
    refused = off_origin_requests(page, live_server.url)
    wasm_requests = []
    page.on("request", lambda request: WASM_PATH in request.url and wasm_requests.append(request.url))
    page.goto("/scanner/htmx/")

    page.get_by_role("button", name="Scan with camera").click()

    expect(page.get_by_test_id("looked-up")).to_have_text(f"Looked up {code} (camera)")
    assert code == "4006381333931"
    assert scanner_harness.submissions == [(code, "camera")]
    expect(page.get_by_label("Camera preview")).to_be_hidden()
    assert page.evaluate("document.querySelector('video').srcObject") is None
    expect(field(page)).to_be_focused()
    assert wasm_requests == [f"{live_server.url}{WASM_PATH}"]
    assert refused == []
