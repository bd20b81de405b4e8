"""QR codes drawn on our side (segno, as SVG): no outside service ever sees the link."""

import segno
from markupsafe import Markup


def qr_svg(url: str, label: str) -> Markup:
    """An inline SVG QR code of ``url`` (error correction M, the usual four-module
    quiet zone), with ``label`` as its accessible title."""
    code = segno.make(url, error="m", micro=False)
    # No fixed size (a viewBox instead): the page's style sizes it for screen and print.
    svg = code.svg_inline(
        scale=6, border=4, dark="#000", light="#fff", title=label, svgid="qr-code", omitsize=True
    )
    # An image to assistive technology, named by its <title>.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
