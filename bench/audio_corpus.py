"""Run every audio file under a folder through the archive's recording pipeline.

    .venv/bin/python -m bench.audio_corpus CORPUS_DIR [--report FILE.md]

Run by hand on real-world files (for example an audio library's public test
data), never by ``make test``: fetched files must not be committed. For each
file it prints whether process_audio accepted it (or its refusal message),
which of the upload's tag texts (read with mutagen, and printable runs inside
the tag blocks our own parser finds at either end) survive in the stored bytes, what our own check finds in the upload, and how long Debian's ffprobe
decodes the upload and the stored copy to. Nothing is stored: each accepted
copy is discarded.
"""

import argparse
import datetime
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import mutagen
from flask import Flask
from flask_babel import Babel
from mutagen.apev2 import APEv2
from mutagen.id3 import ID3

from archive.audio import AUDIO_TYPES, process_audio
from archive.audio_check import leftovers
from archive.audio_formats import leading_tags_end, mapped, sniff, trailing_tags_start
from archive.errors import MediaError
from archive.storage import LocalStorage
from tests.audio_fixtures import probe, text_hits

# Other names of the containers we take: such files are offered under the name we would accept.
ALIASES = {"m4b": "m4a", "mp4": "m4a", "3g2": "m4a", "oggflac": "ogg", "oggtheora": "ogg", "spx": "ogg"}
_KINDS = {"mp3", "adts", "mp4", "ogg", "flac", "wav"}


def _strings(value):
    """Every string inside a tag value (lists, frames, MP4 free-form values...)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes):
        try:
            yield value.decode("utf-8")
        except UnicodeDecodeError:
            return
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif hasattr(value, "text"):
        yield from _strings(value.text)
    elif hasattr(value, "value"):
        yield from _strings(value.value)


def tag_texts(path) -> set[str]:
    """The tag texts mutagen reads from the file (any tag type it finds), 4 characters or more."""
    texts = set()
    readers = [lambda p: mutagen.File(p), ID3, APEv2]
    for read in readers:
        try:
            tags = read(path)
        except Exception:  # noqa: BLE001 (any reader may fail on any file: then it found nothing)
            continue
        tags = getattr(tags, "tags", tags)
        if not tags:
            continue
        items = tags.items() if hasattr(tags, "items") else tags
        for _key, value in items:
            texts.update(s.strip("\x00 ") for s in _strings(value))
    return {t for t in texts if len(t) >= 4 and not t.isdigit()}


def tag_block_texts(data) -> set[str]:
    """Printable runs (5 characters or more) inside the tag blocks at either end of an
    MP3, AAC or FLAC file, as our own parser finds them: mutagen reads none of the
    ID3v2 tags that are stored after the audio."""
    head, tail = leading_tags_end(data), trailing_tags_start(data, leading_tags_end(data))
    blocks = bytes(data[:head]) + b"\n" + bytes(data[tail:])
    return {run.decode() for run in re.findall(rb"[\x20-\x7e]{5,}", blocks)}


def _seconds(path) -> str:
    try:
        return f"{probe(path, strict=False)[0]:.2f}"
    except (subprocess.CalledProcessError, StopIteration, KeyError, ValueError, ZeroDivisionError):
        return "-"


def run_one(path: pathlib.Path, storage) -> dict:
    ext = path.suffix.lower().lstrip(".")
    claimed = ALIASES.get(ext, ext)
    row = {"file": path.name, "claimed": claimed, "texts": tag_texts(path), "upload_s": _seconds(path)}
    with mapped(path) as data:
        kind = sniff(data)[0] if data else "empty"
        if kind in ("mp3", "adts", "flac"):
            row["texts"] |= tag_block_texts(data)
    row["upload_leftovers"] = len(leftovers(path, kind)) if kind in _KINDS else "-"
    started = time.perf_counter()
    try:
        with open(path, "rb") as fh:
            processed = process_audio(fh, f"upload.{claimed}", storage.stage)
    except MediaError as error:
        row.update(result="refused", message=str(error), seconds=time.perf_counter() - started)
        return row
    row["seconds"] = time.perf_counter() - started
    stored = processed.file.path
    row.update(
        result="accepted",
        message=f"{processed.mime}, {processed.duration:.2f} s",
        survived=text_hits(stored.read_bytes(), row["texts"]),
        stored_s=_seconds(stored),
    )
    processed.discard()
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=pathlib.Path)
    parser.add_argument("--report", type=pathlib.Path, help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file())
    offered = [p for p in files if ALIASES.get(p.suffix.lower()[1:], p.suffix.lower()[1:]) in AUDIO_TYPES]
    app = Flask(__name__)
    Babel(app)
    rows = []
    with app.app_context(), tempfile.TemporaryDirectory() as media:
        storage = LocalStorage(pathlib.Path(media))
        for path in offered:
            rows.append(run_one(path, storage))
            row = rows[-1]
            print(
                f"{row['result']:8} {row['file']:40} {row.get('seconds', 0):6.2f}s up={row['upload_s']}"
                f" stored={row.get('stored_s', '-')} tags={len(row['texts'])}"
                f" survived={row.get('survived', [])} | {row['message']}",
                flush=True,
            )
    accepted = [r for r in rows if r["result"] == "accepted"]
    leaking = [r for r in accepted if r["survived"]]
    lines = [
        f"# Audio corpus run, {datetime.date.today().isoformat()}",
        "",
        f"Corpus: `{args.corpus}` ({len(files)} files, {len(offered)} with an extension we take).",
        f"Accepted {len(accepted)}, refused {len(rows) - len(accepted)}; "
        f"accepted files with surviving tag text: {len(leaking)}.",
        "",
        "| file | as | result | tag texts | survived | upload s | stored s | upload leftovers | time s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['file']} | .{r['claimed']} | {r['result']}: {r['message']} | {len(r['texts'])} "
            f"| {', '.join(r.get('survived', [])) or '-'} | {r['upload_s']} | {r.get('stored_s', '-')} "
            f"| {r['upload_leftovers']} | {r['seconds']:.2f} |"
        )
    report = "\n".join(lines) + "\n"
    if args.report:
        args.report.write_text(report)
    print(report)
    return 1 if leaking else 0


if __name__ == "__main__":
    sys.exit(main())
