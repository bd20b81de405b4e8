"""Photos: the only code path that decodes uploads and writes images.

Every stored image is rebuilt from its pixels: orientation applied, colours
converted to sRGB, resized, and saved from a brand-new image object, so no EXIF
(GPS!), XMP, ICC profile, IPTC block or comment can travel with it. The upload
itself is never stored.
"""

import io
import os
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import lazy_gettext as _
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from archive.errors import MediaError
from archive.storage import Staged

MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
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


def _decode(stream) -> Image.Image:
    """Open, check and decode an upload: the pixels upright, in sRGB, as RGB or RGBA,
    at most DISPLAY_MAX px on the long side.

    The picture is scaled down before anything else, so that a 40-megapixel photo
    is held at full size only once."""
    with Image.open(stream, formats=list(DECODE_FORMATS)) as im:
        width, height = im.size
        if width * height > MAX_PIXELS:
            raise _too_many_pixels()
        if im.format == "MPO":
            # Phones add depth maps and HDR gain maps as extra JPEG frames; the
            # first frame is the photo itself, and the rest are dropped.
            im.seek(0)
        elif getattr(im, "n_frames", 1) > 1:
            raise MediaError(
                _("Animated or multi-page images cannot be accepted. Please send a single photo.")
            )
        if im.format in ("JPEG", "MPO"):
            # Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 while decoding.
            im.draft(im.mode if im.mode in ("RGB", "L", "CMYK") else None, (DISPLAY_MAX, DISPLAY_MAX))
        im.load()
        orientation = _orientation(im)
        icc = im.info.get("icc_profile")
        target = "RGBA" if _has_alpha(im) else "RGB"
        pixels = _shrink(_plain_mode(im, target), DISPLAY_MAX)
        if orientation in _UPRIGHT:
            pixels = pixels.transpose(_UPRIGHT[orientation])
        # Always a new image, never the one tied to the upload's file.
        pixels = _to_srgb(pixels, icc, target)
    if pixels.mode == "RGBA" and pixels.getextrema()[3][0] == 255:
        pixels = pixels.convert("RGB")  # an alpha channel that hides nothing
    return pixels


def process_photo(stream: BinaryIO, stage: Callable[[], Staged]) -> ProcessedPhoto:
    """Check and rebuild an uploaded photo; stage a display copy and a thumbnail.

    ``stream`` is the upload (a binary file object); ``stage`` returns a new
    ``Staged`` file (``storage.stage``). Raises MediaError with a message for the
    contributor when the file is refused; nothing stays staged then."""
    size = _stream_size(stream)
    if size == 0:
        raise MediaError(_("This file is empty. Please choose the photo again."))
    if size > MAX_PHOTO_BYTES:
        raise MediaError(
            _("Photos can be up to %(mb)d MB each. Please send a smaller copy.", mb=MAX_PHOTO_BYTES // 2**20)
        )
    _refuse_by_type(sniff(stream.read(64)))
    stream.seek(0)
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
