"""The vendored front-end libraries are the versions static/vendor/README.md records, and the
barcode reader's WebAssembly is the one its JavaScript was built for (an upgrade of one without
the other would fail only on a device, with the camera open)."""

import hashlib
import re

from tests.conftest import REPO

VENDOR = REPO / "static" / "vendor"
README = (VENDOR / "README.md").read_text()


def test_the_reader_wasm_is_the_one_the_polyfill_expects():
    bundled = (VENDOR / "barcode-detector" / "zxing-exported.js").read_text()
    wasm = (VENDOR / "zxing-wasm" / "zxing_reader.wasm").read_bytes()

    digest = hashlib.sha256(wasm).hexdigest()

    assert re.findall(r'"([0-9a-f]{64})"', bundled) == [digest]
    assert f"`{digest}`" in README


def test_the_readme_records_the_vendored_versions():
    bundled = (VENDOR / "barcode-detector" / "zxing-exported.js").read_text()
    htmx = (VENDOR / "htmx" / "htmx.min.js").read_text()

    assert re.findall(r'version:"([0-9.]+)"', htmx) == ["2.0.11"]
    assert "jsdelivr.net/npm/zxing-wasm@3.1.3/" in bundled  # the default we override
    assert "| `htmx.org` | 2.0.11 |" in README
    assert "| `zxing-wasm` | 3.1.3 |" in README
    assert "| `barcode-detector` | 3.2.2 |" in README


def test_every_vendored_library_ships_its_licence():
    folders = [path for path in VENDOR.iterdir() if path.is_dir()]

    assert sorted(folder.name for folder in folders) == ["barcode-detector", "htmx", "zxing-wasm"]
    assert all((folder / "LICENSE").is_file() for folder in folders)
