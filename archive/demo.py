"""Sample stories, written for demonstration and labelled as such wherever they appear."""

import datetime
import io

import sqlite_utils
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageDraw

from archive import collections, prompts
from archive.citation import SAMPLE_ATTRIBUTION
from archive.clock import today
from archive.consent import ConsentChoices
from archive.curation import approve
from archive.dialogue import Dialogue
from archive.media import PhotoUpload
from archive.storage import Storage
from archive.stories import StoryDraft, submit
from archive.workflows import share_story

SAMPLE_NOTE = (
    "This is a sample story written for demonstration by the Crossings team. "
    "It is not a real testimony and describes no real person."
)
DEMO_CONSENT_TEXT = "Sample stories are written by the Crossings team for demonstration."
SAMPLE_PREFIXES = ("Sample: ", "Sample story: ")

# The samples are stored in English, like every story; their framing (not the stories
# themselves) is shown in the reader's language through ``sample_framing``.
_SAMPLE_NOTE_SHOWN = _l(
    "This is a sample story written for demonstration by the Crossings team. "
    "It is not a real testimony and describes no real person."
)


def sample_framing(text: str) -> str:
    """A piece of a sample story's framing in the reader's language: the closing
    note and the "Sample:" that opens titles and summaries (the teller's name is
    archive.citation's).
    Any other text comes back as it is."""
    if text == SAMPLE_NOTE:
        return str(_SAMPLE_NOTE_SHOWN)
    if text.startswith(SAMPLE_PREFIXES[0]):
        return str(_l("Sample: %(title)s", title=text.removeprefix(SAMPLE_PREFIXES[0])))
    if text.startswith(SAMPLE_PREFIXES[1]):
        return str(_l("Sample story: %(summary)s", summary=text.removeprefix(SAMPLE_PREFIXES[1])))
    return text


# (title, body, themes, heritage, languages, identity, era, place, access, content_notes, summary)
SAMPLES = [
    (
        "Dumplings at the Lunar New Year table",
        "Every Lunar New Year my grandmother folded dumplings with me at the kitchen table. "
        "我在香港長大，但我的家人來自很多地方。She taught me the pleats before she knew I was queer, "
        "and she kept teaching me after. When I brought my partner home she handed him a rolling "
        "pin without a word. That was her way of saying welcome.\n\n"
        "Now I fold the dumplings for my nieces and tell them about her.",
        ["intergenerational-dialogue", "celebrating-diversity"],
        ["Chinese", "Scottish"],
        ["English", "Cantonese"],
        ["gay"],
        2000,
        "Hong Kong",
        "public",
        None,
        "Sample story: a grandmother keeps teaching dumpling pleats after her grandchild comes out, and hands the new partner a rolling pin.",
    ),
    (
        "My halmeoni's kimchi and the word I did not have",
        "My 할머니 never had a word for what I am, and for years I thought that meant she could not "
        "understand me. 할머니는 김치를 담그면서 나에게 이야기를 해 주셨다. When I finally told her, in my "
        "clumsy Korean, she said love did not need a dictionary. We made kimchi together that "
        "winter and she laughed at my terrible cabbage cutting.",
        ["intergenerational-dialogue", "cross-cultural-dialogue"],
        ["Korean", "American"],
        ["English", "Korean"],
        ["lesbian"],
        2010,
        "Seoul",
        "public",
        "coming out to family",
        "Sample story: coming out in clumsy Korean to a grandmother who says love does not need a dictionary.",
    ),
    (
        "Miso soup on the first morning",
        "The first morning after I left home I made 味噌汁 the way my mother did, 毎朝の味噌汁が"
        "私の安心でした. I was nineteen, newly out as trans, sleeping on a friend's floor. The smell "
        "of the soup made the flat feel like a place I could stay. I still make it on hard mornings.",
        ["safe-spaces", "intersectional-identities"],
        ["Japanese", "Brazilian"],
        ["English", "Japanese"],
        ["trans"],
        2010,
        "Osaka",
        "public",
        "leaving home, housing insecurity",
        "Sample story: a young trans person makes their mother's miso soup on the first morning away from home.",
    ),
    (
        "Phở with my father on Sundays",
        "My father and I did not talk much, but every Sunday we went for phở. Cảm ơn, bố. Over the "
        "steam he asked about my life in small questions, and one Sunday I answered the big one. "
        "He added more chilli to his bowl, said nothing for a long time, then asked if my "
        "girlfriend liked phở too. She does.",
        ["intergenerational-dialogue", "learning-from-each-other"],
        ["Vietnamese", "French"],
        ["English", "Vietnamese"],
        ["bisexual"],
        2000,
        "Melbourne",
        "public",
        None,
        "Sample story: Sunday bowls of phở become the place where a quiet father hears the big answer.",
    ),
    (
        "Salamat, Lola",
        "My lola raised me in a house full of cousins and saints. Salamat po, Lola, for never "
        "asking me to be quieter. When my tita said my clothes were wrong, Lola told her to mind "
        "her own kitchen. I learned from her that family is something you defend.",
        ["intergenerational-dialogue", "safe-spaces"],
        ["Filipino", "Irish"],
        ["English", "Tagalog"],
        ["nonbinary"],
        1990,
        "Manila",
        "public",
        None,
        "Sample story: a grandmother in Manila who defended her nonbinary grandchild against the rest of the family.",
    ),
    (
        "You do not look Asian enough",
        "At my first queer Asian meetup someone told me I did not look Asian enough to be there. "
        "I nearly left. Another member walked me to the snack table and told me about her "
        "Danish mother. We started a reading group for mixed members the next month, and it is "
        "still running.",
        ["challenging-stereotypes", "intersectional-identities"],
        ["Thai", "Danish"],
        ["English"],
        ["queer"],
        2010,
        "London",
        "public",
        None,
        "Sample story: told they do not look Asian enough, a newcomer stays and starts a reading group for mixed members.",
    ),
    (
        "The bilingual drag night",
        "We ran a drag night where every number had lyrics in two languages. Audiences who "
        "came for one language left singing the other. Celebrating diversity turned out to be "
        "loud, glittery and very sweaty.",
        ["celebrating-diversity", "cross-cultural-dialogue"],
        ["Malaysian", "Chinese", "English"],
        ["English", "Malay", "Mandarin"],
        ["queer"],
        2020,
        "Sydney",
        "public",
        None,
        "Sample story: a drag night with every number in two languages, where audiences learn each other's songs.",
    ),
    (
        "The counsellor who asked the right question",
        "For a long time I saw counsellors who wanted me to choose: my culture or my sexuality. "
        "The first one who helped me asked what my family meant to me before asking anything "
        "else. Support that took both parts of me seriously is why I am still here.",
        ["safe-spaces", "learning-from-each-other"],
        ["Indian", "English"],
        ["English", "Hindi"],
        ["gay"],
        2010,
        "Birmingham",
        "researchers",
        "mental health, suicidal thoughts",
        "Sample story: after counsellors who asked them to choose, one who asked about family first.",
    ),
    (
        "Marching with my mother",
        "My mother came to Pride with a sign she had written in Japanese and English. "
        "People stopped to photograph it. Afterwards she told me she had been scared the whole "
        "day and came anyway. Activism, for her, was simply walking next to me.",
        ["safe-spaces", "intergenerational-dialogue"],
        ["Japanese", "Canadian"],
        ["English", "Japanese"],
        ["lesbian"],
        2010,
        "Toronto",
        "public",
        None,
        "Sample story: a mother carries a bilingual sign at Pride, scared all day and there anyway.",
    ),
    (
        "Translating myself to my partner's parents",
        "My partner's parents speak Mandarin and I speak it badly. At dinner I translated "
        "myself a sentence at a time: who I am, where my family is from, why we live together. "
        "Cross-cultural dialogue is slow. It is also how they came to call me their child.",
        ["cross-cultural-dialogue", "learning-from-each-other"],
        ["Chinese", "Nigerian"],
        ["English", "Mandarin"],
        ["gay"],
        2020,
        "Manchester",
        "public",
        None,
        "Sample story: a slow dinner-table translation that ends with being called their child.",
    ),
    (
        "What the aunties said at the wedding",
        "At my cousin's wedding the aunties asked when it would be my turn. I said I was "
        "waiting for the law to catch up. One of them laughed so hard she spilled her tea, then "
        "told me about the woman she had loved before she married. Stereotypes about our elders "
        "are often wrong.",
        ["challenging-stereotypes", "intergenerational-dialogue"],
        ["Indonesian", "Dutch"],
        ["English", "Indonesian"],
        ["lesbian"],
        2000,
        "Jakarta",
        "public",
        None,
        "Sample story: at a cousin's wedding an aunt tells of the woman she loved before she married.",
    ),
    (
        "A zine of mixed queer recipes",
        "We collected recipes from mixed queer friends: adobo with Scottish oats, kimchi "
        "pancakes with Mexican salsa, 香港 milk tea with Irish whiskey. Every recipe came with a "
        "story of a table where someone felt at home. Celebrating diversity, one plate at a time.",
        ["celebrating-diversity", "learning-from-each-other"],
        ["Filipino", "Korean", "Mexican"],
        ["English"],
        ["queer"],
        2020,
        "Glasgow",
        "public",
        None,
        "Sample story: a zine of recipes from mixed queer friends, each with the story of a table that felt like home.",
    ),
]


# --- sample illustrations: drawn here in flat shapes, so the samples need no outside files ---


def _dumplings(draw) -> None:
    draw.rectangle((0, 0, 640, 480), fill="#f3e3c3")
    draw.ellipse((40, 150, 600, 470), fill="#9a5b34")
    draw.ellipse((150, 200, 490, 400), fill="#fbf8f2", outline="#d9cbb4", width=6)
    for x, y in ((215, 250), (300, 235), (385, 250), (235, 320), (320, 330), (400, 315)):
        draw.chord((x - 45, y - 40, x + 45, y + 40), 180, 360, fill="#f1e6cf", outline="#b79a6d", width=4)
    draw.rounded_rectangle((470, 90, 620, 120), radius=14, fill="#c9925f", outline="#7a4a28", width=4)


def _pho(draw) -> None:
    draw.rectangle((0, 0, 640, 480), fill="#cfe3e0")
    draw.rectangle((0, 360, 640, 480), fill="#8aa6a1")
    draw.chord((130, 170, 510, 470), 0, 180, fill="#a4161a")
    draw.ellipse((130, 250, 510, 330), fill="#e8c27a")
    for offset in range(-120, 140, 40):
        draw.arc((250 + offset, 255, 330 + offset, 325), 200, 340, fill="#fdf6e3", width=5)
    for x in (240, 320, 400):
        for step in range(4):
            y = 200 - step * 40
            draw.arc(
                (x - 20, y - 20, x + 20, y + 20),
                90 if step % 2 else 270,
                270 if step % 2 else 90,
                fill="#ffffff",
                width=5,
            )


def _march(draw) -> None:
    draw.rectangle((0, 0, 640, 480), fill="#dfe9f5")
    draw.rectangle((0, 400, 640, 480), fill="#9c9c9c")
    colours = ("#e40303", "#ff8c00", "#ffed00", "#008026", "#004dff", "#750787")
    for n, (left, top) in enumerate(((80, 90), (360, 60))):
        draw.rectangle((left + 95, top + 150, left + 105, 420), fill="#6b4a2b")
        for i, colour in enumerate(colours):
            draw.rectangle((left, top + i * 25, left + 200, top + (i + 1) * 25), fill=colour)
        draw.rectangle((left, top, left + 200, top + 150), outline="#1d1b22", width=4 if n else 3)


def _drag_night(draw) -> None:
    draw.rectangle((0, 0, 640, 480), fill="#2b1d3a")
    draw.polygon(((290, 0), (350, 0), (520, 420), (120, 420)), fill="#5c4a73")
    draw.rectangle((0, 400, 640, 480), fill="#6b2c91")
    draw.ellipse((120, 380, 520, 440), fill="#f6d365")
    star = [
        (320, 170),
        (338, 228),
        (398, 228),
        (350, 262),
        (368, 320),
        (320, 286),
        (272, 320),
        (290, 262),
        (242, 228),
        (302, 228),
    ]
    draw.polygon(star, fill="#ffd9f2", outline="#ffffff")


# Sample story title -> (how to draw it, its description for people who cannot see it).
ILLUSTRATIONS = {
    "Dumplings at the Lunar New Year table": (
        _dumplings,
        "Sample illustration in flat shapes: a plate of six dumplings and a rolling pin on a round wooden table.",
    ),
    "Phở with my father on Sundays": (
        _pho,
        "Sample illustration in flat shapes: a red bowl of noodle soup with steam rising from it.",
    ),
    "Marching with my mother": (
        _march,
        "Sample illustration in flat shapes: two rainbow-striped placards on poles above a grey street.",
    ),
    "The bilingual drag night": (
        _drag_night,
        "Sample illustration in flat shapes: a spotlight on a dark stage with a pink star in its beam.",
    ),
}


def illustration(title: str) -> tuple[bytes, str] | None:
    """The PNG drawn for a sample story, with its description; None for the others."""
    found = ILLUSTRATIONS.get(title)
    if found is None:
        return None
    draw_it, alt_text = found
    image = Image.new("RGB", (640, 480))
    draw_it(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue(), alt_text


# A sample story circle, open for a year from the day the samples are loaded, with
# its own prompt and a general one, and a sample story that answers another.
SAMPLE_COLLECTION = {
    "slug": "sample-kitchen-table-circle",
    "title": "Sample: The kitchen-table story circle",
    "intro": (
        "This is a sample collection written for demonstration by the Crossings team. It stands for a "
        "story circle where members of different Asian heritage communities meet around food and "
        "the traditions their elders passed on."
    ),
    "place": "Glasgow",
    "themes": ["intergenerational-dialogue", "cross-cultural-dialogue"],
}
SAMPLE_PROMPTS = [
    # (question, themes, in the sample circle)
    ("What tradition did an elder pass on to you?", ["intergenerational-dialogue"], True),
    ("When did you first feel you belonged?", ["safe-spaces", "celebrating-diversity"], False),
]
SAMPLE_ANSWER = (
    "Pleats I learned from someone else's grandmother",
    "I read the story about folding dumplings at the Lunar New Year table and thought of the "
    "grandmother who taught me, who was not my own. She ran the kitchen at our community centre and "
    "showed every queer kid who wandered in how to pleat. When I told her I had no family to go home "
    "to at new year, she said the dough did not mind whose hands it was in.",
    ["intergenerational-dialogue", "safe-spaces"],
    "Dumplings at the Lunar New Year table",
)
SAMPLE_ANSWER_SUMMARY = (
    "A sample answer: the grandmother who taught a community centre's queer kids to pleat."
)


def _draft(title, body, themes, summary, **description) -> StoryDraft:
    return StoryDraft(
        title=f"Sample: {title}",
        # The note closes the text, so that a list's opening lines show the story itself
        # (the title, the summary and the teller's name say "sample" first).
        body=body + "\n\n" + SAMPLE_NOTE.strip(),
        themes=themes,
        summary=summary,
        attribution=SAMPLE_ATTRIBUTION,
        **description,
    )


def load_samples(db: sqlite_utils.Database, storage: Storage | None = None) -> int:
    """Submit and approve every sample story (with ``storage``, four of them with a
    drawn illustration), and make the sample story circle, its prompts and one
    answered pair. Returns how many stories were loaded."""
    ids = {}
    for title, body, themes, heritage, languages, identity, era, place, access, notes, summary in SAMPLES:
        draft = _draft(
            title,
            body,
            themes,
            summary,
            heritage=heritage,
            languages=languages,
            identity=identity,
            era=era,
            place=place,
            content_notes=notes,
        )
        # Written for demonstration: their identity words may show the public facet at work.
        choices = ConsentChoices(access=access, quotation=True, adult=True, identity_public=True)
        drawn = illustration(title) if storage is not None else None
        if drawn is None:
            ids[title] = submit(db, draft, choices, DEMO_CONSENT_TEXT).story_id
        else:
            png, alt_text = drawn
            photo = PhotoUpload(stream=io.BytesIO(png), alt_text=alt_text, others_consent=True)
            ids[title] = share_story(db, storage, draft, choices, DEMO_CONSENT_TEXT, [photo]).story_id
        approve(db, ids[title], None)
    open_until = (datetime.date.fromisoformat(today()) + datetime.timedelta(days=365)).isoformat()
    circle = collections.create(
        db,
        SAMPLE_COLLECTION["slug"],
        collections.CollectionFields(
            title=SAMPLE_COLLECTION["title"],
            intro=SAMPLE_COLLECTION["intro"],
            place=SAMPLE_COLLECTION["place"],
            themes=SAMPLE_COLLECTION["themes"],
            open_until=open_until,
        ),
        None,
    )
    prompt_ids = [
        prompts.create(db, text, themes, circle if in_circle else None)
        for text, themes, in_circle in SAMPLE_PROMPTS
    ]
    for title in (
        "Dumplings at the Lunar New Year table",
        "My halmeoni's kimchi and the word I did not have",
    ):
        collections.add_story(db, circle, ids[title], None, note="A sample curator's note.")
    title, body, themes, answered = SAMPLE_ANSWER
    dialogue = Dialogue(collection_id=circle, prompt_id=prompt_ids[0], answers=ids[answered])
    answer = submit(
        db,
        _draft(title, body, themes, SAMPLE_ANSWER_SUMMARY),
        ConsentChoices(access="public", quotation=True, adult=True),
        DEMO_CONSENT_TEXT,
        dialogue=dialogue,
    )
    approve(db, answer.story_id, None)  # joins the sample circle, which it was sent through
    return len(SAMPLES) + 1
