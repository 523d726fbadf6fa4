"""Keys as a keyboard-wedge scanner or a person sends them, with the time of each key set by the
test rather than by how fast a busy machine delivers them.

Chromium's DevTools protocol takes a timestamp with each key, and the page sees it as the event's
`timeStamp`, which is what static/js/scanner.js measures. So a burst is a burst and slow typing is
slow on any machine: `KeyboardWedge(page).scan("4006381333931")` or `.type_by_hand("…")`.
"""

import time

SCANNER_KEY_GAP_SECONDS = 0.008  # a USB scanner: a few milliseconds a key
PERSON_KEY_GAP_SECONDS = 0.25  # a quick typist still needs well over 50 ms a key
PAUSE_BETWEEN_INPUTS_SECONDS = 1.0


class KeyboardWedge:
    def __init__(self, page) -> None:
        self.session = page.context.new_cdp_session(page)
        self.clock = time.time()

    def _key(self, key: str, at: float, *, text: str | None = None, code: str = "") -> None:
        down = {"type": "keyDown", "key": key, "code": code, "timestamp": at}
        if text is not None:
            down["text"] = text
        if key == "Enter":
            down["windowsVirtualKeyCode"] = 13
        self.session.send("Input.dispatchKeyEvent", down)
        self.session.send(
            "Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code, "timestamp": at}
        )

    def keys(self, text: str, *, gap_seconds: float, enter: bool = True) -> None:
        """Send `text` one key every `gap_seconds`, then Enter after the same gap."""
        at = max(time.time(), self.clock + PAUSE_BETWEEN_INPUTS_SECONDS)
        for character in text:
            self._key(character, at, text=character)
            at += gap_seconds
        if enter:
            self._key("Enter", at, text="\r", code="Enter")
        self.clock = at

    def scan(self, code: str) -> None:
        self.keys(code, gap_seconds=SCANNER_KEY_GAP_SECONDS)

    def type_by_hand(self, text: str, *, enter: bool = True) -> None:
        self.keys(text, gap_seconds=PERSON_KEY_GAP_SECONDS, enter=enter)
