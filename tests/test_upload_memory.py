"""Three contributors send very large pictures at once to a real server process:
its memory stays bounded (one decoding at a time, each within DECODE_BUDGET).

Run with ``-s`` to see the measured numbers."""

import io
import threading

from PIL import Image, ImageDraw

from archive.images import DECODE_BUDGET
from tests.server_process import ServerProcess
from tests.upload_clients import Contributor

PEAK_LIMIT_MB = 400


def _picture(size, mode, fmt, **options) -> bytes:
    """A mostly flat picture: tiny as a file, huge once decoded (the attack measured
    in issue 9 was a 169 KB PNG of 6324 x 6324 pixels)."""
    im = Image.new(mode, size, (30, 120, 200, 255)[: len(mode)])
    ImageDraw.Draw(im).rectangle(
        (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(200, 50, 80, 128)[: len(mode)]
    )
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def _all_at_once(server, uploads: dict) -> dict:
    """Each upload sent by its own contributor, all at the same moment: {name: (status, page)}."""
    contributors = {name: Contributor(server.url) for name in uploads}
    for person in contributors.values():
        person.form_token()  # everyone has the form open before anyone sends
    results = {}

    def send(name):
        results[name] = contributors[name].submit_with_photo(*uploads[name])

    threads = [threading.Thread(target=send, args=(name,)) for name in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_three_huge_pictures_at_once_keep_the_server_under_400_mb(tmp_path):
    server = ServerProcess(tmp_path / "data")
    try:
        baseline = server.memory_mb()["VmRSS"]
        # Issue 9's three: a 40 MP WebP, a 6324 x 6324 RGBA PNG and a 40 MP JPEG.
        first = _all_at_once(
            server,
            {
                "webp": (_picture((7744, 5164), "RGB", "WEBP", quality=50, method=0), "big.webp"),
                "png": (_picture((6324, 6324), "RGBA", "PNG", compress_level=1), "big.png"),
                "jpeg": (_picture((7744, 5164), "RGB", "JPEG", quality=80), "big.jpg"),
            },
        )
        peak_first = server.memory_mb()["VmHWM"]
        # The costliest pictures still accepted: a WebP just within the budget, a
        # progressive 40 MP JPEG (its decoder keeps every coefficient), a 40 MP RGB PNG.
        side = int((DECODE_BUDGET / 16) ** 0.5) - 8
        second = _all_at_once(
            server,
            {
                "webp": (_picture((side, side), "RGB", "WEBP", quality=50, method=0), "max.webp"),
                "jpeg": (_picture((7744, 5164), "RGB", "JPEG", quality=80, progressive=True), "p.jpg"),
                "png": (_picture((6324, 6324), "RGB", "PNG", compress_level=1), "rgb.png"),
            },
        )
        peak = server.memory_mb()["VmHWM"]
    finally:
        server.stop()
    print(f"\nserver memory: {baseline:.0f} MB at rest, peak {peak_first:.0f} MB, then {peak:.0f} MB")
    assert peak < PEAK_LIMIT_MB, f"{peak:.0f} MB"
    # The PNG and the JPEG are stored; the 40 MP WebP, whose decoding alone would
    # take over 600 MB, is refused with a message that says what to do.
    for name in ("png", "jpeg"):
        assert first[name][0] == 200 and 'id="receipt-code"' in first[name][1], name
    assert first["webp"][0] == 400 and "Please send it as a JPEG" in first["webp"][1]
    for name, (status, page) in second.items():
        assert status == 200 and 'id="receipt-code"' in page, name
