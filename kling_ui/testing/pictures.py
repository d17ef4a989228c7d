"""Hostile pictures for tests and benchmarks: a small file that declares a huge canvas."""

from __future__ import annotations

import struct
import zlib


def blank_png(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A black RGB PNG of any size, written row by row without holding its pixels: a few
    hundred KB can declare tens of megapixels (what an attacker sends). With `rows`, only
    that many rows follow the header: the size is declared, the data is short."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    packer = zlib.compressobj(9)
    row = bytes(1 + 3 * width)  # filter byte 0, then black pixels
    body = b"".join(packer.compress(row) for _ in range(height if rows is None else rows))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", body + packer.flush())
        + chunk(b"IEND", b"")
    )
