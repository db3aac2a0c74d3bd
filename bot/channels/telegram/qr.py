"""QR codes for flyers and posters: a deep link (Telegram or web chat) as PNG or SVG."""

from __future__ import annotations

from pathlib import Path

import segno

FORMATS = (".png", ".svg")


def write_qr(data: str, target: Path) -> Path:
    """Write ``data`` as a QR code; the file suffix (.png or .svg) picks the format."""
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{target}: use a .png or .svg file name")
    code = segno.make(data, error="m", micro=False)
    # 10 px modules and the standard quiet zone print sharply on an A6 flyer.
    code.save(str(target), kind=suffix[1:], scale=10, border=4)
    return target
