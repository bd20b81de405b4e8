"""A synthetic archive for the benchmark: stories of about 300 words with every facet.

Words are drawn from a Zipf-like distribution over English words and made-up words,
with a share of Chinese, Japanese, Korean, Vietnamese and Tagalog phrases, so that
common and rare terms, phrases and CJK queries all have something to find.
Rows are written straight into the real schema (after the real migrations): going
through the web form 20,000 times would measure the form, not search.
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
    "할머니의 김치",
    "우리 할머니는",
    "味噌汁を作る",
    "おばあちゃんの家",
    "台北的夜市",
    "東京で育った",
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


def generate(db, stories=20_000, seed=1, batch=1000):
    """Fill ``db`` (already migrated or not) with ``stories`` approved stories. Returns their ids."""
    migrate(db)
    writer = StoryWriter(seed)
    rng = writer.rng
    ids = []
    consent_id = (db.execute("SELECT coalesce(max(id), 0) FROM consent_records").fetchone()[0]) + 1
    for start in range(0, stories, batch):
        rows, themes, tags, consents = [], [], [], []
        for _ in range(start, min(start + batch, stories)):
            sid = new_id()
            ids.append(sid)
            rows.append(
                {
                    "id": sid,
                    "status": "approved",
                    "title": " ".join(rng.choices(CONTENT, k=rng.randint(3, 7))).capitalize(),
                    "body": writer.text(rng.randint(250, 350)),
                    "summary": None,
                    "attribution": rng.choice([None, "Magpie", "Lotus", "River"]),
                    "era": rng.choice(DECADES),
                    "place": rng.choice(PLACES),
                    "content_notes": None,
                    "receipt_hash": None,
                    "consent_id": consent_id,
                    "embargo_released": 0,
                    "created": "2026-01-01",
                    "updated": "2026-01-01",
                    "published": f"20{rng.randint(20, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
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
                    "embargo_until": None,
                    "adult": 1,
                    "identity_public": rng.randint(0, 1),
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
