"""The words of "What should I text him?" and "Check my text": templates, reasons, and how both are shown.

Templates are keyed by stage and tone, with several variants each so that "another set" shows new words.
Placeholders: {name} (his name; when unknown, the name and a comma before it simply drop out, so write it as
"Hey {name}, ..." or "..., {name} 🙂"), {he} {him} {his} {He} (from facts.pronoun; in the "why" lines, never
before a present-tense verb, since "they" takes a different verb form), {memory} (a good memory she saved) and
{now_into} (what he is into now); the intros also use {who} / {Who} (his name, or the pronoun). A template
with {memory} or {now_into} is only used when she has one. Texts speak to him as "you": a memory she wrote as
"when he cooked for me" is turned to "when you cooked for me".

What the templates follow, from the source texts: understand asks the one sincere question and answers only with
the parts she agrees with; reconnect is casual and short; discuss owns her part and asks for no apology; rekindle
is sincere compliments and good memories; meet is a no-strings catch-up; the_option puts the option out there
with no pressure; his_move answers him when he reaches out; together is warm. Nothing here plays on jealousy,
guilt, tests, pressure or lies: every text is checked by coach.review in the tests, and again at run time.

Plain text only (no Markdown or HTML): the Telegram adapter sends it as is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from coach.vocabulary import Facts, Pronoun, Stage, Tone

# Copy imports no logic: coach.review and coach.suggest read this module, never the other way round. The
# renderers below take anything with these plain fields (a Review, a Suggestions), so they need neither.


class OptionView(Protocol):
    @property
    def tone(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def why(self) -> str: ...


class SuggestionsView(Protocol):
    @property
    def stage(self) -> str: ...
    @property
    def mode(self) -> str: ...
    @property
    def options(self) -> Sequence[OptionView]: ...
    @property
    def withheld(self) -> str | None: ...
    @property
    def days_left(self) -> int | None: ...


class ReviewView(Protocol):
    @property
    def verdict(self) -> str: ...
    @property
    def reasons(self) -> Sequence[str]: ...
    @property
    def better(self) -> str | None: ...


SHORT_MAX = 70  # style "shorter": about one line on a phone


@dataclass(frozen=True)
class Template:
    text: str
    why: str
    short: str = ""  # the "shorter" style; empty when the text is short already

    @property
    def short_text(self) -> str:
        return self.short or self.text


def needs(text: str) -> frozenset[str]:
    """The facts a template cannot do without ("memory", "now_into")."""
    return frozenset(k for k in ("memory", "now_into") if "{" + k + "}" in text)


def _t(text: str, why: str, short: str = "") -> Template:
    return Template(text, why, short)


C, W, P = Tone.CASUAL, Tone.WARM, Tone.PLAYFUL

# Within a tone, templates that use her facts come first, so the first set she sees is the most personal one.
TEMPLATES: dict[Stage, dict[Tone, tuple[Template, ...]]] = {
    Stage.UNDERSTAND: {
        C: (
            _t(
                "Hey {name}, can I ask you one honest thing? In your opinion, what went wrong with us? "
                "No argument, I just want to understand.",
                "One sincere question, asked once, gives {him} room to tell you {his} side.",
                "In your opinion, what went wrong with us? I'd like to understand.",
            ),
            _t(
                "Hi {name}. I've been doing some thinking. In your opinion, what went wrong with us? "
                "Whatever you say, I'll listen.",
                "It shows you're asking to learn, not to reopen old arguments.",
                "In your opinion, what went wrong with us? I'll just listen.",
            ),
            _t(
                "Thanks for answering so honestly. You're right about some of it, and I'm working on that.",
                "When the answer comes, write back only the parts you agree with, and nothing negative.",
                "Thanks for being honest. You're right about some of it.",
            ),
        ),
        W: (
            _t(
                "I've been thinking about us, and I want to grow from it. In your opinion, what went wrong "
                "with us? I'm asking sincerely.",
                "Saying why you ask makes it clear you want the truth, not a debate.",
                "In your opinion, what went wrong with us? I'm asking sincerely.",
            ),
            _t(
                "Thank you for being honest with me. I've thought about what you said, and some of it is true. "
                "I'm working on it.",
                "Answering only with the parts you agree with keeps it kind and shows you listened.",
                "Thank you for being honest. Some of it is true, and I'm on it.",
            ),
        ),
        P: (
            _t(
                "Brave question incoming, no pressure at all: in your opinion, what went wrong with us?",
                "A light opening takes the weight off, while the question stays sincere.",
                "Brave question: in your opinion, what went wrong with us?",
            ),
            _t(
                "I promise this isn't a trick question 🙂 In your opinion, what went wrong with us?",
                "A little humour tells {him} you're calm and really want to hear {his} side.",
                "Not a trick question 🙂 What went wrong with us, in your opinion?",
            ),
            _t(
                "Random one from me, and totally fine if you'd rather not: in your opinion, what went wrong "
                "with us?",
                "An easy way out keeps it free of pressure, so an answer means more.",
                "Random one: in your opinion, what went wrong with us?",
            ),
            _t(
                "Hey {name}, I've been doing some homework on myself 🙂 In your opinion, what went wrong with us?",
                "It shows you're working on you, and asks for {his} honest view.",
                "Doing homework on myself 🙂 What went wrong with us, in your view?",
            ),
            _t(
                "Thanks for the honest answer. You had a point on a few things, and I'm on it 🙂",
                "Keeping your reply light and only about what you agree with leaves a good feeling.",
                "Thanks for the honest answer. You had a point 🙂",
            ),
        ),
    },
    Stage.RECONNECT: {
        C: (
            _t(
                "Hey {name}, how's {now_into} going?",
                "Asking about {his} life now shows real interest, with no history attached.",
            ),
            _t(
                "Hey {name}, how have you been?",
                "Short and easy to answer: it opens the door and asks for nothing.",
            ),
            _t(
                "Hi {name}! Hope things are good with you.",
                "Friendly and light: no question to answer, nothing to work out.",
            ),
            _t(
                "Hey {name}, saw this and thought of you 😄",
                "Send it with a meme or photo that made you think of {him}: the easiest way back into a chat.",
            ),
        ),
        W: (
            _t(
                "Hi {name}, I heard about {now_into}. That's really cool, I hope it's going well.",
                "Noticing {his} life now is warm without being heavy.",
                "Heard about {now_into}. Hope it's going well!",
            ),
            _t(
                "Hi {name}, I hope you've been doing well. It's been a while and I thought of you today.",
                "Warm but casual: it says you care without asking for anything back.",
                "Hi {name}, hope you've been well. Thought of you today.",
            ),
            _t(
                "Hey {name}, just wanted to say hi and that I hope life is treating you well.",
                "Kind and simple, so {he} can answer in one line.",
                "Hey {name}, just saying hi. Hope you're well!",
            ),
        ),
        P: (
            _t(
                "Hey {name}, I just heard about {now_into}. Look at you go 😄",
                "Playful, proud of {him}, and about {his} life now, not the past.",
            ),
            _t("Hey stranger, how have you been?", 'A playful "stranger" breaks the ice with a smile.'),
            _t(
                "Okay, this made me laugh and I immediately thought of you 😂",
                "Send it with the funny thing: a shared laugh is easy to answer.",
                "This made me laugh and I thought of you 😂",
            ),
            _t(
                "Hi {name}! Random check-in from an old friend: how are things?",
                "Calling yourself an old friend keeps it light and free of pressure.",
                "Random check-in: how are things?",
            ),
            _t(
                "Hey {name}! Long time no talk. What's new in your world?",
                "An open, cheerful question gives {him} an easy way to start talking.",
                "Long time no talk! What's new?",
            ),
        ),
    },
    Stage.DISCUSS: {
        C: (
            _t(
                "Hey {name}, I've been thinking about what happened between us. Would you be up for talking it "
                "through sometime?",
                "Asking, not insisting, lets {him} choose when to talk.",
                "Up for talking things through sometime?",
            ),
            _t(
                "Hi {name}, whenever you feel like it, I'd like to hear how things looked from your side.",
                "It invites {his} view and asks for no apology.",
                "I'd like to hear your side, whenever you feel like it.",
            ),
        ),
        W: (
            _t(
                "I've had time to think, and I know I had my part in how things ended. I'm sorry for that.",
                "Owning your share, and asking nothing back, is what makes an honest talk possible.",
                "I know I had my part in how things ended. I'm sorry.",
            ),
            _t(
                "Looking back, I think we both got some things wrong. I'm sorry for my part.",
                "Sharing the responsibility, with no blame, means {he} won't feel attacked.",
                "We both got some things wrong. I'm sorry for my part.",
            ),
            _t(
                "I'm not looking to go over who was right. I just want you to know I understand my part better now.",
                "It takes score-keeping off the table and leaves room for {him} to reflect.",
                "I understand my part better now, and I wanted you to know.",
            ),
        ),
        P: (
            _t(
                "I've been doing some honest thinking, and turns out I'm not perfect either 🙂 Can we chat "
                "about it sometime?",
                "A bit of humour about yourself makes the talk feel safe.",
                "Turns out I'm not perfect either 🙂 Chat sometime?",
            ),
            _t(
                "Coffee and an honest chat sometime? My treat, and I'll own my share of the mistakes 🙂",
                "Light, and you own your part before you even sit down.",
                "Coffee and an honest chat sometime? 🙂",
            ),
            _t(
                "Hey {name}, I'd like a proper chat about us sometime, no drama, I promise.",
                'Saying "no drama" up front makes it easier for {him} to say yes.',
                "A proper chat sometime? No drama, promise.",
            ),
            _t(
                "I've been practising my grown-up conversation skills 🙂 Up for talking things through sometime?",
                "Gentle humour that shows you've grown, with no pressure on {him}.",
                "Grown-up chat sometime? 🙂",
            ),
        ),
    },
    Stage.REKINDLE: {
        C: (
            _t(
                "Hey {name}, I heard about {now_into}. That's really impressive, you should be proud.",
                "Admiring {his} life now is a compliment {he} can take at face value.",
                "Heard about {now_into}. Really impressive!",
            ),
            _t(
                "Hey {name}, you seem to be doing really well lately. It suits you.",
                "A sincere compliment about {him} today feels good and asks for nothing.",
                "You seem to be doing really well. It suits you.",
            ),
            _t(
                "Hi {name}, I was just thinking how easy you are to talk to. Hope your week is good!",
                "A small, true compliment keeps the warmth going without any weight.",
                "You're so easy to talk to. Hope your week is good!",
            ),
        ),
        W: (
            _t(
                "Something today reminded me of {memory}, and I couldn't stop smiling. Those were good times.",
                "A good memory brings back how it felt to be together, with no pressure.",
                "Thought of {memory} today and smiled.",
            ),
            _t(
                "It's great to hear about {now_into}. I've always admired how you go after what you love.",
                "It praises {him} today, and the person you always saw.",
                "Great to hear about {now_into}. I admire that.",
            ),
            _t(
                "I was thinking about how easy it always was to laugh with you. Hope you're doing well.",
                "A warm memory of the good times, nothing heavy.",
                "Laughing with you was always so easy.",
            ),
            _t(
                "I've always admired how kind you are to the people around you.",
                "Tell {him} only what's true for you: a sincere compliment is remembered.",
                "I've always admired how kind you are.",
            ),
        ),
        P: (
            _t(
                "Guess what I came across today... a reminder of {memory} 😄 Still makes me smile.",
                "Playful and warm: a shared smile about a good time.",
                "Remember {memory}? 😄",
            ),
            _t(
                "Still laughing at a joke you told ages ago. You've got a gift 😄",
                "Playful praise about something {he} did well.",
                "Still laughing at your old joke 😄",
            ),
            _t(
                "Okay, I have to admit it: nobody makes me laugh quite like you 😄",
                "A light, honest compliment that reminds {him} of the fun you had.",
                "Nobody makes me laugh like you 😄",
            ),
            _t(
                "Just heard a song that took me straight back to one of our best days 🙂",
                "A good memory, shared lightly: it invites {him} to remember it too.",
                "A song just took me back to our best days 🙂",
            ),
            _t(
                "Quick compliment, no reason needed: you're a good one, {name} 🙂",
                "Playful and sincere, and it asks for nothing back.",
                "Quick compliment: you're a good one 🙂",
            ),
        ),
    },
    Stage.MEET: {
        C: (
            _t(
                "Hey {name}, would you like to grab a bite sometime? No strings, just catching up.",
                "Calling it a no-strings catch-up puts the ball in {his} court.",
                "Grab a bite sometime? No strings, just catching up.",
            ),
            _t(
                "It would be nice to catch up sometime soon. Coffee this week or next?",
                "Casual and easy to answer, with room to say not yet.",
                "Coffee and a catch-up sometime soon?",
            ),
        ),
        W: (
            _t(
                "I'd love to hear more about {now_into}. Want to grab a coffee and tell me about it?",
                "Showing interest in {his} life now makes the meeting about {him}, not about the past.",
                "Coffee sometime? I'd love to hear about {now_into}.",
            ),
            _t(
                "I've really enjoyed talking again. It would be nice to catch up in person sometime soon, "
                "if you'd like.",
                "Warm and honest, and a yes doesn't have to mean anything more.",
                "It would be nice to catch up in person sometime soon.",
            ),
            _t(
                "Hey {name}, it would be lovely to see you. Want to grab lunch sometime, just to catch up?",
                "A simple meal between old friends: easy to say yes to.",
                "Lunch sometime, just to catch up?",
            ),
        ),
        P: (
            _t(
                "Remember {memory}? We should catch up over food sometime, just for fun 🙂",
                "A good memory plus a light plan: fun, with no strings.",
                "Remember {memory}? Food and a catch-up sometime? 🙂",
            ),
            _t(
                "I know a place with excellent fries and zero expectations 😄 Want to catch up sometime?",
                'Saying "zero expectations" out loud takes the pressure off.',
                "Great fries, zero expectations 😄 Catch up sometime?",
            ),
            _t(
                "Idea: one coffee, no pressure, lots of catching up. You in? 🙂",
                "Short, cheerful and easy to say yes or no to.",
            ),
            _t(
                "I owe you a coffee from about forever ago 😄 Want to cash it in sometime?",
                "A playful reason to meet that puts no weight on it.",
                "I owe you a coffee 😄 Cash it in sometime?",
            ),
            _t(
                "Tacos and a catch-up sometime? No strings, just good food 😄",
                "A no-strings plan around food feels like old friends, not a big date.",
            ),
        ),
    },
    Stage.THE_OPTION: {
        C: (
            _t(
                "I've been thinking, and I'd like to give us another try. No rush at all: we can take it easy "
                "and see how it goes.",
                "It says what you want clearly and leaves {him} plenty of room.",
                "I'd like to give us another try. No rush at all.",
            ),
            _t(
                "I'd be open to trying again, slowly. No pressure, just putting it out there.",
                "Low pressure makes it easy for {him} to think it over.",
                "I'd be open to trying again. No pressure.",
            ),
        ),
        W: (
            _t(
                "Thinking about {memory} made me realise I'd like to give us another go. We can take it slow "
                "and see how it goes.",
                "A good memory reminds you both why it's worth it, while the pace stays easy.",
                "I'd like to give us another go. We can take it slow.",
            ),
            _t(
                "I've really enjoyed spending time with you again. I've been thinking about getting back "
                "together, and I'd be happy to take it slow and see how it goes.",
                "Honest about what you feel, and gentle about the pace.",
                "I'd like us to try again, slowly, and see how it goes.",
            ),
            _t(
                "Being around you again has reminded me how good we were together. If you'd ever like to give "
                "it another shot, I'm open to it, at whatever pace feels right.",
                "It puts the option out there and leaves the choice with {him}.",
                "If you'd ever like another shot at us, I'm open to it.",
            ),
        ),
        P: (
            _t(
                "So... I've been thinking about us 🙂 Want to take it easy and see where this goes?",
                'Playful and clear, and "take it easy" keeps the pressure off.',
                "Take it easy and see where this goes? 🙂",
            ),
            _t(
                "Not to get ahead of ourselves, but I'd like to give us another go. Slow and easy, no pressure 😄",
                "Light about something big, so {he} can answer without feeling cornered.",
                "I'd like to give us another go. Slow and easy 😄",
            ),
            _t(
                "Crazy idea: we keep doing this, take it slow, and see what happens? 🙂",
                "Makes trying again sound like fun, not a decision {he} must make tonight.",
                "Keep doing this, slowly, and see? 🙂",
            ),
            _t(
                "Just putting it out there: I'd be up for another chapter of us, no rush at all 🙂",
                "The option is on the table, and the choice stays with {him}.",
                "I'd be up for another chapter of us, no rush 🙂",
            ),
        ),
    },
    # his_move: these are answers, for when he texts first.
    Stage.HIS_MOVE: {
        C: (
            _t(
                "So nice to hear from you! How's your week going?",
                "When {his} text comes, answer in kind and let {him} lead.",
            ),
            _t(
                "Hey you! Good timing, I was just thinking about you. What are you up to?",
                "Friendly and open, and the next step stays with {him}.",
                "Hey you! What are you up to?",
            ),
        ),
        W: (
            _t(
                "That sounds lovely, I'd really like that.",
                "If {his} text brings a plan, a simple yes is enough: let {him} lead.",
            ),
            _t(
                "It really makes my day to hear from you.",
                "Warm and honest, with no push for more.",
            ),
        ),
        P: (
            _t("Look who it is 😄 Good to hear from you!", "Playful and pleased, without chasing."),
            _t("Ha, you read my mind. How are you?", "Light, and it tells {him} {his} text was welcome."),
            _t(
                "Well, this made my day 🙂 Tell me everything.",
                "Happy and curious, and the telling is up to {him}.",
            ),
            _t("I was hoping you'd text 😄 What's new?", "Honest and warm: you're glad, and {he} can lead."),
        ),
    },
    Stage.TOGETHER: {
        C: (
            _t(
                "How's {now_into} going today? Thinking of you.",
                "Caring about {his} world is how you keep growing together.",
            ),
            _t("Hope your day is going well! Thinking of you.", "Small, kind check-ins keep you close."),
            _t("Hey {name}, dinner at mine this week?", "Simple plans together are how a fresh start grows."),
        ),
        W: (
            _t(
                "I was just remembering {memory}. I'm so happy we get to make new memories now.",
                "Good memories and new ones: the best of both.",
                "Remembering {memory}. So happy we're making new ones.",
            ),
            _t(
                "I'm really glad we found our way back to each other.",
                "Saying it out loud helps both of you feel secure.",
            ),
            _t(
                "I love you. Thank you for giving us another chance.",
                "Gratitude keeps a second chance feeling fresh.",
                "I love you. Thank you for us.",
            ),
        ),
        P: (
            _t(
                "Counting down the hours until I see you 🙂",
                "Playful and sweet: it tells {him} you can't wait.",
            ),
            _t(
                "Date night this week? I'll pick the place, you pick the dessert 😄",
                "Fun plans keep the spark you worked so hard to bring back.",
                "Date night? You pick the dessert 😄",
            ),
            _t("Just saying: you make ordinary days fun 🙂", "A light, sincere compliment never gets old."),
            _t("Official announcement: I'm very happy 😄", "Sharing your joy is its own kind of compliment."),
        ),
    },
}

SEND_STAGES = frozenset(TEMPLATES) - {Stage.HIS_MOVE}

# What review_draft offers when her own words cannot be saved: a short, sendable text for her stage.
_REVIEW_FALLBACK: dict[Stage, str] = {
    Stage.UNDERSTAND: "In your opinion, what went wrong with us? I'd really like to understand.",
    Stage.RECONNECT: "Hey {name}, how have you been?",
    Stage.DISCUSS: "I've had time to think, and I know I had my part in how things ended. I'm sorry for that.",
    Stage.REKINDLE: "Hey {name}, you seem to be doing really well lately. It suits you.",
    Stage.MEET: "It would be nice to catch up sometime soon. Coffee this week or next?",
    Stage.THE_OPTION: "I'd be open to trying again, slowly. No pressure, just putting it out there.",
    Stage.HIS_MOVE: "So nice to hear from you! How's your week going?",
    Stage.TOGETHER: "Hope your day is going well! Thinking of you.",
    Stage.MOVING_ON: "I wish you well, {name}. All the best.",
}


def review_fallback(stage: Stage) -> str:
    return _REVIEW_FALLBACK.get(stage, _REVIEW_FALLBACK[Stage.RECONNECT])


# --------------------------------------------------------------------------------------------------
# Filling placeholders.

_FORMS = {
    Pronoun.HE: ("he", "him", "his"),
    Pronoun.SHE: ("she", "her", "her"),
    Pronoun.THEY: ("they", "them", "their"),
}

# Her memory says "when he cooked for me"; the text to him says "when you cooked for me". Only he and she are
# turned: "they" in a memory may mean other people.
_TO_YOU = {
    Pronoun.HE: {
        "he": "you",
        "him": "you",
        "his": "your",
        "himself": "yourself",
        "he's": "you're",
        "he is": "you are",
        "he was": "you were",
        "he has": "you have",
        "he does": "you do",
    },
    Pronoun.SHE: {
        "she": "you",
        "her": "your",
        "hers": "yours",
        "herself": "yourself",
        "she's": "you're",
        "she is": "you are",
        "she was": "you were",
        "she has": "you have",
        "she does": "you do",
    },
}
_LOWER_FIRST = frozenset(
    {"our", "the", "that", "when", "his", "her", "their", "my", "a", "an", "those", "this"}
)


def as_you(phrase: str, pronoun: Pronoun = Pronoun.HE) -> str:
    """Her words about him, made fit to sit inside a text to him."""
    phrase = " ".join(phrase.replace("’", "'").split()).strip(" .!,;")
    swaps = _TO_YOU.get(pronoun)
    if swaps:
        keys = sorted(swaps, key=len, reverse=True)
        pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b", re.IGNORECASE)
        phrase = pattern.sub(lambda m: swaps[m.group(1).lower()], phrase)
    first, _, rest = phrase.partition(" ")
    if first.lower() in _LOWER_FIRST:
        phrase = (first.lower() + " " + rest).strip()
    return phrase


# "he's training for a marathon": the subject and its verb go, so what is left can be named in a text to him.
_SUBJECT_FIRST = {
    Pronoun.HE: r"(he'?s|he is|he has|he was|he just|he)",
    Pronoun.SHE: r"(she'?s|she is|she has|she was|she just|she)",
    Pronoun.THEY: r"(they'?re|they are|they have|they were|they just)",
}
_LEAD_IN = r"((been|now|really|got|gotten|started|taken up|taking up|into|doing|working on)\s+)*"


def as_topic(phrase: str, pronoun: Pronoun = Pronoun.HE) -> str:
    """What he is into now, as a topic a text can name ("how's {now_into} going?"), or "" when her words
    do not make one: "he's training for a marathon" -> "your training for a marathon", "his new job" ->
    "your new job", "he moved to Leeds" -> "" (a template that needs it is then skipped)."""
    clean = " ".join(phrase.replace("’", "'").split()).strip(" .!,;")
    rest = re.sub(rf"^{_SUBJECT_FIRST[pronoun]}(\s+{_LEAD_IN}|$)", "", clean, flags=re.IGNORECASE)
    if not rest or rest.lower() in ("a", "an", "the"):
        return ""
    first = rest.split(" ", 1)[0].lower()
    if rest != clean and not first.endswith("ing") and first not in _LOWER_FIRST:
        return ""  # "he moved to Leeds": a whole sentence about him, not a topic
    if first.endswith("ing") and len(first) > 4:
        return "your " + as_you(rest, pronoun)
    if first in ("a", "an") and " " in rest:
        return "your " + as_you(rest.split(" ", 1)[-1], pronoun)  # "he got a new job" -> "your new job"
    return as_you(rest, pronoun)


def fill(
    template: str, *, name: str = "", pronoun: Pronoun = Pronoun.HE, memory: str = "", now_into: str = ""
) -> str:
    """One pass over the placeholders, so her own words are never read as placeholders themselves."""
    he, him, his = _FORMS[pronoun]
    name = " ".join(name.split())
    values = {
        "name": name,
        "he": he,
        "He": he.capitalize(),
        "him": him,
        "his": his,
        "His": his.capitalize(),
        "who": name or him,
        "Who": name or he.capitalize(),
        "memory": as_you(memory, pronoun) if memory else "",
        "now_into": as_topic(now_into, pronoun) if now_into else "",
    }
    if not name:
        template = re.sub(r",?\s*\{name\}", "", template)
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


# --------------------------------------------------------------------------------------------------
# Showing a set of suggestions.

_TONE_LABEL: dict[str, str] = {Tone.CASUAL: "Casual", Tone.WARM: "Warm", Tone.PLAYFUL: "Playful"}

_INTRO: dict[str, str] = {
    Stage.UNDERSTAND: "Ask {who} once, sincerely, and then just listen. When the answer comes, reply only with "
    "the parts you agree with.",
    Stage.RECONNECT: "Keep it casual and short. If there's no answer, that's okay: we try again in a couple "
    "of days, never more.",
    Stage.DISCUSS: "Talk it through with no blame: own your part and let {who} come to {his} own.",
    Stage.REKINDLE: "Sincere compliments about {his} life now and good memories only. Say only what's true "
    "for you.",
    Stage.MEET: "A no-strings catch-up, like old friends. Afterwards, give it a week or two.",
    Stage.THE_OPTION: "Put the option out there, gently, then give {who} all the time it takes.",
    Stage.TOGETHER: "A little warmth for your partner:",
}
_ANSWER_INTRO = (
    "Now {who} leads: let {him} text first and plan the next step. When a text from {him} comes, here's how you "
    "could answer:"
)
_PLAYFUL_INTRO = "Here is a lighter set."
_OUTRO = "Change any word so it sounds like you."

_WITHHELD: dict[str, str] = {
    "not_yet": "Let's finish a few questions first, so that what I suggest fits you and {who}.",
    "no_contact": "No text to send right now: you're in your quiet stretch, {days}. The quiet gives you "
    "both room: you grow, and {who} gets to see things fresh, without pressure.\n\n"
    "If the words are pressing, write them here as an unsent letter. I'll keep it for you; {he} will "
    "never see it.",
    "no_contact_done": "Your 21 quiet days are done: it's time to reach out, casually. Ask me again in a "
    "moment and I'll give you three ways to say hi.",
    "wait_for_reply": "Your last two texts are still waiting for an answer, so I won't suggest a third: "
    "it would only feel like pressure. Give {who} a week of space. If a text from {him} comes, tell me and we'll "
    "answer together.",
    "he_said_no": "{Who} asked for space, and I respect that, so I won't help you contact {him}. "
    "What I can do is help you look after you: your journal, your mood, and moving forward, one day "
    "at a time.",
    "unsafe": "I won't help you contact {him}: your safety matters more than anything here. If you're in "
    "danger, call your local emergency number. I'm here to help you look after yourself.",
    "ended": "You've chosen to move on, so no texts to {him} from me. That takes courage. If you'd like, "
    "write what you'd want to say as an unsent letter: it's for you.",
}


def _days(n: int) -> str:
    return "1 day left" if n == 1 else f"{n} days left"


def render_suggestions(s: SuggestionsView, facts: Facts) -> str:
    """The message for a set of suggestions (or why there is none right now)."""

    def f(text: str) -> str:
        return fill(text, name=facts.his_name, pronoun=facts.pronoun)

    if s.mode == "none":
        key = str(s.withheld or "not_yet")
        if key == "no_contact" and s.days_left == 0:
            key = "no_contact_done"
        return f(_WITHHELD[key]).replace("{days}", _days(s.days_left or 0))
    if s.mode == "answer":
        intro = _ANSWER_INTRO
    else:
        intro = _INTRO.get(s.stage, "Here are three ideas:")
    if s.options and all(o.tone == Tone.PLAYFUL for o in s.options):
        intro = intro + " " + _PLAYFUL_INTRO
    parts = [f(intro)]
    for i, option in enumerate(s.options, 1):
        parts.append(f"{i}. {_TONE_LABEL[option.tone]}\n{option.text}\nWhy: {option.why}")
    parts.append(_OUTRO)
    return "\n\n".join(parts)


# --------------------------------------------------------------------------------------------------
# Showing a review.

VERDICT_HEADLINE: dict[str, str] = {
    "send": "Good to send. It's short, kind and easy to answer.",
    "tweak": "Nearly there: a small tweak first.",
    "wait": "The words can keep: now isn't the moment.",
    "dont_send": "I wouldn't send this one.",
}

# One line each: why a coach would say so. Placeholders {he} {him} {his} {He} are filled from her pronoun.
REASON_TEXT: dict[str, str] = {
    "empty": "There's nothing to check yet: paste the text you're thinking of sending.",
    "too_long": "It's long. Short and sweet is easier to answer.",
    "wordy": "It's a lot at once. Lighter and simpler says the same, and is easier to answer.",
    "negative": "Something in it sounds negative; keep it light and kind.",
    "too_many_questions": "Lots of questions at once feels like an interview. One is plenty.",
    "bad_memory": "It brings up a hard memory. Good memories bring you closer; bad ones remind {him} why it ended.",
    "too_soon": "It's a big step for where you are now. There's a right moment for it, and it's coming.",
    "ominous": '"We need to talk" makes anyone brace for bad news.',
    "might_land_wrong": (
        "Read it once more as {he} would: part of it could land as pressure or a dig, even if you don't mean it."
    ),
    "self_harm": "What you wrote tells me you're hurting a lot, and you matter more than any text.",
    "threat": "It reads as a threat. Whatever you feel, that takes {his} choice away.",
    "showing_up": "Turning up uninvited takes {his} choice away. Meet when you both want to.",
    "jealousy": "It plays on jealousy. That's a game, and it doesn't build trust.",
    "checking_up": "It checks up on {him}. Where {he} was and who with is {his} to share, not yours to ask.",
    "demand": "It puts {him} on a deadline. Pressure pushes people back; a free yes is the only one that counts.",
    "blame": "It points at what {he} did wrong. Blame makes people defend, not open up.",
    "guilt": "It could make {him} feel guilty. Guilt may get a reply, but never the closeness you want.",
    "needy": "It sounds like pleading. You don't need to ask for {his} attention; let it come.",
    "sexual": "A late-night or flirty opener says 'hook-up', not 'let's rebuild something'.",
    "lies": "It leans on something untrue, or on other people, to push {him}. Trust can't grow from that.",
    "no_contact": "You're in your quiet days. Every day of no contact counts.",
    "awaiting_reply": "Your last text is still waiting for an answer. Another one before then feels like chasing.",
    "his_move": "Now {he} leads: let {him} text first. Your words are for when {he} does.",
    "not_yet": "It's a good text, for a later step. Right now, keep to the step you're on.",
    "late_night": "It's the middle of your night. Things read differently after some sleep.",
    "he_said_no": "{He} asked for space. Respecting that is the kind thing, for {him} and for you.",
    "unsafe": "You told me you don't feel safe with {him}. Your safety comes first.",
}

INSTEAD_NO_CONTACT = "Write it as an unsent letter here: I'll keep it for you, and {he}'ll never see it."
INSTEAD_AWAITING_REPLY = (
    "Give {him} a couple of days. Write it as an unsent letter if it helps you let it out."
)
INSTEAD_HE_SAID_NO = "Write it as an unsent letter, just for you, and let's focus on you for a while."
INSTEAD_UNSAFE = (
    "Write it as an unsent letter, just for you. If you're in danger, call your local emergency number."
)
INSTEAD_HIS_MOVE = "Keep it for when {he} texts you. Then answer warmly, and let {him} plan the next step."
INSTEAD_SELF_HARM = "Please talk to someone today: findahelpline.com lists free helplines, or call your local emergency number."
_ADVICE = frozenset({"he_said_no", "unsafe", "no_contact", "awaiting_reply", "his_move", "self_harm"})


def render_review(r: ReviewView, pronoun: Pronoun = Pronoun.HE) -> str:
    """The verdict as a friendly headline, the reasons as bullets, then what to try instead.

    "Don't send" names only its worst reason, in one line, and then a better way; the other verdicts list
    each reason. `better` comes filled in already (it may be her own words, never read for placeholders)."""
    lines = [VERDICT_HEADLINE[r.verdict]]
    shown = list(r.reasons[:1]) if r.verdict == "dont_send" else list(r.reasons)
    if shown:
        lines.append("")
        lines.extend(f"• {fill(REASON_TEXT[reason], pronoun=pronoun)}" for reason in shown)
    if r.better:
        lines.append("")
        if any(reason in _ADVICE for reason in r.reasons):
            lines.append(f"Instead: {r.better}")
        elif "late_night" in r.reasons:
            lines.append(f"Try it in the morning: {r.better}")
        elif r.verdict == "dont_send":
            lines.append(f"A better way: {r.better}")
        elif "not_yet" in r.reasons:
            lines.append(f"For the step you're on: {r.better}")
        else:
            lines.append(f"Try: {r.better}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# The prompt for the optional language model (bot/llm_drafts.py). Its answers pass the same review as the
# templates above, so the prompt asks for what the review allows, and the review has the last word.

STAGE_PRINCIPLES: dict[str, str] = {
    Stage.UNDERSTAND: "She wants to understand why it ended. She may ask once, sincerely: 'In your opinion, "
    "what went wrong with us?' When he answers, she writes back only the parts she agrees with, nothing "
    "negative.",
    Stage.RECONNECT: "First contact after weeks of silence. Casual, short, easy to answer: 'hey, how have you "
    "been?', or something that made her think of him. No big talk, no feelings, no pressure.",
    Stage.DISCUSS: "Talking through what happened. No blame at all. She admits her own part. She does not ask "
    "for or force an apology.",
    Stage.REKINDLE: "Sincere compliments about what he is doing now, and good shared memories. Never bad "
    "memories, never the breakup.",
    Stage.MEET: "Suggest one casual, no-strings catch-up, like old friends, e.g. a bite to eat or a coffee. "
    "'It would be nice to catch up sometime soon.' Easy to say no to.",
    Stage.THE_OPTION: "She puts the option of trying again out there, with no pressure: take it easy and see "
    "how it goes. The choice stays with him.",
    Stage.HIS_MOVE: "He leads now. She does not start conversations; these are short, warm replies for when he "
    "texts her first. Let him plan the next step.",
    Stage.TOGETHER: "They are a couple again. Warm, kind, everyday texts for a partner.",
}

_LLM_SYSTEM = (
    "You help a woman write short text messages to her ex-partner, honestly and kindly, as part of a coaching "
    "program. Never manipulate: no jealousy, guilt, tests, threats, pressure, lies, demands, or showing up "
    "uninvited. No blame, nothing negative, no bad memories. Each text is short (under 160 characters), "
    "speaks to the ex as 'you', and sounds like a real person. Answer with JSON only, no other text: "
    '{"options": [{"tone": "casual", "text": "...", "why": "..."}, {"tone": "warm", ...}, '
    '{"tone": "playful", ...}]}. "why" is one short line telling her why the text fits this stage.'
)


def llm_prompt(
    stage: Stage, facts: Facts, *, tones: tuple[str, ...] = ("casual", "warm", "playful")
) -> list[dict[str, str]]:
    """Chat messages for an OpenAI-compatible endpoint: the stage's principles and her facts."""
    he, him, his = _FORMS[facts.pronoun]
    lines = [
        f"Stage: {stage}. {STAGE_PRINCIPLES.get(stage, '')}",
        f"Pronouns for the ex: {he}/{him}/{his}.",
    ]
    if facts.his_name.strip():
        lines.append(f"The ex's name: {' '.join(facts.his_name.split())}.")
    if facts.now_into.strip():
        lines.append(f"What {he} is into now: {facts.now_into.strip()}.")
    memories = [m.strip() for m in facts.memories if m.strip()]
    if memories:
        lines.append("Good memories she saved: " + "; ".join(memories[:3]) + ".")
    reason = facts.reason_named.strip() or facts.his_reason.strip()
    if reason and stage in (Stage.UNDERSTAND, Stage.DISCUSS):
        lines.append(f"Why it ended, in her words: {reason}.")
    lines.append(f"Write {len(tones)} options, tones in this order: {', '.join(tones)}.")
    return [{"role": "system", "content": _LLM_SYSTEM}, {"role": "user", "content": "\n".join(lines)}]
