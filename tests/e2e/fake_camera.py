"""A camera for browser tests: a video of a barcode, written at test time, that Chromium's fake
capture device plays as if it were filming the barcode.

`barcode_video_write(path, "ean13", "400638133393")` writes the video; `camera_chromium_args(path)`
are the switches that make Chromium's camera show it (and grant the camera without asking);
the `camera_tablet` fixture (tests/e2e/conftest.py) opens a page in such a browser. The
video is YUV4MPEG2 (Y4M): raw grey frames Chromium reads without a codec. python-barcode gives the
bar pattern (UPC-E, which it lacks, is encoded here from its tables); the drawing is ours, so the
test controls size, quiet zones and contrast.
"""

from pathlib import Path

import barcode
from barcode.charsets import ean

FRAME_WIDTH = 640
FRAME_HEIGHT = 480
MODULE_PIXELS = 3  # one narrow bar: a sharp image at 640 px wide, as a tablet close up sees it
QUIET_ZONE_MODULES = 12
BAR_HEIGHT = 200
# Studio-range luma: what Chromium expects in a Y4M file; full black or white would be clipped.
BLACK = 16
WHITE = 235
FRAMES = 2  # the capture device loops the file

# UPC-E: which of the six digits use the even-parity ("B") set, by check digit, for number
# system 0; number system 1 swaps the sets.
UPCE_EVEN_PARITY = [
    "BBBAAA", "BBABAA", "BBAABA", "BBAAAB", "BABBAA",
    "BAABBA", "BAAABB", "BABABA", "BABAAB", "BAABAB",
]  # fmt: skip
UPCE_END = "010101"


def upce_modules(code: str) -> str:
    """The bar pattern of an 8-digit UPC-E code (number system, six digits, check digit)."""
    if len(code) != 8 or not code.isdigit() or code[0] not in "01":
        raise ValueError(f"not a UPC-E code: {code!r}")
    parity = UPCE_EVEN_PARITY[int(code[7])]
    if code[0] == "1":
        parity = parity.translate(str.maketrans("AB", "BA"))
    digits = "".join(
        ean.CODES[sets][int(digit)] for sets, digit in zip(parity, code[1:7], strict=True)
    )
    return ean.EDGE + digits + UPCE_END


def barcode_modules(symbology: str, code: str) -> tuple[str, str]:
    """The bar pattern ("1" dark, "0" light, one character a module) and the full code as a
    scanner reads it (with its check digit): "upce" takes all 8 digits; the others are
    python-barcode's names, such as "ean13", "ean8", "upca" or "code128"."""
    if symbology == "upce":
        return upce_modules(code), code
    symbol = barcode.get_barcode_class(symbology)(code)
    (modules,) = symbol.build()
    return modules, symbol.get_fullcode()


def grey_frame(modules: str) -> bytes:
    """One frame's luma plane: the pattern's bars centred on white."""
    blank_row = bytes([WHITE]) * FRAME_WIDTH
    quiet = "0" * QUIET_ZONE_MODULES
    pattern = bytes(
        BLACK if module == "1" else WHITE
        for module in quiet + modules + quiet
        for _ in range(MODULE_PIXELS)
    )
    if len(pattern) > FRAME_WIDTH:
        raise ValueError(f"{len(modules)} modules do not fit a {FRAME_WIDTH} px wide frame")
    margin = (FRAME_WIDTH - len(pattern)) // 2
    bar_row = blank_row[:margin] + pattern + blank_row[margin + len(pattern) :]
    top = (FRAME_HEIGHT - BAR_HEIGHT) // 2
    return blank_row * top + bar_row * BAR_HEIGHT + blank_row * (FRAME_HEIGHT - top - BAR_HEIGHT)


def video_write(path: Path, modules: str) -> Path:
    """Write a Y4M video whose frames show the bar pattern `modules`."""
    # 4:2:0 chroma planes at a quarter of the luma's size each; 128 is no colour (grey).
    chroma = bytes([128]) * ((FRAME_WIDTH // 2) * (FRAME_HEIGHT // 2) * 2)
    frame = b"FRAME\n" + grey_frame(modules) + chroma
    header = f"YUV4MPEG2 W{FRAME_WIDTH} H{FRAME_HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * FRAMES)
    return path


def barcode_video_write(path: Path, symbology: str, code: str) -> str:
    """Write a video of `code` as `symbology` to `path`; return the code with its check digit.
    (A reader may give it in another form: the ZXing reader gives UPC-A and UPC-E as EAN-13.)"""
    modules, full_code = barcode_modules(symbology, code)
    video_write(path, modules)
    return full_code


def camera_chromium_args(video: Path | None, *, allowed: bool = True) -> list[str]:
    """Chromium switches for a fake camera filming `video`, or with None Chromium's own moving
    test pattern (a camera pointed at no barcode). Allowed: the camera prompt is answered yes
    without showing; else the page is refused the camera, as when a person says no."""
    return [
        "--use-fake-device-for-media-stream",
        *(["--use-fake-ui-for-media-stream"] if allowed else []),
        *([f"--use-file-for-fake-video-capture={video}"] if video is not None else []),
    ]
