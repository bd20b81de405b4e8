"""A synthetic archive for the benchmark: stories of about 300 words with every facet.

Words are drawn from a Zipf-like distribution over English words and made-up words,
with a share of Chinese, Japanese, Korean, Vietnamese and Tagalog phrases, so that
common and rare terms, phrases and CJK queries all have something to find.
Rows are written straight into the real schema (after the real migrations): going
through the web form 20,000 times would measure the form, not search.

Not every story is public: a fifth are for researchers only, and a few are pending,
under an unreleased embargo or released from one, so that the "who may see what"
rule has something to decide on both sides of the comparison. A few public stories
carry a made-up marker word found nowhere else (see ``plant_markers``), so that the
benchmark can tell when a withdrawn story's words have left the index files.
"""

import random

from archive.ids import new_id
from archive.migrations import migrate
from archive.themes import THEME_SLUGS

COMMON = (
    "the of and to a in that it was my she he her his they we with for on at as but not "
    "be had have from this by or one all when there were what so out up about who would "
    "their our an can if no them said more time only do into some could than then now "
    "first also after back other two how us even where most me people because well"
).split()
CONTENT = (
    "grandmother grandfather mother father family home kitchen table dumplings festival "
    "lantern temple church school language accent name passport border airport city village "
    "friend partner wedding pride march community meetup club bar dance drag song music food "
    "rice noodles soup tea recipe market street rain winter summer spring autumn story memory "
    "letter photograph silence secret coming out queer gay lesbian bisexual trans nonbinary "
    "mixed heritage identity culture tradition religion faith prayer ancestor generation elder "
    "aunt uncle cousin sister brother child teacher counsellor therapy support safe space "
    "activism protest law rights stereotype prejudice racism belonging visibility joy grief "
    "love fear courage hope anger shame pride healing migration refugee diaspora translation "
    "dialogue understanding welcome acceptance rejection chosen hometown island ocean mountain"
).split()
CJK = [
    "我在香港長大",
    "外婆的餃子",
    "台北的夜市",
    "阿嬤在台南煮飯",
    "中秋節吃月餅",
    "我們一起喝茶",
    "家族的故事很長",
    "媽媽說廣東話",
    "新年放鞭炮",
    "爺爺的照片",
    "我愛我的伴侶",
    "移民到加拿大",
    "味噌汁を作る",
    "おばあちゃんの家",
    "東京で育った",
    "お正月に帰る",
    "日本語を話す",
    "祖母の台所",
    "桜の季節",
    "家族の写真",
    "大阪の友達",
    "할머니의 김치",
    "우리 할머니는",
    "추석에 송편을 빚다",
    "서울에서 자랐다",
    "한국어를 배우다",
    "엄마의 된장찌개",
    "가족 사진",
    "부산 바닷가",
]
VIET = ["phở", "bà ngoại", "cảm ơn", "Tết", "bánh mì", "gia đình"]
TAGALOG = ["lola", "salamat po", "kapamilya", "tita", "adobo", "pamilya", "bahay"]
HERITAGE = [
    "Chinese",
    "Japanese",
    "Korean",
    "Vietnamese",
    "Filipino",
    "Thai",
    "Indian",
    "Malaysian",
    "Indonesian",
    "Irish",
    "Scottish",
    "Nigerian",
    "Mexican",
    "Brazilian",
    "Danish",
    "French",
]
LANGUAGES = ["English", "Cantonese", "Mandarin", "Japanese", "Korean", "Vietnamese", "Tagalog", "Hindi"]
IDENTITY = ["gay", "lesbian", "bisexual", "trans", "nonbinary", "queer", "asexual", "two-spirit"]
PLACES = ["London", "Manchester", "Hong Kong", "Manila", "Seoul", "Tokyo", "Sydney", "Toronto", "Vancouver"]
DECADES = list(range(1950, 2030, 10))
ACCESS = ["public"] * 8 + ["researchers"] * 2
# Bump when the generated archive changes, so that cached data is not reused.
VERSION = 2
# Real words inside the CJK runs above (a CJK query finds them only inside longer runs),
# used as the benchmark's CJK queries.
CJK_WORDS = (
    "香港 長大 外婆 餃子 台北 夜市 阿嬤 台南 煮飯 中秋節 月餅 我們 一起 喝茶 家族 故事 媽媽 廣東話 "
    "新年 鞭炮 爺爺 照片 伴侶 移民 加拿大 味噌汁 味噌 作る おばあちゃん 東京 育った お正月 帰る 日本語 "
    "話す 祖母 台所 季節 写真 大阪 友達 할머니 김치 할머니는 추석 송편 서울 자랐다 한국어 배우다 엄마 "
    "된장찌개 가족 사진 부산 바닷가"
).split()
# Single-word queries: the content vocabulary plus Vietnamese and Tagalog words.
SINGLE_WORDS = CONTENT + ["phở", "Tết", "lola", "tita", "adobo", "pamilya", "bahay", "kapamilya"]


def _made_up_words(rng, n):
    syllables = ["ka", "lo", "mi", "ren", "sa", "to", "vel", "an", "dor", "is", "qu", "ber", "lin", "ta"]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(n)]


class StoryWriter:
    """Draws story texts from a fixed vocabulary with a Zipf-like word distribution."""

    def __init__(self, seed=1):
        self.rng = random.Random(seed)
        vocab = COMMON + CONTENT + _made_up_words(self.rng, 8000)
        weights = [1.0 / (rank + 1) ** 1.05 for rank in range(len(vocab))]
        self.vocab, self.weights = vocab, weights

    def text(self, words=300):
        rng = self.rng
        out = rng.choices(self.vocab, self.weights, k=words)
        for pool, chance in ((CJK, 0.25), (VIET, 0.15), (TAGALOG, 0.15)):
            if rng.random() < chance:
                for _ in range(rng.randint(1, 3)):
                    out.insert(rng.randrange(len(out)), rng.choice(pool))
        sentences, i = [], 0
        while i < len(out):
            n = rng.randint(8, 20)
            sentence = " ".join(out[i : i + n])
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            i += n
        return " ".join(sentences)


def _status(rng):
    """(status, embargo_until, embargo_released): mostly approved, a few pending
    or under embargo (unreleased ones are not published)."""
    roll = rng.random()
    if roll < 0.02:
        return "pending", None, 0
    if roll < 0.03:
        return "approved", "2099-01-01", 0
    if roll < 0.035:
        return "approved", "2025-01-01", 1
    return "approved", None, 0


def generate(db, stories=20_000, seed=1, batch=1000, make_id=new_id, identity_public_share=0.5):
    """Fill ``db`` (already migrated or not) with ``stories`` stories, nearly all
    approved (see ``_status``). Returns their ids. ``make_id`` makes each id (the
    search tests pass a counter, so that their fixed corpus is the same each time).
    ``identity_public_share`` of the contributors show their identity words to the
    public; that choice is drawn from a generator of its own, so the stories are the
    same whatever the share."""
    migrate(db)
    writer = StoryWriter(seed)
    rng = writer.rng
    identity_rng = random.Random(seed * 104729)
    ids = []
    consent_id = (db.execute("SELECT coalesce(max(id), 0) FROM consent_records").fetchone()[0]) + 1
    for start in range(0, stories, batch):
        rows, themes, tags, consents = [], [], [], []
        for _ in range(start, min(start + batch, stories)):
            sid = make_id()
            ids.append(sid)
            status, embargo_until, embargo_released = _status(rng)
            rows.append(
                {
                    "id": sid,
                    "status": status,
                    "title": " ".join(rng.choices(CONTENT, k=rng.randint(3, 7))).capitalize(),
                    "body": writer.text(rng.randint(250, 350)),
                    "summary": None,
                    "attribution": rng.choice([None, "Magpie", "Lotus", "River"]),
                    "era": rng.choice(DECADES),
                    "place": rng.choice(PLACES),
                    "content_notes": None,
                    "receipt_hash": None,
                    "consent_id": consent_id,
                    "embargo_released": embargo_released,
                    "created": "2026-01-01",
                    "updated": "2026-01-01",
                    "published": None
                    if status == "pending"
                    else f"20{rng.randint(20, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                }
            )
            consents.append(
                {
                    "id": consent_id,
                    "story_id": sid,
                    "version": "bench",
                    "text_sha256": "0" * 64,
                    "date": "2026-01-01",
                    "archiving": 1,
                    "access": rng.choice(ACCESS),
                    "quotation": rng.randint(0, 1),
                    "embargo_until": embargo_until,
                    "adult": 1,
                    "identity_public": int(identity_rng.random() < identity_public_share),
                }
            )
            consent_id += 1
            for theme in rng.sample(THEME_SLUGS, rng.randint(1, 3)):
                themes.append({"story_id": sid, "theme": theme})
            for kind, pool, k in (
                ("heritage", HERITAGE, 2),
                ("language", LANGUAGES, 2),
                ("identity", IDENTITY, 1),
            ):
                for value in rng.sample(pool, k):
                    tags.append({"story_id": sid, "kind": kind, "value": value})
        with db.atomic():
            db["stories"].insert_all(rows)
            db["consent_records"].insert_all(consents)
            db["story_themes"].insert_all(themes)
            db["story_tags"].insert_all(tags)
    return ids


def plant_markers(db, count=3, seed=1):
    """Append a made-up word, found nowhere else, to the text of ``count`` public
    published stories spread over the archive. Returns ``[(story_id, marker)]``.

    Markers are lowercase letters ending in "q", which the index's stemmer leaves
    as they are, so the same bytes can be looked for in the index files."""
    from archive.policy import PUBLIC, published_where

    rng = random.Random(seed * 7919)
    where, params = published_where(PUBLIC)
    ids = [
        r[0]
        for r in db.execute(
            f"SELECT s.id FROM stories s JOIN consent_records c ON c.id = s.consent_id WHERE {where} ORDER BY s.rowid",
            params,
        )
    ]
    chosen = [ids[(i * 2 + 1) * len(ids) // (count * 2)] for i in range(count)]
    planted = []
    with db.atomic():
        for story_id in chosen:
            marker = "zq" + "".join(rng.choice("bcdfghjklmnpvwxz") for _ in range(10)) + "q"
            db.execute("UPDATE stories SET body = body || ' ' || ? WHERE id = ?", [marker, story_id])
            planted.append((story_id, marker))
    return planted
