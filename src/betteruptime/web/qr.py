"""QR codes as data: URIs of SVG images (segno, pure Python): the page's CSP allows
`img-src data:`, and nothing is fetched from elsewhere or written to disk."""

from __future__ import annotations

import segno


def qr_data_uri(text: str) -> str:
    # A white background and the standard 4-module quiet zone: phone cameras need the
    # contrast, also on the dashboard's dark theme.
    return segno.make(text, error="m").svg_data_uri(scale=4, border=4, light="#fff")
