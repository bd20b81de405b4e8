"""Sample stories, written for demonstration and labelled as such wherever they appear."""

import datetime

import sqlite_utils

from archive import collections, prompts
from archive.clock import today
from archive.consent import ConsentChoices
from archive.curation import approve
from archive.dialogue import Dialogue
from archive.stories import StoryDraft, submit

SAMPLE_NOTE = (
    "This is a sample story written for demonstration by the Crossings team. "
    "It is not a real testimony and describes no real person.\n\n"
)
DEMO_CONSENT_TEXT = "Sample stories are written by the Crossings team for demonstration."

# (title, body, themes, heritage, languages, identity, era, place, access, content_notes)
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
    ),
]


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


def _draft(title, body, themes, **description) -> StoryDraft:
    return StoryDraft(
        title=f"Sample: {title}",
        body=SAMPLE_NOTE + body,
        themes=themes,
        summary="A sample story written for demonstration.",
        attribution="Crossings sample",
        **description,
    )


def load_samples(db: sqlite_utils.Database) -> int:
    """Submit and approve every sample story, and make the sample story circle, its
    prompts and one answered pair. Returns how many stories were loaded."""
    ids = {}
    for title, body, themes, heritage, languages, identity, era, place, access, notes in SAMPLES:
        draft = _draft(
            title,
            body,
            themes,
            heritage=heritage,
            languages=languages,
            identity=identity,
            era=era,
            place=place,
            content_notes=notes,
        )
        choices = ConsentChoices(access=access, quotation=True, adult=True)
        ids[title] = submit(db, draft, choices, DEMO_CONSENT_TEXT).story_id
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
        _draft(title, body, themes),
        ConsentChoices(access="public", quotation=True, adult=True),
        DEMO_CONSENT_TEXT,
        dialogue=dialogue,
    )
    approve(db, answer.story_id, None)  # joins the sample circle, which it was sent through
    return len(SAMPLES) + 1
