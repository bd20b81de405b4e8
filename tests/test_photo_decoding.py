"""What decoding a photo may cost: estimated from the header, refused above the
budget, reduced strip by strip, one decoding at a time."""

import io
import threading
import time

import pytest
from PIL import Image

from archive import images
from archive.errors import MediaError, ProcessingBusy
from archive.storage import LocalStorage


def _encoded(im, fmt, **options) -> io.BytesIO:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    out.seek(0)
    return out


def _cost(data: io.BytesIO) -> int:
    with Image.open(data) as im:
        return images.decode_cost(im)


def test_the_cost_counts_bytes_per_pixel_and_what_the_decoder_holds():
    size = (1000, 800)
    grey = _cost(_encoded(Image.new("L", size), "PNG"))
    rgba = _cost(_encoded(Image.new("RGBA", size), "PNG"))
    webp = _cost(_encoded(Image.new("RGB", size), "WEBP"))
    baseline = _cost(_encoded(Image.new("RGB", size), "JPEG"))
    progressive = _cost(_encoded(Image.new("RGB", size), "JPEG", progressive=True, subsampling=0))
    assert grey == 800_000 and rgba == 3_200_000
    assert webp == 4 * rgba  # Pillow's WebP decoder holds the frame three more times
    # A progressive JPEG keeps two bytes per sample of every component (4:4:4: three).
    assert progressive - baseline == 2 * 3 * 1000 * 800


def test_a_photo_over_the_decoding_budget_is_refused_before_decoding(tmp_path):
    side = int((images.DECODE_BUDGET / 16) ** 0.5) + 64  # just over, as a WebP
    data = _encoded(Image.new("RGB", (side, side), (10, 20, 30)), "WEBP", quality=10, method=0)
    with pytest.raises(MediaError) as refused:
        images.process_photo(data, LocalStorage(tmp_path).stage)
    assert "Please send it as a JPEG" in str(refused.value)
    assert not list(tmp_path.rglob("*")) or all(p.is_dir() for p in tmp_path.rglob("*"))


def test_reducing_strip_by_strip_gives_the_pixels_of_reducing_the_whole_picture():
    im = Image.linear_gradient("L").resize((4500, 2999)).convert("RGBA")
    im.putalpha(Image.linear_gradient("L").rotate(90).resize((4500, 2999)))
    whole = im.reduce(2)
    strips = images._reduce_in_strips(im, "RGBA", images.DISPLAY_MAX)
    assert strips.size == whole.size == (2250, 1500)
    assert strips.tobytes() == whole.tobytes()


def test_one_decoding_at_a_time_and_a_short_queue():
    gate = images.DecodeGate(queue=1, wait=5)
    running = threading.Event()
    release = threading.Event()
    order = []

    def first():
        running.set()
        release.wait(5)
        order.append("first")

    threads = [threading.Thread(target=gate.run, args=(first,))]
    threads[0].start()
    assert running.wait(5)
    threads.append(threading.Thread(target=gate.run, args=(lambda: order.append("second"),)))
    threads[1].start()  # waits its turn: the queue holds one
    deadline = time.monotonic() + 5
    while gate._pending < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(ProcessingBusy):  # one decoding and one waiting: the next is turned away
        gate.run(lambda: order.append("third"))
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["first", "second"]
