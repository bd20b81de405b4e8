"""Helpers for the dialogue tests: story circles, codes read from pages, a
narrator joining through the form, and an independent QR decoder."""

import re

from PIL import Image, ImageDraw

from archive import collections
from tests.conftest import csrf_token, post_my_story


def open_circle(db, slug="kitchen-table", title="Kitchen-table circle", open_until="2999-12-31", **fields):
    """A listed collection taking stories until ``open_until``; returns its id."""
    values = {"themes": ["intergenerational-dialogue"], **fields}
    return collections.create(
        db, slug, collections.CollectionFields(title=title, open_until=open_until, **values), None
    )


def without_tokens(html: str) -> str:
    """A page without its CSRF tokens, which carry the second they were made in, its
    consent form's one-time key, and the language switcher's links, which lead back to
    the page's own address."""
    html = re.sub(r'name="(csrf_token|consent_key)" type="hidden" value="[^"]+"', "", html)
    return re.sub(r'href="/language\?[^"]*"', "", html)


def receipt_code(html: str) -> str | None:
    """The receipt code shown on a receipt page."""
    match = re.search(r'id="receipt-code">([^<]+)<', html)
    return match and match.group(1)


def invitation_codes(html: str) -> list[str]:
    """The other narrators' invitation codes shown on a receipt page, in order."""
    return re.findall(r'class="receipt-code invitation-code">([^<]+)<', html)


def join(client, code, action="consent", **choices):
    """A narrator sends the joining form with their invitation code; ``choices``
    override an adult's consent to public access without quotation."""
    data = {
        "csrf_token": csrf_token(client, "/join"),
        "code": code,
        "action": action,
        "archiving_consent": "y",
        "access": "public",
        "age": "adult",
        **choices,
    }
    return client.post("/join", data={k: v for k, v in data.items() if v is not None})


def narrator_joins(client, code, **choices) -> str:
    """A narrator consents; returns their own receipt code."""
    response = join(client, code, **choices)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return receipt_code(response.get_data(as_text=True))


def my_story(client, code, action="open", **fields) -> str:
    """/my-story's page for a code, as text."""
    return post_my_story(client, code, action, **fields).get_data(as_text=True)


def qr_modules(svg: str) -> tuple[int, set]:
    """The dark modules of a QR code drawn by segno as one SVG path of horizontal
    runs ("M x y", "m dx dy", "h n"), and the side of the whole drawing in modules."""
    scale = float(re.search(r'transform="scale\(([\d.]+)\)"', svg).group(1))
    side = int(float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1)) / scale)
    path = re.search(r'class="qrline"[^>]*?\sd="([^"]+)"', svg).group(1)
    x = y = 0.0
    dark = set()
    for command, numbers in re.findall(r"([Mmh])([-\d. ]+)", path):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            for step in range(int(values[0])):
                dark.add((int(x) + step, int(y)))  # y is the run's middle: row int(y)
            x += values[0]
    return side, dark


def decode_qr_svg(svg: str) -> list[str]:
    """What a QR reader (zxing-cpp, independent of segno) reads in the SVG."""
    import zxingcpp

    side, dark = qr_modules(svg)
    pixels = 8
    image = Image.new("L", (side * pixels, side * pixels), 255)
    draw = ImageDraw.Draw(image)
    for x, y in dark:
        draw.rectangle([x * pixels, y * pixels, (x + 1) * pixels - 1, (y + 1) * pixels - 1], fill=0)
    return [result.text for result in zxingcpp.read_barcodes(image)]
