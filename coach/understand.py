"""Free text to an `Intent`: her words normalised, then two readers (see `read`).

A message is first normalised (accents folded, lowercase, curly quotes straightened, apostrophes dropped so
"don't" and "dont" read alike, "sooo" squeezed, chat slang such as "u", "wanna", "rn" expanded, "my ex
boyfriend" and a capitalised name in front of a verb read as "he"). Then:

- exact rules decide what must be exact: a plain safety statement (the reviewed list in
  coach/reading/data/plain_safety.tsv) outside a frame of negation, joke, supposition or someone else's story;
  an empty or emoji-only message; a script the readers do not know;
- the trained reader (coach.reading) reads everything else: the words, a sentence embedding, and what the broad
  safety patterns below and a few exact signs (a quoted draft, a command, greetings) found, as features; where
  a long message leaves some doubt about safety, each sentence is read on its own too, and may raise a
  question about her safety (never act on its own).

The broad safety patterns lean towards recall and are grouped by kind of wording (crisis: preparations, methods,
passive wishes, slang; unsafe: violence, injuries, threats, stalking, control, fear; he_said_no: blocked, asked in
any words, the law, a new partner), each also in es/pt/fr/de/it/ru. They no longer decide alone: jokes and
negations set them off too, so the trained reader weighs them. `asks_for_manipulation` spots a request to play
him (jealousy, guilt, lies, tests, pressure, surveillance). Nothing here raises.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from coach.prefilter import Prefiltered
from coach.reading.model import DATA, LinearModel, shipped
from coach.vocabulary import Intent

__all__ = [
    "Reading",
    "asks_for_manipulation",
    "model_input",
    "name_in",
    "normalise",
    "read",
    "understand",
    "yes_or_no",
]

# Safety checks read this much of a message; the scored intents only need its start.
_SAFETY_CHARS = 20_000
_SCORED_CHARS = 1_500
# The trained reader sees the start of a message (its n-grams stop at 1,000 characters); the plain safety rules
# read all of it, so a crisis at the end of a long message is still heard.
_MODEL_CHARS = 800


def _fold(text: str) -> str:
    """Lowercase without diacritics: "não" and "nao" match the same pattern."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
    }
)

# Chat spelling read as plain English, so the patterns below only need to know one spelling.
_SLANG = {
    "u": "you",
    "ya": "you",
    "ur": "your",
    "r": "are",
    "rn": "right now",
    "wanna": "want to",
    "wana": "want to",
    "gonna": "going to",
    "gunna": "going to",
    "gotta": "got to",
    "tryna": "trying to",
    "pls": "please",
    "plz": "please",
    "plss": "please",
    "msg": "message",
    "msgs": "messages",
    "mssg": "message",
    "msgd": "messaged",
    "msged": "messaged",
    "txt": "text",
    "tx": "text",
    "txts": "texts",
    "txted": "texted",
    "txtd": "texted",
    "textd": "texted",
    "texed": "texted",
    "replyed": "replied",
    "repled": "replied",
    "responed": "responded",
    "respnded": "responded",
    "answerd": "answered",
    "dmed": "dmd",
    "dm-ed": "dmd",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "nc": "no contact",
    "idk": "i dont know",
    "dunno": "dont know",
    "dnt": "dont",
    "cnt": "cant",
    "wont": "wont",
    "tho": "though",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "b4": "before",
    "tonite": "tonight",
    "2nite": "tonight",
    "2day": "today",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "smth": "something",
    "sth": "something",
    "abt": "about",
    "wat": "what",
    "wut": "what",
    "sm": "so much",
    "soo": "so",
    "sooo": "so",
    "noo": "no",
    "hii": "hi",
    "heyy": "hey",
    "pleasee": "please",
    "pleease": "please",
    "luv": "love",
    "ily": "i love you",
    "thnx": "thanks",
    "thanx": "thanks",
    "thx": "thanks",
    "ty": "thanks",
    "tysm": "thanks so much",
    "tyvm": "thanks very much",
    "k": "ok",
    "kk": "ok",
    "okay": "ok",
    "okey": "ok",
    "okk": "ok",
    "hmu": "hit me up",
    # "he'd prefer", "they'd rather": the 'd that says what he wants (after apostrophes are dropped)
    "hed": "he would",
    "shed": "she would",
    "theyd": "they would",
    "youd": "you would",
}

_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
# Stretched words: a run at the end is one letter ("dieee", "sooo", "hiii"), inside it is two ("cooool").
_REPEATS_END = re.compile(r"(\w)\1{2,}\b")
_REPEATS = re.compile(r"(\w)\1{2,}")
_DOUBLES = re.compile(r"(\w)\1")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_EX = re.compile(
    r"\b(?:my|the) ex(?:[- ]?(?:boyfriend|husband|partner|fiance|bf))?\b|\bmy (?:boyfriend|bf)\b"
)

# A capitalised name in front of a reporting verb ("Jake texted me") is read as "he"; these capitalised
# words are not names.
_NAME_VERBS = (
    r"texted|text|called|calls|replied|responded|answered|messaged|dmd|dmed|emailed|wrote|said|says|told|"
    r"asked|blocked|hit|pushed|slapped|threatened|sent|liked|reached|contacted|left|wants|doesnt|doesn't|"
    r"hasnt|hasn't|didnt|didn't|won't|wont|is|was|has|finally|just|never|still"
)
_NAME = re.compile(rf"\b([A-Z][a-z]{{2,}})(?=\s+(?:{_NAME_VERBS})\b)")
_NOT_NAMES = frozenset(
    "the this that then just and but also so today yesterday tonight finally omg guess who what when why "
    "how where she they we he it my mom dad mum sister brother friend everyone someone nobody everything "
    "nothing life work ok okay well still maybe lol haha update sorry yes yeah no and".split()
)


def _names_to_he(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(1)
        return match.group(0) if word.lower() in _NOT_NAMES else "he"

    return _NAME.sub(swap, text)


def _unslang(match: re.Match[str]) -> str:
    word = match.group(0)
    # "uuu" is squeezed to "uu" above; the single-letter form is the one the table knows.
    return _SLANG.get(word) or _SLANG.get(_DOUBLES.sub(r"\1", word)) or word


# One message is normalised up to four times (understand twice, asks_for_manipulation twice: once while
# interpreting, once while dispatching); a few remembered results make that one pass. Pure, so identical.
@functools.lru_cache(maxsize=4)
def normalise(text: str) -> str:
    """Folded, lowercase, slang-expanded words separated by single spaces (punctuation dropped)."""
    text = _names_to_he(text.translate(_QUOTES))
    text = _APOSTROPHE.sub("", _fold(text))
    text = _REPEATS.sub(r"\1\1", _REPEATS_END.sub(r"\1", text))
    text = _NON_WORD.sub(" ", text)
    text = _WORD.sub(_unslang, text)
    text = _EX.sub("my ex", text)
    return _SPACES.sub(" ", text).strip()


# --------------------------------------------------------------------------------------------------
# Pattern building blocks. "he" also covers she and they, since the coach lets her set his pronoun.

_HE = r"(?:he|hes|hed|she|shes|they|theyve|theyre|my ex)"
_HIM = r"(?:him|her|them|my ex)"
_HIS = r"(?:his|her|their|my exs)"
# A word between him and what he did that is not a negation ("he just blocked me", not "he never hit me").
_ADV = (
    r"(?:(?!(?:not|never|hasnt|havent|hadnt|didnt|doesnt|dont|wont|wouldnt|isnt|wasnt|cant|couldnt)\b)\w+ )"
)


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    source = "|".join(f"(?:{p})" for p in patterns)
    source = source.replace("{HE}", _HE).replace("{HIM}", _HIM).replace("{HIS}", _HIS).replace("{ADV}", _ADV)
    return re.compile(_fold(source))


# --------------------------------------------------------------------------------------------------
# Safety, in priority order. A match here decides the intent whatever else the message says.

_CRISIS = _compile(
    [
        r"\b(?:kill|killing|killed|hurt|hurting|harm|harming|cut|cutting|hang|hanging|drown|drowning|shoot|"
        r"poison|starve|starving|burn|burning|unalive|unaliving|off) (?:my ?self|me ?self)\b",
        r"\bkms\b|\bunalive\b|\bsewerslide\b|\bsuicid\w*|\bself ?(?:harm|injur)\w*",
        r"\b(?:want|wanna|wish|ready|deserve|rather|hope|plan|planning|going|prefer|should|let me|like i want)"
        r"(?: to| i could| i would| i)?(?: just| simply)? die\b",
        r"\b(?:i (?:wish|want|hope)(?: i)? (?:was|were|to be|could be)|im better|id be better|better off) dead\b",
        r"\b(?:wish i (?:was|were|had) never (?:been )?born)\b",
        r"\b(?:end|ending|take|taking|end it|ending it) (?:it all|my (?:own )?life|everything|things for good)\b",
        r"\b(?:want|wanna|plan|planning|going|ready|decided|thinking|think about|way) (?:to |of |about )?"
        r"(?:end|ending) (?:it|things)\b(?! with)",
        r"\b(?:dont|do not|no longer|never|dont even|really dont) (?:want|wanna|wish|feel like)(?: to)? "
        r"(?:live|be alive|be here|exist|wake up|go on|keep going|see tomorrow|be around)\b",
        r"\b(?:not|never) (?:to )?wake up\b",
        r"\b(?:point|reason|use) (?:in |of |to )?(?:keep )?(?:living|live|life|being alive|being here|going on|"
        r"it all)\b",
        r"\b(?:i|im|ill|id|pills|rope|plan|way|how|thinking|thoughts)(?: (?!he\b|she\b|they\b)\w+){0,3} "
        r"(?:end|ending) (?:it|things|everything|my suffering)\b(?! with)(?! between)",
        r"\bcutting again\b|\bcut again\b|\bstarted cutting\b|\bcuts on my\b|\brelapsed on self\b",
        r"\bsleep (?:forever|and never wake)\b|\bnever wake up\b",
        r"\bnothing (?:left )?to live for\b|\bworth living\b|\blife (?:is|feels) (?:pointless|meaningless)\b",
        r"\bbetter (?:off )?(?:without me|if i (?:was|were|wasnt|werent|am|m)|with me gone|dead)\b",
        r"\b(?:reason|point|want|will) (?:\w+ )?to (?:keep )?(?:living|live|go on|going|be alive)\b(?! (?:with|in|for|together))",
        r"\b(?:happier|better) (?:if|when) i(?:m| am)? (?:was |were |am )?(?:gone|dead|not (?:here|around))\b",
        r"\bif i (?:died|was dead|were dead|was gone|were gone|disappeared|wasnt here|werent here)\b",
        r"\b(?:overdos\w*|od(?:ing|d|ed)? on)\b",
        r"\b(?:took|take|taking|swallow\w*|bunch of|all (?:my|the|of my)|too many|handful of|stockpil\w*|"
        r"saving|hoarding)(?: \w+){0,2} (?:pills|tablets|meds|medication|sleeping pills)\b",
        r"\b(?:jump|jumping) (?:off|from|in front of)\b|\bin front of a (?:train|car|bus|truck)\b",
        r"\b(?:slit|slitting|cut|cutting) (?:my )?wrists?\b|\bnoose\b|\brazor blades?\b",
        r"\bdisappear (?:forever|for good|permanently)\b|\b(?:want|wanna|wish i could) (?:to )?(?:just )?"
        r"disappear\b",
        r"\bcant (?:go on|keep living|live like this)\b|\bdont want to go on\b",
        r"\b(?:want|need|wish) (?:it|everything|the pain|this pain|it all|all of this|all this) (?:all )?to "
        r"(?:end|stop|be over)\b",
        r"\b(?:not|wont|not going to|not gonna|will not) be (?:here|around|alive) (?:anymore|much longer|tomorrow|"
        r"for (?:much|very) long|by (?:tomorrow|the weekend|next week))\b",
        r"\b(?:suicide|goodbye) (?:notes?|letters?|messages?|videos?)\b|\bfinal goodbye\b|\bsay(?:ing)? goodbye "
        r"to (?:everyone|everybody|my family|the world|my friends|my loved ones|the people|people|all)\b",
        # A looser net: words that in this chat are rarely anything but a warning sign.
        r"\bpills\b|\bnot existing\b|\bstop existing\b|\bnot exist\b|\bcease to exist\b",
        r"\b(?:feel like|feels like|im|i am|want|wanna|wish i was) (?:\w+ )?dying\b(?! to| for| of (?:laughter|"
        r"embarrassment))",
        r"\b(?:i|me|to)(?: \w+){0,3} die\b(?! for)(?! of (?:embarrassment|laughter|shame))",
        r"\b(?:want|wanna|going|gonna|about|ready|thinking about|thought about|think about|thinking of|thought of|"
        r"think of) (?:to )?jump(?:ing)?"
        r"\b(?! (?:on|in the|into|rope|back|ship|through|to|at|in|for|around|up|over|the gun))",
        r"\bnot safe (?:with|from|around) myself\b|\bdont trust myself\b|\b(?:scared|afraid) of myself\b|"
        r"\bhurt(?:ing)? my ?self\b",
        # Preparations: giving her things away, a will, farewell letters, buying or hoarding the means.
        r"\b(?:giv(?:e|es|ing|en)|gave) (?:away )?(?:all |most |some |the rest of )?(?:of )?my (?:\w+ )?(?:stuff|"
        r"things|belongings|possessions|clothes|books|jewel\w*|pets?|dog|cat|savings)\b(?= away|(?: \w+){0,3} "
        r"(?:to|away)\b)|\b(?:wont|will not|wouldnt|dont|wont even) need (?:it|them|any of (?:it|this|them)|my "
        r"\w+) (?:where im going|much longer|after (?:tonight|tomorrow|this week))\b|\bwont need (?:any of (?:it|"
        r"this|them)|my \w+) anyway\b",
        r"\b(?:wrote|writing|write|made|making|make|updated|updating|drew up|drawing up|finished|signed|did) "
        r"(?:up )?(?:a |my )(?:will|last will|testament)\b|\baffairs in order\b",
        r"\b(?:wrote|writing|written|write|left|leaving)(?: \w+){0,2} (?:letters|notes|goodbyes) (?:to|for) "
        r"(?:(?!my ex\b)my |everyone|everybody|each|all|the people|people i love)|\b(?:letters|notes|goodbye "
        r"letter|goodbye note)\b.{0,60}"
        r"\b(?:just in case|in case (?:something|anything) happens|when im gone|after im gone|to read after)\b",
        r"\b(?:bought|buy|buying|got|ordered|order|ordering|purchased|found|have|tied|tying|hid|hidden) (?:a |"
        r"some |the |myself (?:a |some )?|more |enough )?(?:rope|noose|razors?|blades?|charcoal|helium|rat "
        r"poison|poison|cyanide)\b|\bi (?:\w+ )?(?:bought|got|have|ordered|found|own|borrowed|took|loaded|"
        r"holding)(?: \w+){0,2} (?:gun|pistol|firearm|revolver)\b|\bgun (?:to|in|against) my (?:head|mouth|"
        r"temple)\b",
        r"\bstockpil\w*|\b(?:saving|saved|collecting|hoarding|counting|counted) (?:up )?(?:\w+ )?(?:pills|"
        r"tablets|meds|medication|painkillers)\b|\b(?:lethal|fatal|deadly) (?:dose|amount)\b|\bhow many (?:\w+ )?"
        r"(?:pills|tablets|meds|painkillers) (?:\w+ )?(?:to die|does it take|would it take|would kill|to kill)\b|"
        r"\b(?:painless|quickest|easiest|fastest) way(?:s)? to (?:die|go|end it)\b",
        # Methods: swallowing everything, heights, traffic and trains, cutting and burning.
        r"\bswallow\w* (?:\w+ ){0,2}(?:everything|all|a whole|the whole|a bottle|the bottle|a handful|a bunch)"
        r"\b|\b(?:swallow\w*|took|taken|take|taking|downed|ate|emptied) (?:\w+ ){0,2}(?:everything|all|a whole|"
        r"the whole|the entire|half|a bunch|a handful|the rest) (?:of )?(?:my |the |a |his |her )?(?:\w+ )?"
        r"(?:cabinet|medicine|pills|tablets|meds|painkillers)\b|\bmedicine (?:cabinet|cupboard)\b.{0,30}\b(?:ago|"
        r"swallow\w*|took|all)\b|\b(?:whole|entire|full) (?:bottle|pack|packet|box|strip) of (?:pills|tablets|"
        r"meds|tylenol|paracetamol|panadol|advil|ibuprofen|aspirin|sleeping|xanax|ambien|benadryl|insulin)\b",
        r"\b(?:driv\w*|drove|crash\w*|swerv\w*|steer\w*|ram\w*) (?:\w+ ){0,3}(?:into|off|in front of) (?:a |the "
        r"|an |oncoming )?(?:\w+ )?(?:barrier|wall|tree|bridge|cliff|traffic|truck|lorry|pole|river|lake|"
        r"guardrail|guard rail|median|overpass|pillar|ravine|sea|ocean)\b|\bcrash (?:my|the) car (?:\w+ )?on "
        r"purpose\b",
        r"\b(?:standing|stood|sitting|sat|stand|sit|climbed|climbing|leaning|lean|been|was|am|im|on|at) (?:on |at"
        r" |over |onto |up on |out over |by )?(?:the |my |a |this |our )?(?:edge|ledge|balcony|roof|rooftop|"
        r"bridge|railing|cliff|top floor|parking garage|platform edge)\b(?=.{0,80}\b(?:looking down|look down|"
        r"jump\w*|the drop|how high|how far down|fall\w*|lean\w* over|over the (?:edge|railing)|let go|thinking "
        r"about it|end it|end this|right now)\b)",
        r"\bin front of (?:a |the |an |oncoming )?(?:train|car|bus|truck|lorry|traffic|subway|metro|tram)\b|"
        r"\b(?:lie|lay|lying|laying|stand|standing|walk|walking|walked) (?:down )?(?:on|onto|into) (?:the )?"
        r"(?:train |railway |rail |subway )?(?:tracks|traffic|sea|ocean|river|lake)\b",
        r"\b(?:cut|cutting|cuts|sliced|slicing|scratched|scratching|scratch|carved|carving|burned|burning|burnt|"
        r"hit|hitting|punched|punching|bit|biting)(?: \w+){0,2} (?:arms?|wrists?|thighs?|legs?|skin|stomach|"
        r"hips?|self|myself)\b(?=.{0,60}\b(?:bled|bleed|bleeding|blood|deserv\w*|on purpose|till|until|again|"
        r"deep|feel (?:something|better|anything)|punish\w*|scars?)\b)|\b(?:till|until|til) (?:i|it|they) "
        r"(?:bled|bleed|bleeds)\b|\bmade? (?:my ?self|it) bleed\b|\bself ?(?:mutilat|punish)\w*",
        # Passive ideation: no point, tired of existing, not waking up, a burden, nobody would notice.
        r"\b(?:whats|what is|wheres|where is) the point (?:anymore|any more|of (?:anything|it all|living|life|"
        r"any of (?:it|this)|going on|being here|getting up|existing|being alive|me|trying anymore)|in (?:anything|"
        r"living|life|any of (?:it|this)|going on|getting up|existing|being alive))\b",
        r"\b(?:tired|sick|exhausted|weary) (?:\w+ )?(?:of|from) (?:existing|living|being alive|life|breathing|"
        r"being here|being me|waking up|everything and everyone)\b|\b(?:done|finished) with (?:life|living|"
        r"existing|being alive|this world)\b|\bcant do (?:this )?(?:life|living|existing)\b|\bgiv(?:e|ing) up on "
        r"(?:life|living|myself|everything)\b|\bgave up on (?:life|living)\b",
        r"\b(?:if i|hope i|wish i could|wish i would|id be (?:ok|okay|fine|happy) if i|wouldnt mind if i|rather) "
        r"(?:just )?(?:dont|didnt|wouldnt|wont|never|not|did not|do not) (?:ever )?wake up\b|\b(?:wouldnt|"
        r"would not|dont|do not) mind (?:not|never|if i (?:\w+ )?(?:died|dont|didnt|never|was|were))\b",
        r"\b(?:want|need|wish|wanting|just want)(?: for)? (?:it|everything|the pain|this pain|it all|all of "
        r"(?:it|this)|all this|this life|my life|life)(?: all)?(?: to(?: be)?)? (?:over|done|finished|ended)\b"
        r"(?! with (?!it\b))",
        r"\b(?:im|i am|being|feel like|just|such) (?:\w+ )?(?:a )?burden\b|\bburden (?:to|on|for) (?:everyone|"
        r"everybody|my family|my friends|people|you all|them|the people)\b|\b(?:nobody|no one|noone|no body) "
        r"(?:would|will|d) (?:even )?(?:miss|notice|care|cry)(?: \w+){0,3} (?:if i|when im|me|im gone|i was "
        r"gone|i died|when i die)\b",
        r"\b(?:no|any|a) reason (?:left )?(?:to|for me to) (?:stay|be here|get up|wake up|exist|keep trying|"
        r"stay alive|carry on|continue)\b(?! (?:in|at|with|for|up late|home|inside))|\b(?:see|find|is|theres|"
        r"there is) no (?:other )?way out\b|\b(?:dont|cant|do not|cannot|cant even) see (?:a |any )?(?:other )?way out\b|\blife (?:isnt|is not|aint|no longer|not) (?:\w+ )?worth\b",
        r"\b(?:disappear|disappearing|vanish|vanishing)\w* (?:\w+ )?(?:forever|for good|permanently|for ever|"
        r"from (?:this|the) (?:world|earth|planet))\b|\b(?:feel like|want|wanna|wish i could|thinking (?:about|of)"
        r"|just want to|need to) (?:to )?(?:just )?(?:disappear|vanish|disappearing|vanishing)\b(?! (?:from "
        r"(?:his|her|their|social|insta|instagram|the app|this app|facebook|tiktok)|for (?:a|the) (?:\w+ )?"
        r"(?:day|days|week|weeks|weekend|while|bit)))",
        r"\b(?:wish i (?:was|were|could be)|want to be|i could be) (?:gone|no more|nothing|erased)\b(?! (?:by|"
        r"before|when|for|from))|\b(?:wont|will not) be (?:a |your |anyones )?(?:problem|burden|bother) (?:much "
        r"longer|anymore|for long|soon)\b|(?<!said )(?<!says )(?<!told me )(?<!and )\bgoodbye (?:forever|for good|world|cruel world|everyone|everybody)\b|"
        r"\bthis is (?:my )?(?:goodbye|farewell|last message)\b(?! (?:to|for) (?:him|her|them|my ex|you guys|the "
        r"(?:bot|program|app)))",
        # Slang and spellings that dodge filters.
        r"\bctb\b|\bunaliv\w*|\bsewer ?slide\w*|\bsu[i1!]c[i1!]d\w*|\bk ?m ?s\b|\bself ?delet\w*|\bdelete "
        r"myself\b|\bend myself\b|\brope myself\b|\byeet myself (?:off|out)\b|\bgame end\b",
        # More of the same categories: a plan and a time, dark thoughts, not being alive, poison, funerals.
        r"\b(?:i have|ive got|i made|ive made|i got) a plan\b(?:\W*$| (?:for (?:it|how|when|tonight)|and (?:a date|"
        r"a time|the means|everything)))|\bi(?:ve)? decided (?:when|how|on a (?:date|day|method))\b|\bmade (?:my )?"
        r"peace with (?:it|dying|death|everything|my decision|the idea|leaving)\b|(?<!said )(?<!says )(?<!told me )"
        r"\bthis is the end(?: for me)?\b(?! (?:of|for us|between))",
        r"\b(?:do it|die|go|end it|end things|kill myself) painlessly\b|\bpainless (?:death|way|method)\b|"
        r"\b(?:looked up|googled|googling|searched|searching|researching|researched) (?:\w+ ){0,3}(?:how to|ways "
        r"to|methods|how many|the fastest|the quickest|the easiest) (?:\w+ ){0,2}(?:do it|die|end it|overdose|"
        r"hang|kill|od|go)\b|\bdark thoughts\b|\bthoughts (?:of|about) (?:hurting|harming|ending|killing|not "
        r"being|dying|death|self)\b",
        r"\b(?:stop|not|never|no longer) (?:be|being) (?:alive|here|around|in this world)\b(?! (?:for|with|when|"
        r"to|on|in|at|because))|\b(?:cant|dont|can not) see myself (?:being )?(?:here|alive|around|living)\b(?! "
        r"(?:in|at|with))|\b(?:want|need|wanna) out\b(?! of (?!(?:this |my )?(?:life|existence|world)))|"
        r"\bdone with (?:everything|it all|all of it)(?: \w+)? (?:for good|forever|permanently)\b",
        r"\b(?:i|and) cut (?:last|this|again|tonight|today|yesterday|deep|deeper|too)\b|\brelaps\w*\b.{0,20}\bcut"
        r"\w*|\bblood (?:everywhere|on my (?:sheets|bed|arms|wrists|floor|legs))\b|\bdo something (?:stupid|"
        r"dumb|drastic|permanent|i cant take back)\b(?! (?:and|like|to) (?:text|call|message|show|go|dm|beg|"
        r"reach|him))",
        r"\b(?:took|swallowed|taken|downed|ate|popped|take|taking) (?:like |about |around |over |maybe |almost )?"
        r"(?:\d+|a dozen|ten|fifteen|twenty|thirty|forty|fifty)(?: \w+){0,4} (?:pills|tablets|meds|painkillers|"
        r"capsules)\b|\b(?:drank|drink|drinking|swallowed) (?:some )?(?:bleach|antifreeze|poison|drain cleaner)\b|"
        r"\b(?:planning|planned|plan|picked|choosing|chose|picking) (?:out )?my (?:own )?(?:funeral|death|"
        r"burial)\b|\bsa(?:y|ying|id) my goodbyes\b|\b(?:im|i am|feel like|just) (?:\w+ )?(?:a )?waste of "
        r"(?:space|oxygen|air)\b",
        r"\bnon ce la faccio (?:piu )?a vivere\b|\bno puedo (?:mas )?(?:seguir )?vivi\w*|\bje (?:ne )?peux "
        r"plus vivre\b|\bkann nicht mehr leben\b|\bnao consigo (?:mais )?viver\b",
        # Spanish, Portuguese, French, German, Italian, Russian: preparations, methods, passive wishes.
        r"\bdesaparecer (?:para siempre|pra sempre|para sempre)\b|\b(?:quiero|ganas de|quero|vontade de|queria)"
        r" (?:desaparecer|sumir)\b|\bsumir (?:pra|para) sempre\b|\bno aguanto (?:mas )?(?:vivir|la vida|esta "
        r"vida)\b|\bnao aguento (?:mais )?(?:viver|a vida|essa vida)\b|\bacabar con (?:todo|mi vida)\b|"
        r"\bacabar com (?:tudo|a minha vida|minha vida)\b|\bno (?:quiero )?(?:volver a )?despertar\b|\bnao "
        r"(?:quero )?(?:mais )?acordar\b|\b(?:cortarme|me cortar|me cortando|ahorcarme|me enforcar|tirarme "
        r"(?:de|del|por|desde|al|a las)|me jogar (?:da|de|do|na|no|pela|pelo|embaixo))\b|\bsobredosis\b|"
        r"\boverdose de\b|\bmejor muert[ao]\b|\bmelhor mort[ao]\b|\b(?:soy|ser) una carga\b|\b(?:sou|ser) um "
        r"peso\b|\bdejar de existir\b|\bdeixar de existir\b|\bcarta de despedida\b",
        r"\bdisparaitre (?:pour toujours|a jamais|pour de bon)\b|\b(?:envie de|veux|voudrais) disparaitre\b|"
        r"\bveux plus vivre\b|\bme pendre\b|\bme jeter (?:du|dun|de|sous|par)\b|\bme (?:couper|scarifier)\b|"
        r"\b(?:ne pas|plus) me reveiller\b|\bmettre fin a (?:mes jours|ma vie)\b|\bmarre de (?:vivre|la vie)\b|"
        r"\bun fardeau\b|\blettre dadieu\b|\bme foutre en lair\b",
        r"\bnicht mehr aufwachen\b|\b(?:will|mochte) (?:einfach )?(?:nur )?verschwinden\b|\bfur immer "
        r"verschwinden\b|\b(?:mich ritzen|ritze mich|mich aufhangen|mich erhangen)\b|\b(?:von der brucke|vom "
        r"dach|vor den zug|vor einen zug) (?:\w+ )?(?:springen|werfen)\b|\bkeinen sinn mehr\b|\blebensmude\b|"
        r"\bmeinem leben ein ende\b|\babschiedsbrief\b|\beine last fur\b",
        r"\bfarla finita\b|\btogliermi la vita\b|\bnon voglio piu vivere\b|\b(?:voglio|vorrei) sparire\b|"
        r"\bsparire per sempre\b|\b(?:ammazzarmi|tagliarmi|impiccarmi)\b|\bbuttarmi (?:da|dal|dalla|sotto|giu)\b"
        r"|\bnon svegliarmi piu\b|\bletter[ae] daddio\b|\bun peso per tutti\b",
        r"исчезнуть навсегда|хочу исчезнуть|не проснуться|резать себя|режу себя|порезать себя|порезала|"
        r"повеситься|повешусь|выпрыгнуть|прыгнуть с (?:моста|крыши|балкона)|наглотаться|уйти из жизни|"
        r"смысла жить|незачем жить|обуза|прощальн\w* (?:письм|записк)",
        # Spanish, Portuguese, French, German, Italian, Russian: the most common phrasings.
        r"\b(?:quiero|ganas de|deseo|voy a|prefiero|quisiera) morir\w*|\bmatarme\b|\bsuicidarme\b|"
        r"\bno quiero (?:seguir )?vivi\w*|\bganas de vivir\b|\bquitarme la vida\b",
        r"\b(?:quero|vontade de|vou|queria) morrer\b|\bme matar\b|\bnao quero (?:mais )?viver\b|"
        r"\btirar (?:a )?minha (?:propria )?vida\b|\bsem vontade de viver\b",
        r"\b(?:veux|envie de|vais|voudrais) mourir\b|\bme suicider\b|\bme tuer\b|\ben finir\b|"
        r"\bne veux plus vivre\b|\b(?:plus|pas) envie de vivre\b",
        r"\b(?:will|mochte|werde|wurde gern) sterben\b|\bnicht mehr leben\b|\bmich umbringen\b|"
        r"\bbringe mich um\b|\bselbstmord\b|\bsuizid\w*|\bmir das leben nehmen\b",
        r"\bvoglio morire\b|\buccidermi\b|\bchce umrzec\b",
        r"хочу умереть|хочу сдохнуть|покончить с собой|не хочу (?:больше )?жить|жить не хочу|убить себя|"
        r"суицид|самоубииств|покончу с собои",
    ]
)

_UNSAFE = _compile(
    [
        r"\b{HE} (?:\w+ ){0,3}(?:hit|hits|hitting|slapped|slaps|punched|punches|kicked|kicks|choked|chokes|"
        r"strangled|strangles|pushed|pushes|shoved|shoves|beat|beats|beating|grabbed|grabs|shook|smacked|"
        r"attacked|assaulted|raped|bit|dragged|pinned|spat on|spit on|threw \w+ at|burned|slammed) "
        r"(?:me|my|at me)\b(?! up\b)(?! away\b)",
        r"\b{HE} (?:\w+ ){0,2}(?:push|pushed|pushes|knock|knocked) me (?:around|down|over|into|against)\b",
        r"\b(?:beat|beats|beating) me\b|\b(?:abus\w+|violent|violence|rape|raped|assault\w*|strangl\w*|"
        r"chok(?:e|ed|ing) me|(?<!for )(?<!of )(?<!im )(?<!i was )(?<!am )(?<!not )(?<!are )(?<!as )(?<!be )(?<!its )(?:harass\w*|stalk\w*))\b",
        r"\bthreat\w*\b|\b(?:hands?|arms?) (?:around|on|over) my (?:neck|throat|mouth)\b",
        r"\bpunch\w* (?:the |a )?walls?\b|\b(?:throws|threw|smashes|smashed) things\b|\b(?:broke|smashed|"
        r"destroyed|breaks) my (?:phone|door|window|stuff|things|arm|nose|ribs|wrist|car)\b",
        r"\b{HE} (?:\w+ ){0,4}(?:scream|screams|screamed|yell|yells|yelled|screaming|yelling) at me\b|\bthr(?:ew|ows|owing) (?:\w+ ){0,3}at "
        r"me\b|\bkill (?:himself|herself|themselves) and me\b|\b{HE} (?:\w+ ){0,4}kill (?:himself|herself|"
        r"themselves)\b",
        r"\btrack\w* me\b|\bair ?tags?\b|\btracker\b|\bgps on my\b|\bspyware\b|\bspy(?:ing)? on me\b|"
        r"\bscary (?:messages|texts|voicemails)\b|\b{HE} (?:\w+ )?(?:scares|scared|frightens|intimidates) me\b|"
        r"\bintimidat\w*|\bmenacing\b",
        r"\b(?:hell|hed|shell|shed|theyll|theyd|{HE} (?:will|would|is going to|s going to|going to|said he "
        r"would|said hed)) (?:\w+ )?(?:kill me|hurt me|hit me|beat me|ruin my|destroy my|find me|come after "
        r"me|make me pay|take (?:the|my) (?:kids|children|son|daughter))\b",
        r"\b(?:scared|afraid|terrified|frightened) (?:\w+ ){0,6}because {HE}\b|\b(?:scared|afraid|terrified|"
        r"frightened) to (?:go home|leave the house|go outside|be alone|go out|leave him)\b",
        r"\b(?:would|will|d|going to|gonna|wants to|threatened to|said hed|said he would|swore|is going to) "
        r"(?:\w+ )?(?:kill|hurt|hit|find|ruin|destroy|beat) (?:me|my)\b",
        r"\b(?:scared|afraid|terrified|frightened|fear) (?:of|for) (?:{HIM}\b(?! (?:\w+ing|not|never)\b)|"
        r"my (?:life|safety)|what {HE})",
        r"\b(?:scared|afraid|terrified|frightened)(?: that)? {HE}(?:ll| will| might| would| is going to| could|"
        r" may)? (?:\w+ ){0,2}(?:find me|hurt|kill|hit|come after|come for|show up|track|follow|get me|do "
        r"something)",
        r"\b(?:dont|do not|never) feel safe\b|\bnot safe (?:around|with|from)\b|\bunsafe\b|\bfear for my\b",
        r"\b(?:following|followed|follows) me (?:home|around|everywhere|to|from|in|at|when)\b|"
        r"\b(?:keeps|kept|been|is|was|s) following me\b(?! (?:on|back))|\b(?:keeps|kept|keep) (?:showing|"
        r"turning) up\b|"
        r"\bshow(?:s|ed|ing)? up at my (?:\w+ )?(?:work|house|place|door|job|apartment|school)\b",
        r"\bwont leave me alone\b|\b(?:drives|drove|driving|walks|walked) (?:by|past) my\b|"
        r"\b(?:waiting|waits|waited|wait|lurking|lurks|hanging around|hangs around) (?:for me )?(?:outside|near|by|"
        r"around|at) my\b|\bbroke into\b|\bbreaks into\b",
        r"\b(?:tracks|tracked|tracking|track) my (?:location|phone|car|whereabouts)\b|\btracker on my\b",
        r"\b(?:checks|checked|check|goes through|went through|reads|read|looks through) (?:all )?(?:of )?my (?:phone|messages|"
        r"texts|email|emails)\b",
        r"\b(?:wont|wouldnt|doesnt|didnt|never|dont) let me (?:see|go|talk|leave|have|work|out|use|turn|delete|"
        r"change|stop|lock|keep)\b",
        r"\b(?:took|takes|take|stole|steals|controls) (?:all )?(?:of )?my (?:money|phone|keys|car|passport|"
        r"cards|paycheck|bank)\b|(?<!i was )(?<!was too )(?<!was so )(?<!im )(?<!im too )(?<!im so )(?<!i am )(?<!can be )\bcontrolling\b|\bcontrol freak\b|\bcontrolled me\b|\bisolat\w* me\b",
        r"\bforced (?:me|himself)\b|\bhurt me (?:physically|badly)\b|\bphysically hurt\b|\bbruises?\b",
        r"\bi (?:got|filed|have|had|applied for|am getting|m getting|took out|requested|want|need|should get|"
        r"will get|ll get)(?: for)? (?:a |an )?(?:restraining|protective|protection) order\b",
        r"\border (?:of protection )?against (?:him|my ex)\b",
        # Violence in other words and tenses, and the marks it leaves.
        r"\b(?:lock|locks|locked|locking) me (?:in|inside|up)\b|\b{HE} (?:\w+ ){0,3}locked me out of (?:the|our|"
        r"my) (?:house|home|flat|apartment|room|car)\b|\bblack eye\b|\bsplit (?:my )?lip\b|\bleft (?:a |some )?"
        r"(?:marks|bruises|scars)\b|\bmarks on my (?:neck|arms?|wrists?|face|body|legs?|throat)\b|\b{HE} (?:\w+ )"
        r"{0,3}(?:pulled|yanked|dragged me by) my hair\b|\btwisted my (?:arm|wrist)\b|\b(?:held|holds|pinned|pins)"
        r" me (?:down|against|to the)\b|\bcornered me\b|\bblocked the door\b|\b(?:wouldnt|wont|didnt|doesnt) "
        r"let me (?:get )?out\b|\bflinch\w*|\bwalk(?:ing)? on egg ?shells\b|\bptsd (?:from|because of) "
        r"(?:him|her|them|my ex|the relationship|what)\b",
        # Threats: to her, her family or pets, to leak intimate images; "if I can't have you nobody can".
        r"\b(?:knows|know|found out|find out) where i (?:live|work|am|sleep|go|moved)\b|\bwatch (?:your|my|ur) ?"
        r"(?:self|back|step)\b|\b{HE} (?:\w+ )?(?:cant|cannot|can not) have me\b|\bno (?:one|body|one else) "
        r"(?:else )?(?:can|will|gets to|could|is going to) (?:have|be with) me\b|\bmake my life (?:a )?(?:living )?"
        r"(?:hell|miserable)\b",
        r"\b(?:hell|hed|shell|shed|theyll|theyd|{HE} (?:\w+ ){0,3}(?:will|would|is going to|going to|gonna|"
        r"threatened to|said hed|swore to|wants to)) (?:\w+ )?(?:hurt|kill|harm|poison|come after|go after|beat "
        r"up)\w* my (?:\w+ )?(?:family|mom|mum|mother|dad|father|parents|sister|brother|kids|children|son|"
        r"daughter|baby|dog|cat|pets?|puppy|friends|boyfriend)\b",
        r"\b(?:post|leak|share|send|show|spread|release|publish|expose|upload|forward)\w* (?:\w+ ){0,3}my (?:\w+ )?"
        r"(?:nudes|naked \w+|intimate \w+|private (?:pics|pictures|photos|videos|images)|explicit \w+|sex "
        r"tape)\b|\b(?:post|leak|share|send|show|spread|release|publish|expose|upload)\w* (?:\w+ ){0,3}my "
        r"(?:\w+ )?(?:pics|pictures|photos|videos|messages|secrets)\b(?=.{0,40}\b(?:if i|unless|or else|or "
        r"hell|if i dont|if i leave|if i dont come)\b)|\brevenge porn\b|\bsextort\w*|\bexpose me\b",
        # Stalking and monitoring: hidden numbers, fake accounts, watching, asking around, parked outside.
        r"\b(?:{HE} (?:\w+ ){0,3}|keeps |kept )(?:call|text|messag|contact|dm|ring)\w* (?:me )?(?:from|with|on|"
        r"using) (?:\w+ ){0,2}(?:blocked|private|unknown|hidden|different|new|other|fake|random|burner|no caller) "
        r"(?:numbers?|accounts?|profiles?|ids?)\b|\bbreathing (?:on|down) the (?:line|phone)\b|\b(?:calls|called|"
        r"calling) (?:me )?and (?:then )?hangs? up\b",
        r"\b{HE} (?:\w+ ){0,3}(?:made|makes|making|created|creates|using|uses|used|has|opened|set up) (?:a |"
        r"another |new |multiple |several |more )?(?:fake|new|burner|second|secret|alt|different) (?:acc|account"
        r"|profile|insta|instagram|number|page)s? (?:\w+ )?(?:to|so he can|and) (?:\w+ )?(?:watch|see|stalk|"
        r"follow|contact|message|text|view|check|spy|look|dm)\b",
        r"\b(?:messag|text|call|contact|ask|dm|email)\w* (?:all )?(?:of )?my (?:friends|family|mom|mum|sister|"
        r"brother|coworkers|colleagues|boss|parents|roommate|neighbou?rs)\w* (?:\w+ )?(?:asking|to ask|about|"
        r"to find out) (?:\w+ )?where i\b|\bdemand\w* to know where i\b|\b(?:needs|has|wants) to know where i am"
        r" (?:at )?all the time\b|\bkeeps? tabs on me\b|\bshare my location\b|\blocation shar\w*|\bfind my "
        r"(?:iphone|friends)\b|\blife ?360\b|\bhacked (?:into )?my\b|\b(?:logged|logs|logging) into my\b|"
        r"\b{HE} (?:\w+ ){0,3}(?:changed my password|knows my password|installed \w+ on my)\b|\b{HE} (?:\w+ ){0,3}"
        r"(?:has|have|sees|tracks|watches|checks|knows|follows) my (?:live )?location\b|\b{HE} (?:\w+ ){0,3}(?:outside"
        r"|outside of|at|by|near) my (?:apartment|house|place|door|work|flat|window|building|job|home|car)\b(?=.{0,40}"
        r"\b(?:every (?:night|day|morning|evening)|all night|for hours|at night|waiting|watching|uninvited|without"
        r" (?:asking|telling|warning)|right now|again tonight)\b)",
        r"\b{HE} (?:\w+ ){0,3}(?:watching|watches|watched|spying|spies|monitoring|monitors|monitored) (?:on )?me"
        r"\b|\bparked (?:\w+ ){0,2}(?:across|outside|opposite|in front of|near|down|up) (?:from )?(?:the street|"
        r"my|the road|our|the house)\b|\b(?:his|her|their) car (?:\w+ ){0,2}(?:outside|across|parked|in front of"
        r"|near) (?:from )?(?:my|the street|our)\b|\b(?:following|followed|follows|follow) me (?:on (?:my|the) "
        r"(?:way|walk|run|commute|route)|down the|into|out of|after (?:work|school|class))\b|\b(?:shows|showed|"
        r"turns|turned|showing|turning) up (?:\w+ ){0,2}(?:uninvited|unannounced|at all hours|outside my|drunk|at \d|"
        r"in the middle of the night)\b|\b(?:banging|pounding|kicking|hammering|bashing) (?:on|at|in) my (?:door|"
        r"window|windows)\b",
        # Fear of him: of how he gets, of him coming by, when he drinks.
        r"\b(?:how|what) {HE} (?:gets|is like|becomes|does|can do|could do) when (?:hes|he is|he gets|shes|she "
        r"is|she gets|theyre|they are|they get|he|she|they) (?:\w+ )?(?:angry|mad|drunk|jealous|high|furious|"
        r"pissed|drinks|drinking|upset)\b|\b(?:scared|afraid|terrified|frightened|nervous|paranoid)\b(?: \w+)"
        r"{0,10} (?:in case|that|if|when|because|bc|cause) {HE} (?:\w+ )?(?:comes? (?:by|over|round|around|"
        r"here|to my)|came (?:by|over|round|around)|shows? up|showed up|turns? up|finds? me|finds out where|sees? "
        r"me|is (?:outside|waiting|watching|there)|gets (?:angry|mad|drunk|violent)|follows? me|tracks? me)\b",
        # Coercive control: not allowed, money and documents, cut off from friends and family.
        r"\b{HE} (?:\w+ ){0,4}(?:not allowed|doesnt allow me|didnt allow me|wont allow me|never allowed me|"
        r"forbids me|forbade me|forbid me|banned me from)\b(?! to (?:\w+ )?(?:contact|text|call|message|see|talk"
        r" to|speak to|reach out to|come near|come to|be near|go near|write to|email|dm) (?:him|her|them|his|my "
        r"ex)\b)|\b(?:im|i am|i was|wasnt) (?:not )?allowed to (?:talk to|see|text|have|go out|wear|leave|work|"
        r"spend|use|meet|hang out) (?:\w+ )?(?:other (?:men|guys|people)|my (?:own|friends|family|mom|parents|"
        r"sister)|friends|anyone|male friends|guy friends|money|makeup|the house|without (?:him|her|them))\b",
        r"\b{HE} (?:\w+ ){0,3}(?:controls?|controlled|took|takes|hides|hid|confiscated|kept|keeps) (?:all )?(?:of )"
        r"?(?:my|our|the) (?:money|finances|bank|cards?|paycheck|salary|wages|passport|id|documents|car keys)\b|"
        r"\bgives me an allowance\b|\b{HE} (?:\w+ ){0,3}(?:cut|cuts|isolated|kept|keeps) me (?:off )?(?:from|away "
        r"from) (?:all )?(?:of )?my (?:friends|family|parents|mom|sister)\b|\bmade me (?:quit|stop seeing|cut "
        r"off|block|delete) (?:\w+ ){0,2}(?:job|work|friends|family|parents)\b",
        # Spanish, Portuguese, French, German, Italian, Russian: violence, threats, fear of him.
        r"\bme (?:pego|pegaba|pega|golpeo|golpea|golpeaba|empujo|ahorco|agredio|maltrata|maltrataba|amenaza|"
        r"amenazo|persigue|vigila|controla)\b|\bme sigue\b(?! en)|\b(?:me da|le tengo) miedo\b(?! (?:\w+(?:ar|er|"
        r"ir)(?:le|lo|la|te|me)?|que no)\b)|\btengo miedo de el\b|\bmiedo a el\b|\bmaltrato\b|\bviolencia "
        r"(?:domestica|de genero)\b",
        r"\bme (?:bateu|bate|batia|agrediu|empurrou|enforcou|ameaca|ameacou|persegue|vigia)\b|\b(?:tenho )?medo "
        r"dele\b|\bviolencia domestica\b",
        r"\b(?:ma|me) (?:frappee?|battue?|bat|poussee?|etranglee?|menacee?|agressee?|harcele)\b|\bpeur de lui\b|"
        r"\bme suit partout\b|\bviolences? conjugales?\b",
        r"\bhat mich (?:geschlagen|geschubst|gewurgt|bedroht|verfolgt)\b|\b(?:schlagt|schlug|bedroht|verfolgt) "
        r"mich\b|\bangst vor ihm\b|\bhausliche gewalt\b",
        r"\bmi (?:ha )?(?:picchiat\w*|picchia|picchiava|colpit\w*|spint\w*|minacciat\w*|strangolat\w*|minaccia|"
        r"perseguita)\b|\bpaura di lui\b|\bmi segue (?:ovunque|dappertutto)\b",
        r"(?:бьет|бил|ударил|избил|душил|толкнул|угрожает|угрожал|преследует) меня|меня (?:бьет|бил|ударил|"
        r"избил|душил|толкнул)|следит за мной|боюсь его|его боюсь",
        # Property, weapons, sexual coercion, injuries that sent her to hospital.
        r"\b(?:{HE}|hell|hed|shell|shed) (?:\w+ ){0,4}(?:burn|set fire to|torch|trash|destroy|wreck|key|keyed|"
        r"smash|smashed|slash|slashed|vandali[sz])\w* (?:\w+ )?my (?:\w+ )?(?:house|home|car|apartment|flat|place|"
        r"stuff|things|tyres|tires|windows|door)\b|\b{HE} (?:\w+ ){0,4}(?:has|had|got|owns|bought|pulled|held|"
        r"showed|pointed|waved|grabbed|brought|keeps|carries) (?:out )?(?:a |his |the |me a |me his )?(?:gun|"
        r"knife|weapon|pistol|rifle|blade)\b|\b(?:gun|knife|weapon) (?:at|to|on) (?:me|my)\b",
        r"\b(?:made|make|makes|forced|forces|pressured|pressures|coerced) me (?:to |into )?(?:have sex|sleep with|"
        r"do (?:things|stuff|sexual)|sex)\b|\bwithout my consent\b|\b(?:sex|touched me|sexual|slept with me)\b"
        r".{0,40}\b(?:didnt want|said no|told him (?:to )?stop|was asleep|passed out|consent)\b|\b(?:hospital|"
        r"emergency room|stitches|concussion|er) (?:\w+ ){0,3}(?:after|because|bc|cause) {HE}\b",
        # Threats of his own suicide, screaming in her face, put-downs, calling the police on him, escaping.
        r"\b(?:hell|hed|shell|shed|theyll|theyd) (?:\w+ )?(?:kill|hurt|harm) (?:himself|herself|themselves)\b|"
        r"\b(?:scream|screams|screamed|screaming|yell|yells|yelled|yelling|spat|spit|spits|spitting) in my face\b|"
        r"\b{HE} (?:\w+ ){0,2}(?:said|says|told me|texted|warned|threatened)(?: me)?(?: that)? (?:ill|i will|i "
        r"would|id|youll|you will|you would) regret\b|\bmake me regret\b",
        r"\b{HE} (?:\w+ ){0,3}(?:calls|called|calling) me (?:names|a (?:whore|slut|bitch|worthless|stupid|fat|"
        r"crazy|psycho)|worthless|stupid|fat|ugly|crazy)\b|\b{HE} (?:\w+ ){0,2}puts me down\b|\b{HE} (?:\w+ )"
        r"{0,2}(?:told|tells|says|said|keeps telling) me (?:that )?(?:nobody|no one|noone) (?:else )?(?:will|"
        r"would)\b",
        r"\b(?:called|call|calling|phoned|rang) (?:the )?(?:police|cops|911|999|112) (?:on|because of) {HIM}\b|"
        r"\bpolice (?:came|were called|arrested|took)\b.{0,60}\b(?:him|because of {HIM})\b|\b{HE} (?:\w+ )?(?:got|"
        r"was|has been) arrested\b|(?<!animal )(?<!dog )(?<!cat )\bshelter\b|\b(?:hiding|hide|hid|escape|escaped|"
        r"escaping|flee|fled|fleeing) from {HIM}\b|\bget away from {HIM} safely\b|\bsafety plan\b|\bsafe "
        r"house\b",
        r"\b{HE} (?:\w+ ){0,2}(?:wont|doesnt|will not|cant|never) stop (?:calling|texting|messaging|contacting|"
        r"following|harassing|showing up)\b|\b{HE} (?:\w+ ){0,3}gets (?:mad|angry|furious|violent|aggressive|"
        r"scary) (?:if|when|whenever) i\b|\b(?:\d{2,}|dozens of|hundreds of) (?:missed )?(?:calls|texts|"
        r"messages|times)\b(?: \w+){0,2} (?:a day|an hour|per day|every day|a night|per hour)\b",
    ]
)

_HE_SAID_NO = _compile(
    [
        r"\b{HE} (?:\w+ ){0,5}(?:doesnt|does not|dont|do not|didnt|did not|wont|will not|wouldnt|never|no "
        r"longer) (?:\w+ ){0,2}(?:want|wants|wanna|wanted|like|plan|intend|love|care) (?:to )?(?:\w+ )?(?:get "
        r"back|be (?:with|together|friends)|try again|me|contact|any contact|to talk|talk|hear|anything to do|"
        r"a relationship|see me|us|reconcile|speak)\b",
        r"\b{HE} (?:\w+ ){0,2}(?:told|asked|begged|wants|needs|said|says|wrote|texted|warned)(?: \w+){0,10} "
        r"(?:stop|quit|not|never|dont|no more) (?:\w+ ){0,2}(?:texting|messaging|contacting|calling|reaching "
        r"out|writing|bothering|talking|emailing|dming|following|coming|showing|turning|visiting|waiting|contact|text|call|message|reach out|"
        r"talk|speak)",
        r"\b(?:told|asked|begged|wants|needs|said|wrote|texted) (?:me )?(?:to )?(?:please )?(?:stop|quit|"
        r"not|never|dont) (?:\w+ ){0,2}(?:texting|messaging|contacting|calling|reaching out|writing|"
        r"bothering|emailing|dming|contact|text|call|message|reach out)",
        r"\bstop (?:\w+ )?(?:texting|messaging|contacting|calling|writing to|bothering|emailing|dming) me\b|"
        r"\bdont (?:text|contact|call|message|write to) me (?:again|anymore|ever)\b",
        r"\b{HE} (?:\w+ ){0,2}(?:told|asked|begged|wants|needs|said|says|wrote|texted)(?: \w+){0,8} leave "
        r"(?:him|me|her|them) (?:alone|in peace|be)\b",
        r"\bnothing to do with (?:me|us)\b|\b(?:its|a) (?:hard |big )?no from (?:him|her|them)\b|\basked me to "
        r"respect (?:that|it|his|her|their|the)\b|\brespect (?:his|her|their) (?:decision|choice|wishes|"
        r"boundaries|boundary)\b",
        r"\bno going back\b|\b(?:not|never|isnt|wont be) coming back\b|\bchanged (?:his|her|their) number\b|"
        r"\b(?:doesnt|dont|does not|cant) see (?:a |any )?future\b|\bno future (?:for|with) (?:us|me)\b",
        r"\b(?:told|asked|wants|needs|said)(?: me)?(?: to)? (?:lose|delete) (?:his|my) number\b",
        r"\b(?:told|asked|wants|said)(?: me)?(?: to)? (?:move on|go away|back off|get over (?:him|it))\b|\b{HE} "
        r"(?:\w+ ){0,2}(?:said|says|told me|tells me|wants me to)(?: \w+){0,6} (?:i need to|i should|i have to|i "
        r"must|to) (?:let (?:him|her|them) go|move on|forget (?:about )?(?:him|her|them|us)|stay away)\b",
        r"(?<!\bi )\bblock(?:ed|s|ing)? (?:me|my)\b|\b{HE} (?:\w+ ){0,2}blocked\b|\b(?:got|been|am|m|was|"
        r"im) blocked\b",
        r"\b(?:restraining|protective|protection|no contact) order\b",
        r"(?<!accepted )(?<!accepted that )(?<!accept )(?<!accept that )(?<!know )(?<!know that )"
        r"\b(?:were|we are|its|it is|were so|us is) (?:\w+ )?(?:done|over|finished)(?! with (?:dinner|the))\b",
        r"\b{HE} (?:\w+ )?(?:has |have |is |s )?(?:already |totally |completely |fully )?(?:moved on|over me)\b",
        r"\b{HE} (?:\w+ ){0,2}(?:said|says|told me) no\b(?! (?:worries|problem|prob|biggie))|\b{HE} "
        r"(?:\w+ )?(?:turned me down|rejected me|declined|said no to)\b",
        r"\bno chance (?:we|of us|of getting|for us)\b|\bnot (?:getting|going to get) back together\b",
        r"\b(?:will|would|is) never (?:\w+ )?(?:get back|be with me|date me|take me back|come back|want me)\b",
        r"\b{HE} (?:\w+ ){0,3}(?:isnt|is not|not|s not|no longer) interested\b",
        r"\b(?:dont|do not|never) (?:ever )?(?:contact|text|call|message|reach out to|talk to|speak to|write to)"
        r" (?:him|me|her)(?: \w+)? (?:again|ever)\b|\bdont reach out again\b",
        r"\bnever (?:wants|want|wanted) to (?:see|hear from|talk to|speak to) me\b",
        r"\b(?:wants|want) me out of (?:his|her|their) life\b|\bcut me off\b|\bcut (?:off )?(?:all )?contact\b",
        r"\b{HE} (?:\w+ ){0,3}(?:want|wants|asked for|needs|said) (?:\w+ )?no (?:more )?contact\b",
        r"\b(?:new|another) (?:girlfriend|boyfriend|partner)\b.{0,40}\b(?:over|done|move on|leave|stop)\b",
        # No contact asked for in other words: zero contact, done with me, no part of his life, no feelings.
        r"\b{HE} (?:\w+ ){0,3}(?:needs|wants|asked for|requested|said|demanded|insists on|asking for) (?:\w+ )?"
        r"(?:zero|0|absolutely no|total|complete|full|strict) (?:\w+ )?(?:contact|communication|space from me)\b",
        r"\b{HE} (?:\w+ ){0,3}(?:is |s |was |are )?(?:done|finished|through) with (?:me|us|this relationship|our "
        r"relationship|the relationship|trying)\b|\b(?:told|tells|said|says|texted|wrote) (?:me )?(?:that )?(?:hes"
        r"|shes|theyre|he is|she is|he was|she was|they are|were|we are|its|it is|it was) (?:\w+ )?(?:done|over|"
        r"finished|through)\b(?! (?:with (?!me\b|us\b|this\b|it\b)|\w+ing\b|his\b|her\b|their\b|the\b|for (?:the"
        r" day|today|tonight)))",
        r"\bno (?:\w+ )?part (?:of|in) (?:my|his|her|their) life\b|\b(?:doesnt|dont|does not|didnt) want me "
        r"(?:in|around|near) (?:his|her|their) life\b|\bout of (?:his|her|their) life (?:for good|forever|"
        r"completely)\b|\b(?:erase|erased|delete|deleted|remove|removed) me (?:from|out of) (?:his|her|their) "
        r"life\b",
        r"\b{HE} (?:\w+ ){0,4}(?:has|have|had|feels|felt|got) (?:no|zero) (?:\w+ )?(?:feelings|love|interest|"
        r"attraction|spark)\b|\b{HE} (?:\w+ ){0,3}(?:fell out of love|isnt in love|is not in love|s not in love|"
        r"stopped loving me|lost (?:all )?(?:\w+ )?feelings)\b|\b(?:his|her|their) feelings (?:for me )?(?:are|"
        r"r) gone\b",
        r"(?<!scared )(?<!afraid )(?<!worried )(?<!if )(?<!think )(?<!maybe )(?<!fear )(?<!like )\b(?:hell|hed|"
        r"shell|shed|theyll|theyd|{HE} (?:will|would|is going to|s going to)) (?:\w+ )?never (?:ever )?(?:take me"
        r" back|get back together|give (?:us|me|it) (?:another|a second) (?:chance|try|shot)|be with me|date me"
        r"|come back|want me|forgive me)\b",
        r"(?<!scared )(?<!afraid )(?<!worried )(?<!if )(?<!think )(?<!maybe )(?<!fear )(?<!like )(?<!that )"
        r"\b{HE} (?:\w+ ){0,2}(?:wont|will not|wouldnt|would not|refuses to|refused to) (?:ever )?(?:\w+ )?"
        r"(?:take me back|give (?:us|me|it) (?:another|a second) (?:chance|try|shot)|get back (?:together|with "
        r"me))\b",
        # Blocked, unfollowed, removed: in any voice.
        r"\b(?:my (?:number|account|profile|messages|texts|calls)|i) (?:\w+ )?(?:is|are|was|were|has been|have "
        r"been|got|get|am|keep getting) (?:\w+ )?blocked\b|\bcalls? (?:\w+ )?(?:dont|do not|doesnt|wont|will "
        r"not|dont even) (?:even )?(?:go through|connect|ring)\b|\bmessages? (?:\w+ )?(?:dont|wont|do not|arent|"
        r"are not|never|no longer) (?:get )?deliver\w*\b|\b(?:un ?follow\w*|unfriend\w*|unadd\w*|unmatch\w*|soft "
        r"?block\w*|restrict\w*|delet\w*) me\b|\bremoved me (?:from|as|on)\b",
        # The law: police, lawyers, cease and desist, served papers.
        r"\bcease and desist\b|\b(?:his|her|their) (?:lawyer|attorney|solicitor)\b|\bserved (?:me )?(?:with )?"
        r"(?:papers|a notice|an order|legal)\b|\blegal action\b|\bpolice (?:report|warning)\b|\b{HE} (?:\w+ )"
        r"{0,6}(?:call|calling|called|report|reporting|reported|go to|going to|went to|contact|contacted|get|"
        r"involve|involving) (?:me to )?(?:the )?(?:police|cops|authorities)\b|\b(?:hell|hed|shell|shed|theyll|"
        r"theyd|{HE} (?:\w+ ){0,4}(?:will|would|is going to|s going to|going to|threatened to|said hed|wants to)) "
        r"(?:\w+ )?(?:report|call the (?:police|cops)|get the (?:police|cops)|call security|sue)\b",
        # A new partner and a clear stop.
        r"\b{HE} (?:\w+ ){0,4}(?:has a|got a|is with|s with|found|met|is seeing|s seeing|is dating|s dating|is "
        r"happy with|s happy with|got engaged|is engaged|s engaged|got married|is getting married|is in love "
        r"with|s in love with)\b.{0,60}\b(?:back off|leave (?:him|her|them|us) (?:alone|be|in peace)|its over|"
        r"move on|not to (?:contact|text|call|message|reach out)|(?:dont|never) (?:contact|text|call|message))\b",
        # Spanish, Portuguese, French, German, Italian, Russian.
        r"\bno quiere (?:volver|saber nada|verme|hablar|nada|estar conmigo|que (?:le )?(?:escriba|llame|busque|"
        r"contacte))\b|\bme (?:ha |tiene )?bloquead\w*|\bme bloqueo\b|\bdejame en paz\b|\bno me (?:escribas|"
        r"llames|busques|contactes)\b|\borden de alejamiento\b",
        r"\bnao quer (?:voltar|mais nada|me ver|falar|saber)\b|\bme bloqueou\b|\bme deixa em paz\b|\bnao me "
        r"(?:procure|procura|ligue|mande)\b|\bmedida protetiva\b",
        r"\bne veut (?:plus|pas) (?:revenir|me voir|me parler|de moi|entendre parler)\b|\bveut plus (?:me voir|de"
        r" moi|revenir|me parler)\b|\bma bloquee?\b|\bfous? moi la paix\b|\blaisse moi tranquille\b|\bne me "
        r"(?:contacte|recontacte|ecris|appelle) plus\b",
        r"\bhat mich blockiert\b|\bwill (?:nicht zuruck|keinen kontakt|mich nicht mehr sehen|nichts mehr von "
        r"mir)\b|\blass mich in ruhe\b|\bkontaktverbot\b|\bkein kontakt mehr\b",
        r"\bnon vuole (?:tornare|piu vedermi|vedermi|sentirmi|parlarmi|piu sentirmi)\b|\bmi ha bloccat\w*|"
        r"\blasciami in pace\b|\bnon (?:scrivermi|chiamarmi|cercarmi) piu\b",
        r"заблокировал|не хочет (?:возвращаться|меня видеть|со мной|общаться|быть со мной)|оставь меня в покое|"
        r"не пиши мне",
        # His stop in other words: stay away, lawyers, "harassment".
        r"\b(?:told|asked|wants|warned|said)(?: \w+){0,4} (?:to )?(?:stay|keep) (?:me )?away from\b|\bkeep me "
        r"away\b|\b(?:{HE}|hell|hed) (?:\w+ ){0,4}(?:get|getting|got|hire|hiring|hired|involve|contact|call)\w* "
        r"(?:a |his |her |their )?(?:lawyer|attorney|solicitor)s?\b|\b(?:are|as|be|its|is|of|for|considers?|"
        r"called it|calling it) harass\w*|\b{HE} (?:\w+ ){0,2}(?:asked|told|begged|wants|needs|said|warned) (?:me )?"
        r"(?:to )?(?:please )?(?:just )?(?:stop|quit)(?:$| (?:so|and|but|because|bc|now|please|already|it|for "
        r"good)\b)",
    ]
)


# --------------------------------------------------------------------------------------------------
# Drafts: a quoted text, or text after a colon or dash introduced by words like "draft" or "send".

_DRAFT_MARK = "xdraftx"  # survives normalise(): no letter repeated three times
_QUOTED = re.compile(r"\"[^\"]{2,}\"?|(?:^|(?<=[\s:(]))'(?:[^'\n]|(?<=\w)'(?=\w)){2,}'(?=$|[\s?.!,):;-])")
_INTRO = re.compile(
    r"^(?P<head>[^:\n]{0,80}?\b(?:text|message|msg|draft|send|sending|sound|sounds|ok|okay|thoughts|check|"
    r"rate|this|wrote|write|writing|opener|idea|reply|replied|said|says|sent|texted|answered|responded|"
    r"saying|like|work|works|verdict)\b[^:\n]{0,20}?)(?:\s*:\s*|\s+-+>?\s+|\s*=>\s*|\s*->\s*)(?P<body>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)
_ATTRIBUTED = re.compile(
    rf"\b(?:sent|said|says|replied|replies|answered|responded|wrote|texted|messaged|asked|typed|"
    rf"went with|(?:reply|respond|answer|replying|responding|answering) to)(?: \w+){{0,3}} {_DRAFT_MARK}\b"
)


def _cut_draft(text: str) -> str:
    """The message with a quoted or introduced draft replaced by a marker word."""
    text = text.translate(_QUOTES)
    cut = _QUOTED.sub(f" {_DRAFT_MARK} ", text)
    if cut != text:
        return cut
    intro = _INTRO.match(text)
    if intro:
        return f"{intro.group('head')} {_DRAFT_MARK}"
    return text


# --------------------------------------------------------------------------------------------------
# Exact signs the trained reader is given as features: a draft quoted or introduced, a command named, a message
# made only of greetings and thanks.

_SMALL_WORDS = frozenset(
    """hi hey hello hiya heya yo sup howdy hola morning evening afternoon night good gm gn thanks thank you
    so much very really ok cool nice great awesome sure yes yep yeah yup no nope nah lol lmao haha hahaha hehe
    got it sounds good bye see later cya the best amazing a lifesaver love appreciate perfect alright fine
    noted understood makes sense will do wow omg oh ah ahh hmm hm same true right are youre how is going
    there again all well done sweet kind lovely oki gotcha np welcome please aw aww xx xo wonderful
    brilliant this it""".split()
)
_COMMAND = re.compile(r"(?:^|\s)/[a-z]{3,}\b")  # "what does /journal do": a question about the bot
_SMALL_START = re.compile(r"^(?:hi|hey|hello|hiya|good (?:morning|evening|night)|thanks|thank you|ok|lol)\b")


def _small_talk(words: list[str]) -> bool:
    return len(words) <= 6 and all(w in _SMALL_WORDS or _DOUBLES.sub(r"\1", w) in _SMALL_WORDS for w in words)


def understand(text: str) -> Intent:
    """The likeliest intent of a free-text message, without context. Never raises; an empty or unreadable
    message is `other`. (`read` says more: how sure, what else it might be, whether to ask about safety.)"""
    return read(text).intent


# --------------------------------------------------------------------------------------------------
# Two readers. The exact rules above decide what must be exact: a safety statement made plainly, an empty or
# emoji-only message. Everything else goes to the trained reader (coach.reading), which sees the words, a
# sentence embedding, and what the rules found (as features, so it learns how far to trust each). It may
# raise a safety reading the rules missed, never lower one they found plainly.
#
# A safety rule that fires inside a frame is not taken as a plain statement: she negates it ("i'd never hurt
# myself"), jokes ("i'd die lol"), supposes or fears it ("what if he blocks me"), or tells of someone else
# or a story ("in the movie he stalks her"). Then the trained reader decides, and below ACT but above CHECK
# the coach asks her directly rather than guess either way.

_SAFETY = (Intent.CRISIS, Intent.UNSAFE, Intent.HE_SAID_NO)
# Probability at which the trained reader's safety reading is acted on at once, and the lower one at which
# the coach asks first ("Are you thinking about hurting yourself?"). Chosen on a held-out training file
# (see bench/README.md); a miss costs far more than a question, so CHECK sits low.
ACT = {Intent.CRISIS: 0.6, Intent.UNSAFE: 0.6, Intent.HE_SAID_NO: 0.6}
CHECK = {Intent.CRISIS: 0.15, Intent.UNSAFE: 0.25, Intent.HE_SAID_NO: 0.3}
# Below this the likeliest reading is a guess: the coach asks, offering the likeliest few.
SURE = 0.5
MARGIN = 0.2

# "no wait, ..." and "no sorry, ..." start a correction: that "no" negates nothing after it.
_NEGATED = re.compile(
    r"\b(?:not|never|no(?! (?:wait|sorry|actually|i mean|hold on)\b)|nor|dont|didnt|doesnt|wouldnt|wont|isnt|"
    r"wasnt|arent|werent|cant|couldnt|without|havent|hasnt|hadnt|instead of|nothing like|far from)\b"
    r"(?: \w+){0,5} ?$"
)
_SUPPOSED = re.compile(
    r"\b(?:what if|if|scared|afraid|terrified|worried|worry|fear|in case|might|maybe|imagine|pretend|"
    r"whether|wonder)\b(?: \w+){0,5} ?$"
)
_JOKING = re.compile(
    r"\b(?:lol|lmao|lmfao|rofl|haha\w*|hehe\w*|jk|just kidding|kidding|joking|figuratively|metaphorically)\b"
)
_JOKE_EMOJI = frozenset("\U0001f602\U0001f923\U0001f480\U0001f606\U0001f605\U0001f61c\U0001f92a")
_SOMEONE_ELSE = re.compile(
    r"\b(?:movie|film|show|series|episode|book|novel|podcast|song|lyrics|news|article|documentary|game|"
    r"thriller|my (?:friend|best friend|sister|brother|mom|mum|dad|father|mother|boss|cousin|coworker|"
    r"colleague|roommate|neighbou?r|therapist)|her ex|his (?:brother|dad|father|friend|ex)|years ago|"
    r"as a (?:teen|teenager|kid|child)|in (?:high )?school|by accident|accidentally|unblock\w*|last year|"
    r"in (?:19|20)\d\d|back then|other ex|friends ex|my friends)\b"
)


@dataclass(frozen=True, slots=True)
class Reading:
    """What a message most likely means, and how sure the coach may be of it."""

    intent: Intent
    confidence: float = 1.0  # the trained reader's probability (1.0 where an exact rule decided)
    alternatives: tuple[Intent, ...] = ()  # set when unsure: the likeliest readings after `intent`
    check: Intent | None = None  # a safety reading too unsure to act on: ask her about it first
    unreadable: bool = False  # mostly in a script the readers were not trained on

    @property
    def sure(self) -> bool:
        return not self.alternatives and self.check is None


def _framed(norm: str, raw: str, at: int) -> bool:
    before = norm[max(0, at - 60) : at]
    return bool(
        _NEGATED.search(before)
        or _SUPPOSED.search(before)
        or _JOKING.search(norm)
        or _SOMEONE_ELSE.search(norm)
        or any(c in _JOKE_EMOJI for c in raw)
    )


def _load_plain_safety() -> tuple[tuple[Intent, re.Pattern[str]], ...]:
    rows = (DATA / "plain_safety.tsv").read_text(encoding="utf-8").splitlines()[1:]
    pairs = [row.split("\t", 1) for row in rows if row.strip()]
    return tuple((Intent(intent), _compile([pattern])) for intent, pattern in pairs)


# Plain safety statements, in priority order (crisis, unsafe, his no): data, so they can be read and reviewed.
_PLAIN_SAFETY = _load_plain_safety()
_BROAD_SAFETY = tuple(
    (intent, Prefiltered(pattern))
    for intent, pattern in (
        (Intent.CRISIS, _CRISIS),
        (Intent.UNSAFE, _UNSAFE),
        (Intent.HE_SAID_NO, _HE_SAID_NO),
    )
)


def _plain_safety(norm: str, raw: str) -> Intent | None:
    """The safety intent a plain statement makes (outside any frame), or None."""
    for intent, pattern in _PLAIN_SAFETY:
        if any(not _framed(norm, raw, m.start()) for m in pattern.finditer(norm)):
            return intent
    return None


def _safety_hints(norm: str, raw: str) -> list[str]:
    """What the broad safety patterns (tuned for recall, so they also fire on jokes and negations) found,
    for the trained reader to weigh: e.g. "crisis:framed"."""
    hints = []
    for intent, pattern in _BROAD_SAFETY:
        match = pattern.search(norm)
        if match is not None:
            hints.append(f"{intent.value}:{'framed' if _framed(norm, raw, match.start()) else 'plain'}")
    return hints


def model_input(text: str) -> tuple[str, tuple[str, ...]]:
    """What the trained reader sees: the normalised message with any draft cut out, and what the rules found
    in it (a scored intent, a safety rule in or out of a frame). Training uses exactly this."""
    start = text[:_MODEL_CHARS]
    extra = _safety_hints(normalise(start), start)
    frame = normalise(_cut_draft(start))
    extra += _exact_signs(start, frame)
    return frame, tuple(extra)


def _exact_signs(text: str, frame: str) -> list[str]:
    words = frame.split()
    signs = []
    if _DRAFT_MARK in words and not _ATTRIBUTED.search(frame):
        signs.append("draft")
    if _COMMAND.search(text):
        signs.append("command")
    if _small_talk(words):
        signs.append("small")
    elif len(words) <= 4 and _SMALL_START.match(frame):
        signs.append("greeting")
    return signs


# A message is read once per step, but `understand` and a retry may ask again; pure, so a few are remembered.
@functools.lru_cache(maxsize=8)
def read(text: str) -> Reading:
    """Both readers on one message. Never raises: an unreadable message is `other`."""
    try:
        return _read(text if isinstance(text, str) else str(text))
    except Exception:  # a reader bug must not take the bot down; the coach then asks what she meant
        return Reading(Intent.OTHER, 0.0)


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
# Sentences are read one by one only where the whole message leaves some doubt about safety: of the training
# messages of two or more sentences that are not about safety, about a quarter; on the four folds of bench/cv.py
# that cost 0.5 points of crisis recall (0.935 -> 0.930).
POOL_FLOOR = 0.03
_MAX_SENTENCES = 6  # bounds the cost of a long message; _MODEL_CHARS already bounds its length


def _sentences(text: str) -> list[str]:
    """The sentences of a message of two or more, each of three words or more; else none."""
    parts = [p for p in _SENTENCE_END.split(text) if len(p.split()) >= 3]
    return parts[:_MAX_SENTENCES] if len(parts) >= 2 else []


def _read(text: str) -> Reading:
    norm = normalise(text[:_SAFETY_CHARS])
    if not norm:
        # Emoji or punctuation only ("👍", "❤️", "?!") is a reaction, not a report.
        return Reading(Intent.SMALL_TALK if text.strip() else Intent.OTHER)
    plain = _plain_safety(norm, text[:_SCORED_CHARS])
    if plain is not None:
        return Reading(plain)
    if not _mostly_latin(norm):
        # Neither reader knows this script: only the broad safety patterns (which know a few) may speak.
        hint = next((i for i, p in _BROAD_SAFETY if p.search(norm)), None)
        if hint is not None:
            return Reading(hint)
        return Reading(Intent.OTHER, 0.0, unreadable=True)
    frame, extra = model_input(text)
    model = _intent_model()
    probs = {Intent(label): p for label, p in model.probabilities(frame, extra).items()}
    for intent in _SAFETY:
        if probs[intent] >= ACT[intent]:
            return Reading(intent, probs[intent])
    # A quiet line in a long message is diluted in the whole message's reading, so each sentence is read too.
    # Out of its message a sentence is easier to misread: it may raise a question, never act on its own.
    worst = {s: probs[s] for s in _SAFETY}
    parts = _sentences(text[:_MODEL_CHARS]) if max(worst.values()) >= POOL_FLOOR else []
    for part in parts:
        part_probs = model.probabilities(*model_input(part))
        for intent in _SAFETY:
            worst[intent] = max(worst[intent], part_probs[intent.value])
    check = next((s for s in _SAFETY if worst[s] >= CHECK[s]), None)
    ranked = sorted((i for i in probs if i not in _SAFETY), key=probs.__getitem__, reverse=True)
    best, second = ranked[0], ranked[1]
    if probs[best] >= SURE and probs[best] - probs[second] >= MARGIN:
        return Reading(best, probs[best], check=check)
    alternatives = tuple(i for i in ranked[1:3] if probs[i] >= 0.1) or (second,)
    return Reading(best, probs[best], alternatives=alternatives, check=check)


# --------------------------------------------------------------------------------------------------
# Answers to the coach's own questions.

_YES = re.compile(
    r"^(?:yes|yeah|yea|yep|yup|ya|yas|yess|sure|indeed|finally|si|oui|ja|sim|affirmative|he did|she did|"
    r"they did|of course|he has|she has|they have)\b"
)
_NO = re.compile(
    r"^(?:no|nope|nah|nay|not yet|nothing|not really|never|nada|non|nein|nao|still no|still nothing|he didnt|"
    r"she didnt|they didnt|he hasnt|she hasnt|they havent|zero|none)\b|\bnot even (?:read|opened|seen)\b|"
    r"\bleft (?:me )?on (?:read|delivered)\b|\bradio silence\b|\bcrickets\b|\bstill waiting\b"
)


def yes_or_no(text: str) -> bool | None:
    """Her answer to a yes/no question: True, False, or None when it is neither."""
    norm = normalise(text[:_SCORED_CHARS])
    if _NO.search(norm):
        return False
    if _YES.search(norm):
        return True
    return None


_NAME_INTRO = re.compile(
    r"^(?:his name is|her name is|their name is|hes called|shes called|theyre called|he is called|"
    r"call him|call her|call them|its|it is|name is|names|just)\s+",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:[-'’.][^\W\d_]+)*\.?$")
# Short words that are never his name: greetings, replies, questions about the bot.
_NOT_A_NAME = frozenset(
    """hi hey hello hiya yo sup hola ok okay k yes no yeah nope thanks thank you help what who why how when
    where huh hmm idk start stop menu test hallo bonjour hii heyy lol haha sorry please pls wait back
    cancel settings nothing none him her them he she they ex my boyfriend idiot""".split()
)


def name_in(text: str) -> str | None:
    """The name in her answer to "What should I call him?" ("Mark", "his name is Mark"), or None when her
    words do not look like a name ("hi", "what is this", a sentence)."""
    words = _NAME_INTRO.sub("", " ".join(text.split()).strip(" .!?,")).split()
    if not 1 <= len(words) <= 3 or not all(_NAME_WORD.match(w) for w in words):
        return None
    if " ".join(words).lower() in _NOT_A_NAME or words[0].lower() in _NOT_A_NAME:
        return None
    return " ".join(words)


def _mostly_latin(norm: str) -> bool:
    letters = [c for c in norm if c.isalpha()]
    return sum(c.isascii() for c in letters) * 2 >= len(letters)


def _intent_model() -> LinearModel:
    return shipped("intent_model")


# --------------------------------------------------------------------------------------------------
# Manipulation: she asks how to play him (jealousy, guilt, lies, tests, pressure, surveillance, threats).

_ASKS = (
    r"(?:should|can|could|would|shall|do|will|might|may) i|how (?:do|can|could|would|should|to|might) i|"
    r"how to|help me|i (?:want|need|am going|m going|will|ll|plan|think i should|might)|im going|"
    r"is it ok(?:ay)? (?:to|if i)|what if i|would it work if i|tell me how|ways? to|best way to|"
    r"going to|trying to|want to|planning to|idea to|lets|i should|maybe i"
)
_MANIPULATION = _compile(
    [
        r"\bmake (?:him|her|them|my ex) (?:\w+ )?(?:jealous|regret|feel guilty|"
        r"feel bad|sorry|miss me|come back|crawl back|panic|beg|chase|worry|worried|insecure|think i|believe|"
        r"realise|realize what he lost|pay|suffer)\b",
        r"\bguilt ?trip\w*|\bguilt (?:him|her|them|my ex)\b|\bmanipulat\w* (?:him|her|them|my ex)\b|"
        r"\breverse psychology\b|\btrick (?:him|her|them|my ex)\b|\bmind games?\b|\bgaslight\w*",
        rf"\b(?:{_ASKS}) (?:\w+ ){{0,2}}(?:pretend|fake|lie|lying|bluff)\b",
        r"\bpretend (?:to be |that |like )?(?:i|im|i am|to have|i have|to)\b|\bfake (?:a |an |my |being |"
        r"date|boyfriend|relationship|pregnan|illness|sick|accident|emergency|engagement)\w*",
        r"\b(?:lie|lying) (?:to (?:him|her|them|my ex)|about)\b|\btell (?:him|her|them) (?:that )?i(?:m| am)? "
        r"(?:\w+ )?(?:pregnant|dying|engaged|seeing someone|dating someone|with someone)\b(?=.*\b(?:so|to make|"
        r"then|even though|when|although|but im not|isnt true|not true|not really)\b)",
        rf"\b(?:{_ASKS}) (?:\w+ ){{0,3}}test (?:him|her|them|my ex|his|her|their|if|whether)\b|\btest (?:his|"
        rf"her) (?:love|loyalty|feelings)\b",
        r"\bto see if (?:he|she|they) (?:\w+ )?(?:cares|care|loves|love|misses|miss|notices|notice|gets "
        r"jealous|get jealous|will chase|chases|reacts|comes back|come running|panics)\b",
        r"\b(?:track|stalk|spy on|follow|monitor|check) (?:\w+ )?(?:him|her|them|his|their|my exs)"
        r"(?: \w+)?(?: location| phone| whereabouts| messages| texts| dms| emails| account| car|\b)",
        r"\b(?:find|know|see|check|find out) (?:out )?where (?:he|she|they) (?:is|goes|lives|are)\b|"
        r"\b(?:his|her|their) (?:location|whereabouts|password|passcode)\b|\b(?:fake|second|burner|secret) "
        r"(?:account|profile|instagram|number)\b|\bhack\w*|\bfind my iphone\b|\blife ?360\b|\bair ?tag\b",
        r"\b(?:read|go through|check|get into|look through|log into|hack into) (?:\w+ )?(?:his|her|their) "
        r"(?:phone|texts|messages|dms|email|emails|account|instagram|insta|facebook|snap|snapchat|whatsapp)\b",
        r"\bthreat\w* (?:to )?(?:\w+ )?(?:hurt|kill|harm|cut) myself\b",
        r"\b(?:threaten|tell|text|say|warn)\w* (?:him|her|them|my ex)?(?: that)? ?(?:i will|ill|im going to|"
        r"i would|id|i might) (?:hurt|kill|harm|cut|end)\b|\bif (?:he|she|they) (?:doesnt|does not|dont|wont|"
        r"will not|refuses to) (?:\w+ ){0,3}(?:i will|ill|im going to|i would|i might) (?:hurt|kill|harm|end|"
        r"do something)\b|\b(?:hurt|kill|harm) myself (?:\w+ )?(?:if|unless) (?:he|she|they)\b",
        r"\bpressure (?:him|her|them|my ex)\b|\bultimatum\b|\bforce (?:him|her|them|my ex)\b|\bnow or never\b|"
        r"\bblow up (?:his|her|their) phone\b|\b(?:keep|keeps) (?:calling|texting) (?:\w+ )?until\b|"
        r"\b(?:wait|camp|stand|sit) outside (?:his|her|their) (?:\w+ )?(?:house|place|door|work|apartment)\b",
        r"\bpost (?:\w+ ){0,3}with (?:another|other|a|some) (?:guy|guys|man|men|dude|boy|hot|cute)\w*\b|"
        r"\b(?:flirt|hook up|sleep) with (?:his|her|their) (?:friend|brother|best friend|cousin|roommate)\b|"
        r"\buse (?:another|other|a) (?:guy|man|dude)\b",
        r"\b(?:ignore|ghost) (?:him|her|them) (?:\w+ )?(?:so|to make|to see|until)\b|\bplay hard to get\b|"
        r"\bplay (?:games|it cool so)\b",
    ]
)


# "I don't want to make him jealous" names the trick only to refuse it.
_REFUSED = re.compile(r"\b(?:dont|do not|never|not|wont|refuse to|no way)\b(?: \w+){0,3} ?$")


@functools.lru_cache(maxsize=4)  # asked twice per message (interpret, then the step); pure
def asks_for_manipulation(text: str) -> bool:
    """True when she asks how to play him rather than reach him honestly. Never raises."""
    try:
        norm = normalise(text[:_SAFETY_CHARS])
        return any(
            not _REFUSED.search(norm[max(0, m.start() - 40) : m.start()])
            for m in _MANIPULATION.finditer(norm)
        )
    except Exception:  # a wrong answer here is recoverable; a crash in the bot is not
        return False
