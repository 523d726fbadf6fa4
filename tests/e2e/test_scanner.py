"""static/js/scanner.js in Chromium, on a page with the scanner's markup (scanner_harness.py): a
keyboard-wedge scan, typing by hand, and the camera reading a generated video of a barcode."""

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

    expect(scan_page.get_by_test_id("looked-up")).to_have_text("Looked up 4006381333931 (scan)")
    assert submissions == [("4006381333931", "scan")]
    expect(scan_page.get_by_role("status")).to_have_text("Scanned 4006381333931. Looking it up…")
    expect(field(scan_page)).to_be_focused()


def test_the_next_scan_replaces_the_code_left_in_the_field(scan_page, submissions):
    wedge = KeyboardWedge(scan_page)
    wedge.scan("4006381333931")
    expect(scan_page.get_by_test_id("looked-up")).to_contain_text("4006381333931")

    wedge.scan("5018144960277")

    expect(scan_page.get_by_test_id("looked-up")).to_have_text("Looked up 5018144960277 (scan)")
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

    expect(scan_page.get_by_test_id("looked-up")).to_have_text("Looked up 4006381333931 (scan)")
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
    page.on(
        "request", lambda request: WASM_PATH in request.url and wasm_requests.append(request.url)
    )
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


@pytest.mark.parametrize(
    ("symbology", "code", "read_as"),
    # The ZXing reader gives UPC-A and UPC-E in their EAN-13 form; the server normalises codes.
    [
        ("ean8", "9638507", "96385074"),
        ("upca", "03600029145", "0036000291452"),
        ("upce", "01234565", "0012345000065"),
        ("code128", "SKU-1042", "SKU-1042"),
        ("qr", "https://shop.example/p/TL-1042", "https://shop.example/p/TL-1042"),
    ],
)
def test_the_camera_reads_the_other_shelf_formats(
    camera_tablet, tmp_path, symbology, code, read_as
):
    video = tmp_path / f"{symbology}.y4m"
    barcode_video_write(video, symbology, code)
    page = camera_tablet(video)
    page.goto("/scanner/htmx/")

    page.get_by_role("button", name="Scan with camera").click()

    expect(page.get_by_test_id("looked-up")).to_have_text(f"Looked up {read_as} (camera)")
    assert scanner_harness.submissions == [(read_as, "camera")]


# Records each camera stream the page opens and the constraints it asked for; the page's own code
# is unchanged.
STREAMS_RECORDED = """
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
window.cameraRequests = [];
navigator.mediaDevices.getUserMedia = async (constraints) => {
  const stream = await getUserMedia(constraints);
  window.cameraRequests.push({ constraints, stream });
  return stream;
};
"""


def camera_states(page) -> list[str]:
    return page.evaluate(
        "window.cameraRequests.map(({ stream }) => stream.getVideoTracks()[0].readyState)"
    )


def test_the_camera_prefers_the_rear_one_and_stops_on_escape_or_stop(camera_tablet):
    page = camera_tablet(None)  # Chromium's test pattern: no barcode in sight
    page.add_init_script(STREAMS_RECORDED)
    page.goto("/scanner/htmx/")
    open_button = page.get_by_role("button", name="Scan with camera")

    open_button.click()

    expect(page.get_by_label("Camera preview")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Camera on. Hold the barcode in front of it.")
    expect(page.get_by_role("button", name="Stop camera")).to_be_focused()
    expect(open_button).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="Torch")).to_be_hidden()
    assert page.evaluate("window.cameraRequests[0].constraints.video.facingMode") == {
        "ideal": "environment"
    }
    assert camera_states(page) == ["live"]

    page.keyboard.press("Escape")

    expect(page.get_by_label("Camera preview")).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text("Camera off.")
    expect(field(page)).to_be_focused()
    expect(open_button).to_have_attribute("aria-expanded", "false")
    assert camera_states(page) == ["ended"]

    open_button.click()
    page.get_by_role("button", name="Stop camera").click()

    expect(page.get_by_label("Camera preview")).to_be_hidden()
    assert camera_states(page) == ["ended", "ended"]
    assert scanner_harness.submissions == []


# Where the Stop button sits at the moment the camera panel opens, before any frame has arrived.
STOP_BOX_AT_OPEN = """
window.addEventListener("DOMContentLoaded", () => {
  const panel = document.querySelector("[data-scanner-camera]");
  new MutationObserver(() => {
    if (!panel.hidden && !window.stopBoxAtOpen) {
      const box = panel.querySelector("[data-scanner-camera-close]").getBoundingClientRect();
      window.stopBoxAtOpen = { x: box.x, y: box.y };
    }
  }).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
});
"""


def test_the_stop_button_stays_put_when_the_first_frame_arrives(camera_tablet):
    page = camera_tablet(None)
    page.add_init_script(STOP_BOX_AT_OPEN)
    page.goto("/scanner/htmx/")

    page.get_by_role("button", name="Scan with camera").click()
    page.wait_for_function("document.querySelector('[data-scanner-camera] video').readyState >= 2")

    box = page.get_by_role("button", name="Stop camera").bounding_box()
    assert page.evaluate("window.stopBoxAtOpen") == {"x": box["x"], "y": box["y"]}


def test_the_torch_button_appears_and_switches_where_the_camera_has_one(camera_tablet):
    page = camera_tablet(None)
    # Chromium's fake camera has no torch; a tablet's rear camera reports one in its capabilities.
    page.add_init_script("""
      const capabilities = MediaStreamTrack.prototype.getCapabilities;
      MediaStreamTrack.prototype.getCapabilities = function () {
        return { ...capabilities.call(this), torch: true };
      };
      window.torchConstraints = [];
      MediaStreamTrack.prototype.applyConstraints = async function (constraints) {
        window.torchConstraints.push(constraints);
      };
    """)
    page.goto("/scanner/htmx/")
    page.get_by_role("button", name="Scan with camera").click()
    torch = page.get_by_role("button", name="Torch")
    expect(torch).to_have_attribute("aria-pressed", "false")

    torch.click()
    expect(torch).to_have_attribute("aria-pressed", "true")
    torch.click()

    expect(torch).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("window.torchConstraints") == [
        {"advanced": [{"torch": True}]},
        {"advanced": [{"torch": False}]},
    ]


def test_the_browsers_own_detector_is_used_where_it_reads_every_format(camera_tablet):
    page = camera_tablet(None)
    wasm_requests = []
    page.on("request", lambda request: WASM_PATH in request.url and wasm_requests.append(request))
    # Chromium on Linux has no BarcodeDetector of its own; Chrome on Android has, like this one.
    page.add_init_script("""
      window.BarcodeDetector = class {
        static async getSupportedFormats() {
          return ["aztec", "code_128", "ean_13", "ean_8", "itf", "qr_code", "upc_a", "upc_e"];
        }
        constructor(options) { window.nativeFormats = options.formats; }
        async detect() { return [{ format: "ean_8", rawValue: "96385074" }]; }
      };
    """)
    page.goto("/scanner/htmx/")

    page.get_by_role("button", name="Scan with camera").click()

    expect(page.get_by_test_id("looked-up")).to_have_text("Looked up 96385074 (camera)")
    assert page.evaluate("window.nativeFormats") == [
        "ean_13", "ean_8", "upc_a", "upc_e", "code_128", "qr_code"
    ]  # fmt: skip
    assert wasm_requests == []


def test_a_reader_that_cannot_load_stops_the_camera_and_says_so(camera_tablet):
    page = camera_tablet(None)
    page.add_init_script(STREAMS_RECORDED)
    page.route(f"**{WASM_PATH}", lambda route: route.abort())
    page.goto("/scanner/htmx/")

    page.get_by_role("button", name="Scan with camera").click()

    expect(page.get_by_role("status")).to_have_text(
        "The barcode reader could not load. Scan or type the code instead."
    )
    expect(page.get_by_label("Camera preview")).to_be_hidden()
    expect(page.get_by_role("button", name="Scan with camera")).to_be_enabled()
    assert camera_states(page) == ["ended"]


def test_a_refused_camera_says_so(camera_tablet):
    page = camera_tablet(None, allowed=False)
    page.goto("/scanner/htmx/")

    page.get_by_role("button", name="Scan with camera").click()

    expect(page.get_by_role("status")).to_have_text(
        "Camera access was refused. Allow the camera for this site in the browser's settings, "
        "or scan or type the code."
    )
    expect(page.get_by_label("Camera preview")).to_be_hidden()
    expect(page.get_by_role("button", name="Scan with camera")).to_be_enabled()


def test_a_device_without_a_camera_says_so(tablet):
    # Whether the machine running the tests has a camera is not the test's to choose.
    tablet.add_init_script("""
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException("Requested device not found", "NotFoundError"));
    """)
    tablet.goto("/scanner/htmx/")

    tablet.get_by_role("button", name="Scan with camera").click()

    expect(tablet.get_by_role("status")).to_have_text(
        "No camera was found on this device. Scan or type the code instead."
    )
    expect(field(tablet)).to_have_value("")


def test_the_camera_asks_for_a_secure_address_off_this_machine(
    camera_tablet, live_server, settings
):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "shop.test"]
    # A tablet reaching the demo by the machine's name over plain HTTP: not a secure context.
    page = camera_tablet(None, "--host-resolver-rules=MAP shop.test 127.0.0.1")
    page.add_init_script(STREAMS_RECORDED)
    port = live_server.url.rsplit(":", 1)[1]
    page.goto(f"http://shop.test:{port}/scanner/htmx/")

    page.get_by_role("button", name="Scan with camera").click()

    expect(page.get_by_role("status")).to_have_text(
        "The camera works only on a secure (https://) address. Open this page at its https:// "
        "address, or scan or type the code."
    )
    assert page.evaluate("window.isSecureContext") is False
    expect(page.get_by_label("Camera preview")).to_be_hidden()
