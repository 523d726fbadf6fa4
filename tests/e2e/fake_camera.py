"""A camera for browser tests: a video of a barcode, written at test time, that Chromium's fake
capture device plays as if it were filming the barcode.

`barcode_video_write(path, "ean13", "400638133393")` writes the video; `camera_chromium_args(path)`
are the switches that make Chromium's camera show it (and grant the camera without asking);
the `camera_tablet` fixture (tests/e2e/conftest.py) opens a page in such a browser. The
video is YUV4MPEG2 (Y4M): raw grey frames Chromium reads without a codec. python-barcode gives the
bar pattern (UPC-E, which it lacks, is encoded here from its tables) and segno the QR matrix; the
drawing is ours, so the test controls size, quiet zones and contrast.
"""

from dataclasses import dataclass
from pathlib import Path

import barcode
import segno
from barcode.charsets import ean

FRAME_WIDTH = 640
FRAME_HEIGHT = 480
MODULE_PIXELS = 3  # one narrow bar: a sharp image at 640 px wide, as a tablet close up sees it
QR_MODULE_PIXELS = 8
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


@dataclass(frozen=True)
class Symbol:
    """What to draw: rows of modules ("1" dark, "0" light), each row `row_pixels` high and each
    module `module_pixels` wide; and the code it holds, with its check digit."""

    rows: list[str]
    row_pixels: int
    module_pixels: int
    code: str


def symbol_of(symbology: str, code: str) -> Symbol:
    """`code` as "qr", as "upce" (all 8 digits), or in a python-barcode symbology such as
    "ean13", "ean8", "upca" or "code128" (its check digit added)."""
    if symbology == "qr":
        matrix = segno.make(code, micro=False).matrix
        rows = ["".join(str(module) for module in row) for row in matrix]
        return Symbol(rows, QR_MODULE_PIXELS, QR_MODULE_PIXELS, code)
    if symbology == "upce":
        return Symbol([upce_modules(code)], BAR_HEIGHT, MODULE_PIXELS, code)
    linear = barcode.get_barcode_class(symbology)(code)
    (modules,) = linear.build()
    return Symbol([modules], BAR_HEIGHT, MODULE_PIXELS, linear.get_fullcode())


def grey_frame(symbol: Symbol) -> bytes:
    """One frame's luma plane: the symbol centred on white, with its quiet zone around it."""
    blank_row = bytes([WHITE]) * FRAME_WIDTH
    quiet = "0" * QUIET_ZONE_MODULES
    lines = []
    for modules in symbol.rows:
        pattern = bytes(
            BLACK if module == "1" else WHITE
            for module in quiet + modules + quiet
            for _ in range(symbol.module_pixels)
        )
        if len(pattern) > FRAME_WIDTH:
            raise ValueError(f"{len(modules)} modules do not fit a {FRAME_WIDTH} px wide frame")
        margin = (FRAME_WIDTH - len(pattern)) // 2
        lines += [blank_row[:margin] + pattern + blank_row[margin + len(pattern) :]] * (
            symbol.row_pixels
        )
    if len(lines) > FRAME_HEIGHT:
        raise ValueError(f"{len(symbol.rows)} rows do not fit a {FRAME_HEIGHT} px high frame")
    top = (FRAME_HEIGHT - len(lines)) // 2
    return blank_row * top + b"".join(lines) + blank_row * (FRAME_HEIGHT - top - len(lines))


def video_write(path: Path, symbol: Symbol) -> Path:
    """Write a Y4M video whose frames show `symbol`."""
    # 4:2:0 chroma planes at a quarter of the luma's size each; 128 is no colour (grey).
    chroma = bytes([128]) * ((FRAME_WIDTH // 2) * (FRAME_HEIGHT // 2) * 2)
    frame = b"FRAME\n" + grey_frame(symbol) + chroma
    header = f"YUV4MPEG2 W{FRAME_WIDTH} H{FRAME_HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * FRAMES)
    return path


def barcode_video_write(path: Path, symbology: str, code: str) -> str:
    """Write a video of `code` as `symbology` (see symbol_of) to `path`; return the code with its
    check digit. (A reader may give it in another form: ZXing gives UPC-A and UPC-E as EAN-13.)"""
    symbol = symbol_of(symbology, code)
    video_write(path, symbol)
    return symbol.code


def camera_chromium_args(video: Path | None, *, allowed: bool = True) -> list[str]:
    """Chromium switches for a fake camera filming `video`, or with None Chromium's own moving
    test pattern (a camera pointed at no barcode). Allowed: the camera prompt is answered yes
    without showing; else the page is refused the camera, as when a person says no."""
    return [
        "--use-fake-device-for-media-stream",
        *(["--use-fake-ui-for-media-stream"] if allowed else []),
        *([f"--use-file-for-fake-video-capture={video}"] if video is not None else []),
    ]
