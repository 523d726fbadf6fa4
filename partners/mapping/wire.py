"""How the pool and an evaluator process talk: length-prefixed pickle frames over pipes.

Pickle because the values are plain JSON data plus Decimal (results keep exact decimals) and it
is the fastest codec Python has for them. Both sides read frames with `data_loads`, which
refuses every class but Decimal: an evaluator runs untrusted expressions, so the pool treats its
answers as untrusted too, even though the sandbox gives an expression no way to write them.
"""

import io
import os
import pickle
import select
import struct
import time
from decimal import Decimal
from typing import Any

_HEADER = struct.Struct(">I")
MAX_FRAME_BYTES = 512 * 1024 * 1024


class WireClosed(EOFError):
    """The other side closed its end of the pipe (it exited or was killed)."""


class WireTimeout(TimeoutError):
    """The other side did not send a whole frame before the deadline."""


def frame(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(payload)) + payload


def send(fd: int, value: Any) -> None:
    """Write one frame to the file descriptor, whole."""
    data = memoryview(frame(value))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def receive(fd: int, *, deadline: float | None = None, max_bytes: int = MAX_FRAME_BYTES) -> bytes:
    """One frame's payload from `fd`, waiting until `deadline` (time.monotonic) at most.

    Raises WireClosed when the other side has gone, WireTimeout at the deadline and ValueError
    when the frame announces more than `max_bytes`."""
    size = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))[0]
    if size > max_bytes:
        raise ValueError(f"a frame of {size:,} bytes is over the {max_bytes:,} allowed")
    return _read_exactly(fd, size, deadline)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    received = bytearray()
    while len(received) < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise WireTimeout
        chunk = os.read(fd, min(size - len(received), 1024 * 1024))
        if not chunk:
            raise WireClosed
        received += chunk
    return bytes(received)


class _DataOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("decimal", "Decimal"):
            return Decimal
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in an evaluator's reply")


def data_loads(payload: bytes) -> Any:
    """Unpickle a frame's payload: plain data and Decimal only."""
    return _DataOnlyUnpickler(io.BytesIO(payload)).load()
