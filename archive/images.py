"""Photos: the only code path that decodes uploads and writes images.

Every stored image is rebuilt from its pixels: orientation applied, colours
converted to sRGB, resized, and saved from a brand-new image object, so no EXIF
(GPS!), XMP, ICC profile, IPTC block or comment can travel with it. The upload
itself is never stored.

Decoding is the one step whose memory grows with the picture (a 40-megapixel
WebP needs over 600 MB in Pillow), so it is bounded three ways: each upload's
decoding cost is estimated from its header before any pixel is decoded and
refused above ``DECODE_BUDGET`` (see ``decode_cost``); JPEGs are decoded at a
reduced size and large pictures are reduced strip by strip, so that only one
full-size copy exists; and one photo is decoded at a time per process
(``DecodeGate``), the next few waiting their turn.
"""

import ctypes
import io
import os
import struct
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import lazy_gettext as _
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from archive.errors import MediaError, ProcessingBusy
from archive.storage import Staged

MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
# The memory one decoding may take (bytes, as estimated by ``decode_cost``). With
# one decoding at a time, the web process stays within its baseline plus this.
DECODE_BUDGET = 200 * 1024 * 1024
DISPLAY_MAX = 2000
THUMB_MAX = 400
DECODE_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85

# Pillow warns at MAX_IMAGE_PIXELS and refuses at twice that. We lower its limit
# to our own cap and make the warning an error process-wide, so a decompression
# bomb is refused even if a code path forgot our explicit check.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
# A truncated file is damaged, not something to display half-grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# Keys of Image.info that carry metadata; none may survive into a stored file.
METADATA_KEYS = (
    "exif",
    "icc_profile",
    "xmp",
    "XML:com.adobe.xmp",
    "comment",
    "photoshop",
    "iptc",
    "dpi_exif",
)

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


class DecodeGate:
    """Photos are decoded one at a time per process, by one worker thread, with a
    short queue.

    One thread, not merely one at a time: the C allocator keeps memory a thread
    has freed for that thread's later use, so decodings spread over request
    threads would each leave a picture's worth of memory behind; after each
    decoding the thread hands what it freed back to the system. ``run`` waits
    up to ``wait`` seconds for its turn; when ``queue`` others are already
    waiting, or the wait runs out, it raises ProcessingBusy, and the web layer
    answers "busy, try again shortly" rather than holding the request."""

    def __init__(self, queue: int = 4, wait: float = 60.0):
        self.queue = queue
        self.wait = wait
        self._lock = threading.Lock()
        self._pending = 0
        self._worker = None  # started on first use, so after any fork of the process

    def run(self, work: Callable, *args):
        """``work(*args)`` on the decoding thread, once its turn comes; its result or exception."""
        with self._lock:
            if self._pending > self.queue:
                raise ProcessingBusy(_busy_message())
            self._pending += 1
            if self._worker is None:
                self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="photo-decode")
            worker = self._worker
        try:
            future = worker.submit(_then_release_memory, work, *args)
            try:
                return future.result(timeout=self.wait)
            except FutureTimeout:
                if future.cancel():
                    raise ProcessingBusy(_busy_message()) from None
                return future.result()  # already under way: it finishes soon
        finally:
            with self._lock:
                self._pending -= 1


try:  # glibc's; elsewhere freed memory is left to the allocator
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):
    _malloc_trim = None


def _then_release_memory(work: Callable, *args):
    """``work(*args)``, then hand the memory it freed back to the system: the C
    allocator otherwise keeps it, and the next decoding's peak would come on top."""
    try:
        return work(*args)
    finally:
        if _malloc_trim is not None:
            _malloc_trim(0)


def _busy_message():
    return _("Many photos are being prepared right now. Please send your story again in a minute.")


# The gate every upload of this process goes through.
DECODE_GATE = DecodeGate()

# Bytes per pixel of a decoded Pillow image by mode: one-band images take one byte
# (two for 16-bit), everything else four (RGB is stored as RGBX).
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
# Pillow's WebP decoder holds the frame three times over (the decoder's canvas and
# its disposal copy, and the frame as bytes) besides the image itself.
_WEBP_COPIES = 4


def _jpeg_coefficient_bytes(im: Image.Image, size: tuple[int, int]) -> int:
    """A progressive JPEG keeps every DCT coefficient (two bytes per sample) of the
    whole picture while it decodes, whatever size it is drafted to."""
    layers = getattr(im, "layer", None) or []
    if not layers:
        return 0
    h_max = max(layer[1] for layer in layers) or 1
    v_max = max(layer[2] for layer in layers) or 1
    samples = sum(layer[1] * layer[2] for layer in layers) / (h_max * v_max)
    width, height = (-(-side // 8) * 8 for side in size)
    return int(2 * samples * width * height)


def decode_cost(im: Image.Image, original_size: tuple[int, int] | None = None) -> int:
    """The memory (bytes) decoding the opened, not yet loaded ``im`` will take:
    the decoded picture at the size it will be decoded to (after ``draft``),
    plus what the format's decoder holds besides. ``original_size`` is a drafted
    JPEG's size before drafting."""
    cost = im.width * im.height * _BYTES_PER_PIXEL.get(im.mode, 4)
    if im.format == "WEBP":
        cost *= _WEBP_COPIES
    elif im.format in ("JPEG", "MPO") and im.info.get("progressive"):
        cost += _jpeg_coefficient_bytes(im, original_size or im.size)
    return cost


@dataclass
class ProcessedPhoto:
    """A photo rebuilt and staged in two sizes, waiting to be moved into storage."""

    display: Staged
    thumb: Staged
    mime: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int

    def staged(self) -> list[tuple[str, Staged]]:
        """The staged files with their variant names."""
        return [("display", self.display), ("thumb", self.thumb)]

    def discard(self) -> None:
        """Remove the staged files (the photo will not be kept)."""
        self.display.discard()
        self.thumb.discard()


def sniff(head: bytes) -> str:
    """A rough name for a file's type from its first bytes, used only to choose a
    helpful message; decoding is still restricted to DECODE_FORMATS."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and (b"<svg" in head.lower() or text.startswith(b"<?xml")):
        return "svg"
    return "other"


def _refuse_by_type(kind: str) -> None:
    if kind == "heic":
        raise MediaError(
            _(
                "This looks like an HEIC photo (the iPhone's own format), which we cannot read. "
                "Please send it as a JPEG: on an iPhone, choose Settings › Camera › Formats › "
                "Most Compatible, or open the photo and share it with “Options › Most Compatible”; "
                "on a computer, open it in Photos or Preview and export it as JPEG."
            )
        )
    if kind == "gif":
        raise MediaError(_("GIF images cannot be accepted. Please send a photo as JPEG, PNG or WebP."))
    if kind == "svg":
        raise MediaError(
            _("Drawings in SVG format cannot be accepted. Please send a photo as JPEG, PNG or WebP.")
        )
    if kind == "tiff":
        raise MediaError(
            _("TIFF images cannot be accepted. Please save the photo as JPEG or PNG and try again.")
        )
    if kind not in ("jpeg", "png", "webp"):
        raise MediaError(_("This file is not a photo we can accept. Please send a JPEG, PNG or WebP image."))


def _stream_size(stream) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _too_many_pixels() -> MediaError:
    return MediaError(
        _(
            "This image is too large in pixels (more than %(mp)d megapixels). "
            "Please send a smaller copy, for example by resizing it to 4000 pixels wide.",
            mp=MAX_PIXELS // 1_000_000,
        )
    )


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


# EXIF orientation -> the transposition that makes the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _orientation(im: Image.Image) -> int | None:
    try:
        return im.getexif().get(0x0112)
    except (ValueError, TypeError, SyntaxError, OSError, KeyError, struct.error):
        return None  # unreadable EXIF: keep the pixels as they are


def _plain_mode(im: Image.Image, target: str) -> Image.Image:
    """Palette, bilevel, 16-bit and two-channel images in a mode that resizes and
    converts well; RGB, RGBA, L and CMYK pass through untouched."""
    if im.mode.startswith("I") or im.mode == "F":
        # 16-bit greyscale: scale to 8 bits rather than clipping to white.
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode not in ("RGB", "RGBA", "L", "CMYK") or "transparency" in im.info:
        # (A transparent colour key must become alpha before resampling blurs it.)
        return im.convert(target)
    return im


def _shrink(im: Image.Image, longest: int) -> Image.Image:
    """``im`` scaled down to at most ``longest`` px on its long side (not scaled up)."""
    if max(im.size) <= longest:
        return im
    scale = longest / max(im.size)
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


# Rows reduced at a time: a strip of a 40-megapixel picture is a few megabytes.
_STRIP_ROWS = 256


def _reduce_in_strips(im: Image.Image, target: str, longest: int) -> Image.Image:
    """``im`` in a plain mode (see ``_plain_mode``), box-reduced by the largest whole
    factor that keeps its long side at least ``longest`` px.

    Converting or resizing a whole picture makes a second full-size copy (RGBA
    is premultiplied first); done strip by strip, the only full-size image is
    the decoded one. Box reduction is local, so strips give exactly the same
    pixels as reducing the whole picture."""
    factor = max(1, max(im.size) // longest)
    if factor == 1:
        return _plain_mode(im, target)
    rows = _STRIP_ROWS // factor * factor or factor
    out = None
    for top in range(0, im.height, rows):
        strip = _plain_mode(im.crop((0, top, im.width, min(im.height, top + rows))), target)
        reduced = strip.reduce(factor)
        if out is None:
            out = Image.new(reduced.mode, (-(-im.width // factor), -(-im.height // factor)))
        out.paste(reduced, (0, top // factor))
    return out


def _to_srgb(im: Image.Image, icc: bytes | None, target: str) -> Image.Image:
    """Convert to ``target`` (RGB or RGBA), through the embedded colour profile when
    there is one, so that the picture looks the same once the profile is gone."""
    if icc and im.mode in ("RGB", "RGBA", "CMYK", "L") and (im.mode == "RGBA") == (target == "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            return ImageCms.profileToProfile(im, source, srgb, outputMode=target)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile is dropped; the pixels are still good
    return im.convert(target)


def _rebuild(im: Image.Image, longest: int) -> Image.Image:
    """A new image holding only the pixels of ``im``, at most ``longest`` px on its long side."""
    copy = im.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS, reducing_gap=3.0)
    # frombytes makes an image with an empty .info: nothing of the upload can ride along.
    return Image.frombytes(copy.mode, copy.size, copy.tobytes())


def _save(im: Image.Image, staged: Staged) -> None:
    if im.mode == "RGBA":
        im.save(staged.path, format="PNG", optimize=False)
    else:
        im.save(staged.path, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    check_clean(staged.path)


def check_clean(path: str | os.PathLike) -> None:
    """Raise if a written image carries any metadata (a guard on this module itself)."""
    with Image.open(path) as written:
        leftover = [key for key in METADATA_KEYS if written.info.get(key)]
        if leftover or written.getexif():
            raise RuntimeError(f"image metadata survived rebuilding: {leftover}")


def _decode_reduced(im: Image.Image) -> tuple:
    """Check the opened upload ``im``, decode it within DECODE_BUDGET and reduce it:
    (EXIF orientation, ICC profile, target mode, pixels no longer tied to ``im``)."""
    width, height = im.size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()
    if im.format == "MPO":
        # Phones add depth maps and HDR gain maps as extra JPEG frames; the
        # first frame is the photo itself, and the rest are dropped.
        im.seek(0)
    elif getattr(im, "n_frames", 1) > 1:
        raise MediaError(_("Animated or multi-page images cannot be accepted. Please send a single photo."))
    if im.format in ("JPEG", "MPO"):
        # Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 while decoding,
        # keeping the long side at least DISPLAY_MAX.
        scale = DISPLAY_MAX / max(width, height)
        wanted = (max(1, int(width * scale)), max(1, int(height * scale)))
        im.draft(im.mode if im.mode in ("RGB", "L", "CMYK") else None, wanted)
    if decode_cost(im, (width, height)) > DECODE_BUDGET:
        raise _too_costly(im.format)
    im.load()
    orientation = _orientation(im)
    icc = im.info.get("icc_profile")
    target = "RGBA" if _has_alpha(im) else "RGB"
    pixels = _reduce_in_strips(im, target, DISPLAY_MAX)
    if pixels is im:
        # Still the upload's own image, which closing it empties: take what we need now.
        pixels = _shrink(im, DISPLAY_MAX)
        pixels = im.copy() if pixels is im else pixels
    return orientation, icc, target, pixels


def _decode(stream) -> Image.Image:
    """Open, check and decode an upload: the pixels upright, in sRGB, as RGB or RGBA,
    at most DISPLAY_MAX px on the long side.

    The decoding cost is checked from the header before any pixel is decoded, and
    the picture is reduced before anything else, so that it is held at full size
    only once and only briefly."""
    im = Image.open(stream, formats=list(DECODE_FORMATS))
    try:
        orientation, icc, target, pixels = _decode_reduced(im)
    finally:
        im.close()  # frees the full-size picture now, not when this function returns
    # The full-size picture is closed: the rest works on a few megapixels at most.
    pixels = _shrink(pixels, DISPLAY_MAX)
    if orientation in _UPRIGHT:
        pixels = pixels.transpose(_UPRIGHT[orientation])
    # Always a new image, never the one tied to the upload's file.
    pixels = _to_srgb(pixels, icc, target)
    if pixels.mode == "RGBA" and pixels.getextrema()[3][0] == 255:
        pixels = pixels.convert("RGB")  # an alpha channel that hides nothing
    return pixels


def _too_costly(kind: str) -> MediaError:
    if kind == "WEBP":
        return MediaError(
            _(
                "This WebP photo is too large for us to prepare (WebP photos can be up to about "
                "%(mp)d megapixels here). Please send it as a JPEG, or a smaller copy.",
                mp=DECODE_BUDGET // (4 * _WEBP_COPIES) // 1_000_000,
            )
        )
    return MediaError(
        _(
            "This photo is too large for us to prepare. Please send a smaller copy, "
            "for example by resizing it to 4000 pixels wide."
        )
    )


def process_photo(
    stream: BinaryIO, stage: Callable[[], Staged], gate: DecodeGate = DECODE_GATE
) -> ProcessedPhoto:
    """Check and rebuild an uploaded photo; stage a display copy and a thumbnail.

    ``stream`` is the upload (a binary file object); ``stage`` returns a new
    ``Staged`` file (``storage.stage``); ``gate`` decodes one photo at a time.
    Raises MediaError with a message for the contributor when the file is
    refused, and ProcessingBusy when too many photos wait to be decoded; nothing
    stays staged then."""
    size = _stream_size(stream)
    if size == 0:
        raise MediaError(_("This file is empty. Please choose the photo again."))
    if size > MAX_PHOTO_BYTES:
        raise MediaError(
            _("Photos can be up to %(mb)d MB each. Please send a smaller copy.", mb=MAX_PHOTO_BYTES // 2**20)
        )
    _refuse_by_type(sniff(stream.read(64)))
    stream.seek(0)
    return gate.run(_rebuild_and_stage, stream, stage)


def _rebuild_and_stage(stream: BinaryIO, stage: Callable[[], Staged]) -> ProcessedPhoto:
    """Decode the upload and stage its display copy and thumbnail (on the decoding thread)."""
    try:
        pixels = _decode(stream)
    except MediaError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        raise MediaError(
            _("We could not read this file as a photo. Please send a JPEG, PNG or WebP image.")
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, MemoryError):
        raise MediaError(
            _("This photo seems to be damaged or incomplete. Please try another copy of it.")
        ) from None
    display = _rebuild(pixels, DISPLAY_MAX)
    thumb = _rebuild(display, THUMB_MAX)
    staged_display, staged_thumb = stage(), stage()
    try:
        _save(display, staged_display)
        _save(thumb, staged_thumb)
    except BaseException:
        staged_display.discard()
        staged_thumb.discard()
        raise
    return ProcessedPhoto(
        display=staged_display,
        thumb=staged_thumb,
        mime="image/png" if display.mode == "RGBA" else "image/jpeg",
        width=display.width,
        height=display.height,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
    )
