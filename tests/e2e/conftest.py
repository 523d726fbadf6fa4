from pathlib import Path

import pytest

from tests.conftest import chromium_launch
from tests.e2e.fake_camera import camera_chromium_args

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def camera_tablet(playwright_driver, live_server):
    """Open a tablet page in a Chromium whose camera films `video` (a file from
    fake_camera.barcode_video_write), or Chromium's moving test pattern with None; with
    allowed=False the camera is refused. Each call launches its own browser: the camera's video
    is fixed when a browser starts."""
    browsers = []

    def open_page(video: Path | None, *extra_args: str, allowed: bool = True):
        camera_args = camera_chromium_args(video, allowed=allowed)
        browser = chromium_launch(playwright_driver, *camera_args, *extra_args)
        browsers.append(browser)
        page = browser.new_context(viewport=TABLET, base_url=live_server.url).new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for browser in browsers:
        browser.close()


def off_origin_requests(page, origin: str) -> list[str]:
    """Record and refuse every request `page` makes outside `origin` (nothing leaves the
    machine); the returned list fills as the page runs."""
    refused: list[str] = []

    def refuse(route) -> None:
        refused.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith(f"{origin}/"), refuse)
    return refused
