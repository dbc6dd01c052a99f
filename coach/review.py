"""Check my text: is this draft OK to send to him?

The verdict is one of send, tweak, wait or dont_send; each rule that fires adds a reason, and the worst reason
decides the verdict (dont_send > wait > tweak > send). The rules come from the two source texts
(../shared/program/):

- short and sweet: a long message is a tweak;
- nothing negative, no blame ("you always", "your fault"), no bad memories (fights, the breakup night): the
  texts say bad times only remind him why it ended;
- not needy or pushy: pleading, a pile of questions, demands and ultimatums ("why are you ignoring me");
- nothing that commits him before the stage allows it ("I still love you", "get back together" before
  the_option) and nothing ominous ("we need to talk");
- never manipulation: threats, showing up uninvited, jealousy plays and guilt are dont_send, because they take
  his choice away (PROGRAM.md, care and consent). Showing up uninvited is counted with threats here.
- timing: not during no_contact, not while he has not answered her last text (never a double text), and not in
  the middle of her night: those are wait, since the words may be fine but the moment is not.
- consent: if he said no, or she is unsafe with him, no draft is sent at all.

A verdict other than send comes with `better`: a kinder, shorter version that itself passes as send for the
stage (her own sentences with the problem ones left out, or else a short text from the program for her stage),
or, when nothing should go to him now, what to do instead (write it as an unsent letter).

Pure: plain strings in, a Review out. The words of the explanations live in coach/copy/drafts.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from coach.copy import drafts
from coach.vocabulary import Pronoun, Stage


class Verdict(StrEnum):
    SEND = "send"
    TWEAK = "tweak"
    WAIT = "wait"
    DONT_SEND = "dont_send"


class Reason(StrEnum):
    # tweak: the words need work
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NEGATIVE = "negative"
    BLAME = "blame"
    NEEDY = "needy"
    TOO_MANY_QUESTIONS = "too_many_questions"
    DEMAND = "demand"
    BAD_MEMORY = "bad_memory"
    TOO_SOON = "too_soon"
    OMINOUS = "ominous"
    # dont_send: manipulation or disrespect of his choice
    THREAT = "threat"
    SHOWING_UP = "showing_up"
    JEALOUSY = "jealousy"
    GUILT = "guilt"
    # wait: the moment is wrong
    NO_CONTACT = "no_contact"
    AWAITING_REPLY = "awaiting_reply"
    LATE_NIGHT = "late_night"
    # consent and safety
    HE_SAID_NO = "he_said_no"
    UNSAFE = "unsafe"


_DONT_SEND = frozenset(
    {Reason.THREAT, Reason.SHOWING_UP, Reason.JEALOUSY, Reason.GUILT, Reason.HE_SAID_NO, Reason.UNSAFE}
)
_WAIT = frozenset({Reason.NO_CONTACT, Reason.AWAITING_REPLY, Reason.LATE_NIGHT})
# Reasons after which nothing should go to him now, so `better` is advice for her rather than a text.
ADVICE_REASONS = frozenset({Reason.HE_SAID_NO, Reason.UNSAFE, Reason.NO_CONTACT, Reason.AWAITING_REPLY})

_SEVERITY = {Verdict.SEND: 0, Verdict.TWEAK: 1, Verdict.WAIT: 2, Verdict.DONT_SEND: 3}


def verdict_of(reason: Reason) -> Verdict:
    if reason in _DONT_SEND:
        return Verdict.DONT_SEND
    if reason in _WAIT:
        return Verdict.WAIT
    return Verdict.TWEAK


@dataclass(frozen=True)
class Review:
    verdict: Verdict
    reasons: tuple[Reason, ...]
    better: str | None


# --------------------------------------------------------------------------------------------------
# The rules. Patterns run on a lower-cased copy with curly quotes made straight, so "I’m" matches "i'm".

MAX_CHARS = 200  # a text longer than a couple of short sentences stops being "short and sweet"
MAX_WORDS = 40
MAX_QUESTIONS = 2  # three questions in one text reads as an interrogation
NIGHT_HOURS = frozenset({23, 0, 1, 2, 3, 4, 5})

# Stages at which putting the option out there is the step itself, or already behind her.
_COMMITMENT_OK = frozenset({Stage.THE_OPTION, Stage.HIS_MOVE, Stage.TOGETHER})

_I_WILL = r"(?:i'll|i will|i'm going to|im going to|i am going to|gonna)"
_I_AM = r"(?:i'm|im|i am)"
_I_HAVE = r"(?:i've|ive|i have)"
_PLACE = r"(?:place|house|home|flat|apartment|door|work|office|job|building|gym|parents)"


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_RULES: tuple[tuple[Reason, re.Pattern[str]], ...] = (
    (
        Reason.NEGATIVE,
        _rx(
            r"\bhate\b",
            r"\bhated\b",
            r"\bmiserable\b",
            r"\bworst\b",
            r"\bruin(?:ed)?\b",
            r"\bcan't stand\b",
            r"\bdisgust",
            r"\bpathetic\b",
            r"\bstupid\b",
            r"\bidiot",
            r"\bsucks?\b",
            r"\bterrible\b",
            r"\bawful\b",
            r"\bhorrible\b",
            r"\bselfish\b",
            r"\bliar\b",
            r"\bjerk\b",
            r"\bloser\b",
            r"\bshut up\b",
            r"\bscrew you\b",
            r"\bf+u+c+k",
            r"\bf\*+",
            r"\bshit",
            r"\bbitch",
            r"\bdisappointed in you\b",
            r"\b(?:angry|mad|furious|pissed) (?:at|with) you\b",
            r"\bso (?:angry|mad|furious|pissed)\b",
        ),
    ),
    (
        Reason.BLAME,
        _rx(
            # "you always" is blame unless what follows is kind ("you always made me laugh")
            r"\byou always\b(?!\s+(?:knew|know|made me (?:laugh|smile)|make me (?:laugh|smile)|had the best"
            r"|have the best|looked|look|were so (?:good|kind|funny|sweet)|find|found|give the best))",
            r"\byou never\b(?!\s+fail)",
            r"\byour fault\b",
            r"\bbecause of you\b",
            r"\bthanks to you\b(?=.*\b(?:ruin|lost|alone|mess|pain|hurt))",
            r"\byou ruined\b",
            r"\byou made me\b(?!\s+(?:laugh|smile|happy|so happy|feel good|feel safe|better))",
            r"\byou did too\b",
            r"\byou (?:did|started) this\b",
            r"\byou(?:'re| are| were) the one who\b",
            r"\bit(?:'s| is| was) on you\b",
            r"\byou should(?:n't| not)? have\b",
            r"\byou should've\b",
            r"\byou (?:messed|screwed) (?:up|it up|everything up)\b",
            r"\byou hurt me\b",
            r"\byou broke (?:us|it|everything)\b",
            r"\byou (?:left|dumped) me\b",
        ),
    ),
    (
        Reason.NEEDY,
        _rx(
            r"\bplease\b.{0,20}\b(?:talk to me|answer|reply|respond|call me|text me|write back|come back"
            r"|don't ignore|give me)",
            r"\b(?:answer|reply to|respond to|talk to) me\b(?!\s+(?:whenever|when you|if you))",
            r"\bwhy (?:aren't|are not|arent|won't|wont|will not|don't|dont|do not|didn't|didnt|haven't)"
            r" you\b",
            r"\bwhy are you (?:ignoring|avoiding|not)\b",
            r"\bignoring me\b",
            r"\b(?:i|i really) need you\b",
            r"\bcan't (?:live|breathe|go on|cope|function) without you\b",
            r"\bcan't stop thinking about you\b",
            r"\b(?:i'll|i will) do anything\b",
            r"\bbeg(?:ging)?\b",
            r"\bdid you (?:get|see|read) my (?:text|message|messages|texts)\b",
            r"\b(?:are you|you) there\?",
            r"\bhello\?",
            r"\?\?",
            r"!!!",
            r"\bjust give me (?:a|one) (?:chance|minute|second)\b",
        ),
    ),
    (
        Reason.DEMAND,
        _rx(
            # "you have to try the new place" is a tip, not a demand
            r"\byou (?:have to|must|need to|got to|gotta)\b(?!\s+(?:try|see|watch|hear|check out|read|listen"
            r"|visit|taste|go to the|meet my dog))",
            r"\byou(?:'d)? better\b",
            r"\bi need you to\b",
            r"\bi (?:want|need|deserve|demand) (?:an answer|answers|a reply|an explanation|to know now)\b",
            r"\btell me (?:now|right now|the truth)\b",
            r"\b(?:answer|reply to|call|text|respond to|talk to) me\b.{0,10}\b(?:now|asap|immediately)\b",
            r"\b(?:by|before) (?:tonight|tomorrow|the end of the day|midnight)\b",
            r"\bor (?:i'm|i am|we're|we are) (?:done|through|finished|gone)\b",
            r"\blast chance\b",
            r"\bnow or never\b",
            r"\bmake up your mind\b",
            r"\bif you (?:don't|do not|won't|dont|wont) .{0,60}\b" + _I_WILL + r"\b",
            r"\bcall me (?:now|back now|asap|immediately)\b",
        ),
    ),
    (
        Reason.BAD_MEMORY,
        _rx(
            # "our pillow fight" is a good memory: only a bare "our fight" counts
            r"\b(?:our|that|the|this|last) (?:big |huge )?fights?\b",
            r"\bfight we had\b",
            r"\bwe (?:fought|argued|yelled|screamed)\b",
            r"\b(?:our|that|the|last) (?:argument|row|blow-up|blowup|screaming match)\b",
            r"\b(?:the|our) break-?up\b",
            r"\bwhen (?:we|you) (?:broke up|split up|split|ended it|ended things|dumped me|left me)\b",
            r"\bthe (?:night|day|morning) (?:you|we) (?:left|broke up|split|walked out|ended)\b",
            r"\bcheat(?:ed|ing)?\b",
            r"\bthat (?:awful|horrible|terrible|bad) (?:night|day|time|weekend|trip)\b",
            r"\b(?:screaming|yelling) at (?:me|you|each other)\b",
        ),
    ),
    (
        Reason.TOO_SOON,
        _rx(
            r"\b(?:i )?(?:still )?love you\b",
            r"\bin love with you\b",
            r"\b(?:get|getting|got|be|being) back together\b",
            r"\bgive (?:us|it|this|me) another (?:shot|chance|try|go)\b",
            r"\banother (?:chance|shot) (?:at|for) us\b",
            r"\btry (?:us )?again\b(?=.*\bus\b)",
            r"\bbe (?:together|with you) again\b",
            r"\bbe mine\b",
            r"\bbelong together\b",
            r"\bmeant to be\b",
            r"\bsoul ?mate\b",
            r"\bmarry\b",
            r"\bmove back in\b",
            r"\byou(?:'re| are) the one\b",
            r"\bwant you back\b",
            r"\bmiss us\b",
            r"\bcome back to me\b",
        ),
    ),
    (
        Reason.OMINOUS,
        _rx(
            r"\bwe (?:need|have|got) to talk\b",
            r"\bwe should talk\b",
            r"\bi (?:need|have) to talk to you\b",
            r"\bneed to speak (?:to|with) you\b",
            r"\bi have something (?:important )?to tell you\b",
            r"\bit's important\b",
            r"\bcall me\b.{0,10}\bimportant\b",
        ),
    ),
    (
        Reason.THREAT,
        _rx(
            r"\byou(?:'ll| will| are going to|'re going to) regret\b",
            r"\bor else\b",
            r"\b" + _I_WILL + r" (?:tell|show) (?:everyone|everybody|your|the world)\b",
            r"\b"
            + _I_WILL
            + r" (?:post|share|send) (?:the|those|your|our) (?:photos|pics|pictures|messages|texts)",
            r"\b" + _I_WILL + r" (?:hurt|ruin|destroy|make you pay|make you sorry|get you)\b",
            r"\bmake you pay\b",
            r"\bkill\b",
            r"\bwatch your back\b",
            r"\bi know where you (?:live|work)\b",
            r"\byou'll be sorry\b",
        ),
    ),
    (
        Reason.SHOWING_UP,
        _rx(
            r"\b(?:i'm|im|i am|i'll|i will) (?:coming|come) (?:over|round|around|to your|by your|to see you)\b",
            r"\b"
            + _I_WILL
            + r" (?:come|show up|stop by|drop by|turn up|swing by) (?:at |to |by |round )?your "
            + _PLACE,
            r"\bcome find you\b",
            r"\boutside your " + _PLACE + r"\b",
            r"\b(?:at|by|near|in front of|outside) your " + _PLACE + r"\b.{0,20}\b(?:now|tonight|waiting)\b",
            r"\b" + _I_AM + r" (?:at|outside|by|near) your\b",
            r"\b" + _I_AM + r" (?:waiting )?outside\b",
            r"\b" + _I_WILL + r" (?:be )?(?:outside|waiting for you|wait for you)\b",
            r"\bon my way (?:over|to your|to you)\b",
            r"\bshow(?:ing)? up at your\b",
        ),
    ),
    (
        Reason.JEALOUSY,
        _rx(
            r"\b(?:"
            + _I_HAVE
            + r" been|"
            + _I_AM
            + r") (?:seeing|dating|talking to) (?:someone|somebody|a guy|"
            r"a girl|this guy|this girl|other|new)",
            r"\b(?:" + _I_AM + r"|" + _I_HAVE + r" been) dating\b",
            r"\bmy new (?:guy|man|boyfriend|bf|girlfriend|gf|partner|crush|date)\b",
            r"\b(?:i|i've|i have) met someone\b",
            r"\bwent (?:on|out on) a date\b",
            r"\bmy date (?:last night|yesterday|tonight|this weekend)\b",
            r"\b(?:guys|men|people|someone|somebody) (?:keep|keeps) (?:asking me out|hitting on me|flirting)\b",
            r"\bsomeone else (?:is|has been) (?:interested|asking)\b",
            r"\bother (?:guys|men)\b",
            r"\bhooked up\b",
            r"\bmoved on\b.{0,20}\b(?:someone|guy|man)\b",
        ),
    ),
    (
        Reason.GUILT,
        _rx(
            r"\bafter (?:everything|all) (?:i(?:'ve| have)? done|i did|i gave)\b",
            r"\byou owe me\b",
            r"\byou broke my heart\b",
            r"\bhope you(?:'re| are) happy (?:now|with yourself)\b",
            r"\bhope (?:she|he|they) makes? you happy\b",
            r"\blook (?:at )?what you(?:'ve)? (?:did|done)\b",
            r"\bi (?:cry|cried|have cried|can't sleep|can't eat|don't eat)\b.{0,30}\b(?:because of you|every"
            r" night|every day|all night|since you)\b",
            r"\byou (?:don't|do not|never|didn't) (?:even )?care\b",
            r"\bdo you even care\b",
            r"\bhow could you\b",
            r"\bi (?:guess|suppose) i (?:don't|do not|never) matter",
            r"\bi gave you everything\b",
            r"\byou made me feel (?:worthless|stupid|terrible|awful|small|like nothing)\b",
            r"\bnobody will ever love you\b",
            r"\bhope you(?:'re| are) (?:proud|satisfied)\b",
        ),
    ),
)


# Texting drops apostrophes ("cant", "im"): put them back so one pattern covers both spellings.
_APOSTROPHES = {
    "cant": "can't",
    "dont": "don't",
    "wont": "won't",
    "im": "i'm",
    "ive": "i've",
    "youre": "you're",
    "youll": "you'll",
    "arent": "aren't",
    "isnt": "isn't",
    "didnt": "didn't",
    "havent": "haven't",
    "wasnt": "wasn't",
    "u": "you",
    "ur": "your",
}
_NO_APOSTROPHE = re.compile(r"\b(" + "|".join(_APOSTROPHES) + r")\b")


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = " ".join(text.lower().split())
    return _NO_APOSTROPHE.sub(lambda m: _APOSTROPHES[m.group(1)], text)


def _content_reasons(text: str, stage: Stage) -> list[Reason]:
    """The rules about the words themselves, in the order of _RULES (timing and consent come elsewhere)."""
    norm = _normalise(text)
    found: list[Reason] = []
    if not norm:
        return [Reason.EMPTY]
    if len(norm) > MAX_CHARS or len(norm.split()) > MAX_WORDS:
        found.append(Reason.TOO_LONG)
    if len(re.findall(r"\?+", norm)) > MAX_QUESTIONS:
        found.append(Reason.TOO_MANY_QUESTIONS)
    for reason, pattern in _RULES:
        if reason is Reason.TOO_SOON and stage in _COMMITMENT_OK:
            continue
        if pattern.search(norm):
            found.append(reason)
    return found


def _as_stage(stage: Stage | str) -> Stage:
    if isinstance(stage, Stage):
        return stage
    try:
        return Stage(stage.strip().lower())
    except ValueError:
        return Stage[stage.strip().upper()]


def _sort(reasons: list[Reason]) -> tuple[Reason, ...]:
    """Worst first, and each reason once."""
    unique = list(dict.fromkeys(reasons))
    return tuple(sorted(unique, key=lambda r: -_SEVERITY[verdict_of(r)]))


def review_draft(
    text: str,
    stage: Stage | str,
    *,
    awaiting_reply: bool = False,
    local_hour: int | None = None,
    he_said_no: bool = False,
    unsafe: bool = False,
    his_name: str = "",
    pronoun: Pronoun = Pronoun.HE,
    **_ignored: object,
) -> Review:
    """The verdict on a draft for her stage. Unknown keyword arguments are ignored, so callers may pass more."""
    st = _as_stage(stage)
    content = _content_reasons(text, st)
    reasons = list(content)
    if he_said_no:
        reasons.append(Reason.HE_SAID_NO)
    if unsafe:
        reasons.append(Reason.UNSAFE)
    if st is Stage.NO_CONTACT:
        reasons.append(Reason.NO_CONTACT)
    if awaiting_reply:
        reasons.append(Reason.AWAITING_REPLY)
    if local_hour is not None and local_hour in NIGHT_HOURS:
        reasons.append(Reason.LATE_NIGHT)
    ordered = _sort(reasons)
    if not ordered:
        return Review(Verdict.SEND, (), None)
    verdict = max((verdict_of(r) for r in ordered), key=lambda v: _SEVERITY[v])
    return Review(verdict, ordered, _better(text, st, ordered, content, his_name, pronoun))


def _better(
    text: str, stage: Stage, reasons: tuple[Reason, ...], content: list[Reason], name: str, pronoun: Pronoun
) -> str:
    # Safety first: when he said no, or she is not safe with him, no text to him is "better".
    instead = (
        (Reason.UNSAFE, drafts.INSTEAD_UNSAFE),
        (Reason.HE_SAID_NO, drafts.INSTEAD_HE_SAID_NO),
        (Reason.NO_CONTACT, drafts.INSTEAD_NO_CONTACT),
        (Reason.AWAITING_REPLY, drafts.INSTEAD_AWAITING_REPLY),
    )
    for reason, advice in instead:
        if reason in reasons:
            # Advice to her, about him: his pronouns filled like every other line she reads.
            return drafts.fill(advice, name=name, pronoun=pronoun)
    if not content:
        return text.strip()  # only the hour was wrong: the same words, in the morning
    return _salvage(text, stage) or drafts.fill(drafts.review_fallback(stage), name=name, pronoun=pronoun)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?…])\s+", " ".join(text.split())) if s]


def _salvage(text: str, stage: Stage) -> str | None:
    """Her own words with the problem sentences left out, if enough of them is left to be worth sending."""
    kept: list[str] = []
    questions = 0
    for sentence in _sentences(text):
        if _content_reasons(sentence, stage):
            continue
        if "?" in sentence:
            questions += 1
            if questions > 1:  # one question is enough to keep a chat going
                continue
        if len(" ".join([*kept, sentence])) > MAX_CHARS * 3 // 4:
            break
        kept.append(sentence)
    candidate = " ".join(kept)
    if candidate == " ".join(text.split()) or len(re.findall(r"\w+", candidate)) < 3:
        return None
    if _content_reasons(candidate, stage):
        return None
    return candidate


# --------------------------------------------------------------------------------------------------
# Finding the draft inside a check_draft message.

_QUOTED = (
    re.compile(r'"([^"]+)"'),
    re.compile(r"“([^”]+)”"),
    re.compile(r"«([^»]+)»"),
    # single quotes only where they open and close a phrase, so "don't" and "I'm" are not taken for quotes
    re.compile(r"(?:^|(?<=[\s:(\-]))[‘'](.+?)[’'](?=$|[\s?.!,:;)\-])"),
)
_AFTER_COLON = re.compile(r"^[^:]*?\D:\s+(.+)$")
_AFTER_DASH = re.compile(r"\s[-–—]+\s+(.+)$")
_AFTER_VERB = re.compile(
    r"\b(?:(?:send|text|message|tell)\s+(?:him|her|them)"
    r"|thinking (?:of|about) (?:sending|texting|saying)(?:\s+(?:him|her|them))?"
    r"|if i (?:text|send|say|write))\b[\s,]*(.+)$",
    re.IGNORECASE,
)
# Words after "text him" that are not a draft: "should I text him tonight?", "can I send him this?"
_NOT_A_DRAFT = frozenset(
    "this that it something anything now tonight today tomorrow again back first or a an about after before"
    " when if later first yet at".split()
)


def extract_draft(message: str) -> str | None:
    """The draft she wants checked, or None when the message holds none (then the bot asks for it)."""
    message = message.strip()
    if not message:
        return None
    quoted = [m.group(1).strip() for pattern in _QUOTED for m in pattern.finditer(message)]
    quoted = [q for q in quoted if re.search(r"\w", q)]
    if quoted:
        return max(quoted, key=len)
    for pattern in (_AFTER_COLON, _AFTER_DASH):
        m = pattern.search(message)
        if m and re.search(r"\w", m.group(1)):
            return m.group(1).strip()
    m = _AFTER_VERB.search(message)
    if m:
        draft = m.group(1).strip()
        first = re.sub(r"[^\w']", "", draft.split()[0].lower()) if draft.split() else ""
        if first and first not in _NOT_A_DRAFT:
            return draft
    return None
