"""What the coach says, in English: every message and button label of the program, in one place.

Plain text only (no Markdown), so every adapter renders it as is. Placeholders for him follow her settings:
his name when she gave one, and he/she/they. To translate, copy this module and keep the function names.
The drafts she may send him live in coach/copy/drafts.py.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from coach import buttons as B
from coach.copy import drafts
from coach.vocabulary import (
    Button,
    Command,
    Facts,
    Intent,
    Journey,
    NoteKind,
    Pace,
    Pronoun,
    Question,
    Stage,
)

Keyboard = tuple[tuple[Button, ...], ...]

# --------------------------------------------------------------------------------------------------
# Him, in her words.

_PRONOUNS = {
    Pronoun.HE: {"he": "he", "him": "him", "his": "his", "he's": "he's", "hes": "he has"},
    Pronoun.SHE: {"he": "she", "him": "her", "his": "her", "he's": "she's", "hes": "she has"},
    Pronoun.THEY: {"he": "they", "him": "them", "his": "their", "he's": "they're", "hes": "they have"},
}


def him(f: Facts) -> str:
    return f.his_name or _PRONOUNS[f.pronoun]["him"]


def he(f: Facts) -> str:
    return _PRONOUNS[f.pronoun]["he"]


def pron(f: Facts, key: str) -> str:
    return _PRONOUNS[f.pronoun][key]


def name(f: Facts) -> str:
    """His name for a sentence's subject ("Sam replied"), or the pronoun capitalised."""
    return f.his_name or he(f).capitalize()


def _rows(*buttons: Button, per_row: int = 2) -> Keyboard:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def _date(at: datetime, tz: str) -> str:
    try:
        local = at.astimezone(ZoneInfo(tz))
    except Exception:  # an unknown zone must never break a reply
        local = at
    return local.strftime("%a %d %b")


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


# --------------------------------------------------------------------------------------------------
# The command menu (Telegram's setMyCommands and /help).

COMMANDS: tuple[tuple[Command, str], ...] = (
    (Command.START, "Start, or pick up where you left off"),
    (Command.PROGRESS, "Where you are and what comes next"),
    (Command.TEXT, "What should I text him?"),
    (Command.CHECK, "Check a text before you send it"),
    (Command.JOURNAL, "Write in your journal or an unsent letter"),
    (Command.MEMORY, "Save a good memory, or what he's into now"),
    (Command.MOOD, "A quick 1-5 mood check-in"),
    (Command.SETTINGS, "Time zone, quiet hours, nudge hour, names"),
    (Command.PAUSE, "Pause my nudges"),
    (Command.RESUME, "Resume my nudges"),
    (Command.EXPORT, "Send me everything you hold about me"),
    (Command.DELETE, "Delete everything about me"),
    (Command.RESET, "Start the program over"),
    (Command.CANCEL, "Cancel what we were doing"),
    (Command.HELP, "How this works"),
)

# --------------------------------------------------------------------------------------------------
# Welcome and intake.


def welcome(j: Journey) -> str:
    return (
        "Hi, I'm Rekindle. I'll walk with you, step by step, if you want to try again with your ex: "
        "what to do, when to wait, what to text and what not to.\n\n"
        "I'm honest and kind: if he says no, I'll help you respect it, and I'll never help with games or pressure. "
        "I'm a coach, not a therapist.\n\n"
        "First, a few questions so I understand your situation."
    )


def welcome_back_intake() -> str:
    return "Welcome back. We were getting to know your situation; let's carry on where we stopped."


def welcome_back(j: Journey, now: datetime, pace: Pace) -> str:
    return f"Welcome back. {stage_intro(j.stage, j, now, pace)}"


def finish_intake_first() -> str:
    return "Let's finish these few questions first, so my advice fits you."


CHOICES: dict[Question, tuple[tuple[str, str], ...]] = {
    Question.ENDED: (
        ("week", "This week"),
        ("month", "This month"),
        ("months", "1-3 months ago"),
        ("longer", "Longer ago"),
    ),
    Question.WHO_ENDED: (("he", "He did"), ("me", "I did"), ("mutual", "We both did")),
    Question.STILL_TALK: (
        ("talking", "We still talk"),
        ("no_contact", "No contact"),
        ("blocked", "He blocked me or asked me to stop"),
    ),
    Question.LAST_CONTACT: (
        ("days", "Less than a week"),
        ("week", "1-2 weeks"),
        ("weeks", "2-3 weeks"),
        ("long", "3 weeks or more"),
    ),
    Question.READY: (("yes", "Yes, I'm sure"), ("not_sure", "I'm not sure")),
    Question.READY_AFTER_REFLECTION: (
        ("ready", "I've thought it over: I'm ready"),
        ("time", "I need more time"),
        ("let_go", "I'd rather let go"),
    ),
    Question.SET_PRONOUN: (("he", "he / him"), ("she", "she / her"), ("they", "they / them")),
    Question.RESET: (("yes", "Yes, start over"), ("no", "No, keep my place")),
    Question.DELETE: (("yes", "Yes, delete everything"), ("no", "No, keep it")),
}
# The intake's facts, changed later in /settings, take the same answers.
CHOICES[Question.SET_ENDED] = CHOICES[Question.ENDED]
CHOICES[Question.SET_WHO_ENDED] = CHOICES[Question.WHO_ENDED]
CHOICES[Question.SET_STILL_TALK] = CHOICES[Question.STILL_TALK]

# Words that pick a choice when she types instead of tapping; checked in order, first match wins.
CHOICE_WORDS: dict[Question, tuple[tuple[str, tuple[str, ...]], ...]] = {
    Question.WHO_ENDED: (
        ("mutual", ("both", "mutual", "we did", "together")),
        ("he", ("he ", "he did", "him", "she did", "they did")),
        ("me", ("i did", "me", "myself", "i ended", "i broke")),
    ),
    Question.STILL_TALK: (
        ("blocked", ("block", "asked me to stop", "stop contact", "leave him alone", "order")),
        ("no_contact", ("no contact", "don't talk", "dont talk", "not talking", "we don't", "no")),
        ("talking", ("talk", "yes", "still", "text", "sometimes")),
    ),
    Question.LAST_CONTACT: (
        ("long", ("month", "3 weeks", "three weeks", "4 weeks", "ages", "long", "year")),
        ("weeks", ("2 weeks", "two weeks", "2-3", "fortnight")),
        ("week", ("1 week", "a week", "one week", "last week", "8 days", "10 days")),
        ("days", ("today", "yesterday", "day", "hour", "this week")),
    ),
    Question.READY: (
        ("not_sure", ("not sure", "unsure", "don't know", "dont know", "idk", "maybe", "no", "not really")),
        ("yes", ("yes", "sure", "ready", "100", "yeah", "yep", "definitely")),
    ),
    Question.READY_AFTER_REFLECTION: (
        ("let_go", ("let go", "let him go", "move on", "moving on")),
        ("time", ("time", "not yet", "later", "wait")),
        ("ready", ("ready", "yes", "sure")),
    ),
    Question.SET_PRONOUN: (("they", ("they", "them")), ("she", ("she", "her")), ("he", ("he", "him"))),
    Question.RESET: (("no", ("no", "keep", "cancel")), ("yes", ("yes", "start over", "reset"))),
    Question.DELETE: (("no", ("no", "keep", "cancel")), ("yes", ("yes", "delete"))),
}
CHOICE_WORDS[Question.SET_WHO_ENDED] = CHOICE_WORDS[Question.WHO_ENDED]
CHOICE_WORDS[Question.SET_STILL_TALK] = CHOICE_WORDS[Question.STILL_TALK]


def question(q: Question, f: Facts) -> str:
    texts = {
        Question.HIS_NAME: "What should I call him? A first name or a nickname is perfect.",
        Question.ENDED: f"When did things end with {him(f)}? Tap one, or tell me in your own words.",
        Question.WHO_ENDED: "Who ended it?",
        Question.HIS_REASON: (
            f"What reason did {name(f)} give for the breakup? In a sentence or two, as {he(f)} put it. "
            "If there wasn't a clear one, tap the button."
        ),
        Question.STILL_TALK: f"Do you and {him(f)} still talk?",
        Question.LAST_CONTACT: f"When were you last in touch with {him(f)}: a text, a call, anything?",
        Question.TIMEZONE: (
            "Last practical one: where are you, so I never nudge you in the middle of the night? "
            "Type your city or time zone (Berlin, New York, UTC+2...)."
        ),
        Question.READY: (
            f"And the big one. Are you 100% ready to give this another shot with {him(f)}, "
            "and for the right reasons: because you want him, not because being alone hurts?"
        ),
        Question.READY_AFTER_REFLECTION: (
            "That's an honest answer, and a good place to start. Take a quiet minute with these:\n"
            f"• What exactly do you miss: {him(f)}, or having someone?\n"
            "• Has the thing that ended it changed, or could it?\n"
            "• If it went back to exactly how it was, would you be happy?\n"
            "• Are you hoping to feel better, or to build something better?\n\n"
            "There's no wrong answer. When you're ready, tell me where you landed."
        ),
        Question.REASON: (
            f"When you've found {his_reason_phrase(f)}, tell me in a sentence, in your own words. "
            "Or skip this step if you'd rather."
        ),
        Question.JOURNAL: "Write your entry: whatever is on your mind. Only you and I will see it.",
        Question.UNSENT: (
            f"Write it to {him(f)}, everything you want to say. It stays here, unsent. "
            "Getting it out of your head is the point."
        ),
        Question.MEMORY: (
            f"Tell me one good memory of you and {him(f)}: a trip, a joke, a moment you both loved. "
            "I'll use it later when we write texts."
        ),
        Question.NOW_INTO: f"What is {name(f)} into or working on these days? (A new job, a sport, a project...)",
        Question.MOOD: "How are you feeling right now, from 1 (awful) to 5 (great)?",
        Question.DRAFT: f"Paste the text you're thinking of sending {him(f)}, and I'll check it for you.",
        Question.SETTINGS: "What would you like to change?",
        Question.SET_TIMEZONE: "Type your city or time zone (for example Berlin, New York, Asia/Tokyo, UTC+2).",
        Question.SET_QUIET: "When should I stay quiet? For example 22-8, or 11pm to 7am. Type off for no quiet hours.",
        Question.SET_NUDGE_HOUR: "At what hour would you like your daily prompt? For example 19 or 7pm.",
        Question.SET_NAME: "What should I call him?",
        Question.SET_PRONOUN: "How should I refer to your ex?",
        Question.SET_ENDED: "When did things end? Tap one, or tell me in your own words.",
        Question.SET_WHO_ENDED: "Who ended it?",
        Question.SET_HIS_REASON: f"What reason did {name(f)} give for the breakup, as {he(f)} put it?",
        Question.SET_STILL_TALK: f"Are you and {him(f)} in touch?",
        Question.RESET: (
            "Start the whole program over? Your journal stays; your stage, answers and pending nudges are reset. "
            "If he asked for no contact, or you told me you're not safe, that stays: only /delete removes it."
        ),
        Question.DELETE: (
            "Delete everything I hold about you: your answers, history, journal, moods and nudges? "
            "This can't be undone."
        ),
    }
    return texts[q]


def his_reason_phrase(f: Facts) -> str:
    return f"{pron(f, 'his')} reason"


# Every intake question after the first has a Back button: any answer can be changed before the program starts.
_INTAKE_WITH_BACK = frozenset(
    {
        Question.ENDED,
        Question.WHO_ENDED,
        Question.HIS_REASON,
        Question.STILL_TALK,
        Question.LAST_CONTACT,
        Question.TIMEZONE,
        Question.READY,
        Question.READY_AFTER_REFLECTION,
    }
)


def question_buttons(q: Question, j: Journey) -> Keyboard:
    rows = _question_buttons(q, j)
    if j.stage is Stage.INTAKE and q in _INTAKE_WITH_BACK:
        return (*rows, (B.back("Back", q),))
    return rows


def _question_buttons(q: Question, j: Journey) -> Keyboard:
    if q in CHOICES:
        per_row = (
            1 if q in (Question.STILL_TALK, Question.SET_STILL_TALK, Question.READY_AFTER_REFLECTION) else 2
        )
        return _rows(*(B.answer(label, q, key) for key, label in CHOICES[q]), per_row=per_row)
    if q in (Question.HIS_REASON, Question.SET_HIS_REASON):
        return _rows(B.answer("He didn't really say", q, "unknown"))
    if q is Question.TIMEZONE:
        return _rows(
            B.answer("London", q, "Europe/London"),
            B.answer("New York", q, "America/New_York"),
            B.answer("Berlin", q, "Europe/Berlin"),
            B.answer("Skip (use UTC)", q, "skip"),
        )
    if q is Question.MOOD:
        return (tuple(B.answer(str(n), q, str(n)) for n in range(1, 6)),)
    if q is Question.REASON:
        return _rows(
            B.intent("What could I ask him?", Intent.ASK_SUGGESTION),
            B.done("Skip this step", Stage.UNDERSTAND),
        )
    return ()


def tap_a_button() -> str:
    return "I didn't quite catch that one: tap one of the buttons, or answer in a few words."


def name_too_long() -> str:
    return "Just the name you'd like me to use, please: a short one (up to 40 characters)."


def timezone_unknown(value: str) -> str:
    return (
        f'I couldn\'t place "{value}" as a time zone. A big city near you works best, like Berlin or Chicago.'
    )


def timezone_set(tz: str, now: datetime) -> str:
    local = now.astimezone(ZoneInfo(tz)).strftime("%H:%M")
    return f"Got it: {tz} (it's {local} for you now). I'll keep quiet between 22:00 and 08:00 your time."


def take_your_time() -> str:
    return (
        "Take all the time you need. Clarity now saves a lot of pain later. "
        "Come back to these questions whenever you like, and tap a button when you know."
    )


# --------------------------------------------------------------------------------------------------
# Stages.

STAGE_NAMES = {
    Stage.INTAKE: "Getting to know you",
    Stage.UNDERSTAND: "Understanding what happened",
    Stage.NO_CONTACT: "No contact",
    Stage.RECONNECT: "Reconnecting",
    Stage.DISCUSS: "Talking it through",
    Stage.REKINDLE: "Lighting the spark",
    Stage.MEET: "Meeting up",
    Stage.THE_OPTION: "Putting the option out there",
    Stage.HIS_MOVE: "His move",
    Stage.TOGETHER: "Together again",
    Stage.MOVING_ON: "Moving on",
}
STAGE_ORDER = tuple(Stage)


def stage_intro(stage: Stage, j: Journey, now: datetime, pace: Pace) -> str:
    f = j.facts
    if stage is Stage.INTAKE:
        return "We're still getting to know your situation."
    if stage is Stage.UNDERSTAND:
        return (
            f"Step 1: understand {pron(f, 'his')} side.\n\n"
            f"Think back to what {name(f)} said. What was {pron(f, 'his')} reason for ending it: clear, or vague? "
            f'If you truly don\'t know, you may ask {him(f)} once, sincerely: "In your opinion, what went wrong with us?" '
            "Ask because you want to grow, not to argue.\n\n"
            "Then look for the truth in it, even a small one. A friend who is in a good relationship can help you "
            f"see {pron(f, 'his')} side. If you write back, keep only the parts you agree with, and nothing negative.\n\n"
            "When you've found it, tell me in a sentence, in your own words."
        )
    if stage is Stage.NO_CONTACT:
        end = j.last_contact_at + pace.days(21) if j.last_contact_at else now + pace.days(21)
        days_left = max(0, -(-int((end - now).total_seconds()) // int(pace.day.total_seconds())))
        return (
            f"Step 2: no contact, for 21 days.\n\n"
            f"No calls, no texts, no likes. It may help to delete {pron(f, 'his')} number, and to skip the places "
            f"{he(f)} is likely to be at the weekend. This isn't a game: it gives you both room to breathe, and "
            "gives you time to work on yourself: understanding, trust, patience.\n\n"
            f"{_days(days_left)} to go: you can reach out on {_date(end, j.prefs.timezone)}. "
            "I'll send one small self-work prompt a day, and I'll tell you when it's time."
        )
    if stage is Stage.RECONNECT:
        return (
            "Step 3: reconnect. The waiting is done.\n\n"
            f'Send {him(f)} one casual, short text: "hey, how have you been?", or something that made you think of '
            f"{him(f)}, like a meme. No big talk yet. If {he(f)} doesn't answer, don't worry: you can try once more "
            "after a couple of days. Never chase."
        )
    if stage is Stage.DISCUSS:
        return (
            "Step 4: talk about what happened.\n\n"
            "When it feels natural, talk it through: no blame, own your part, and don't push for an apology. "
            f"Let {him(f)} come to {pron(f, 'his')} own conclusions. Short and warm beats long and heavy. "
            "Tell me when you've had the talk."
        )
    if stage is Stage.REKINDLE:
        return (
            "Step 5: light the spark again.\n\n"
            f"Slip in sincere compliments about what {name(f)} is doing now, and bring up good memories you share, "
            "never the bad ones. Light and flirty is fine; pressure isn't. "
            f"Tell me when {he(f)} feels warm and engaged."
        )
    if stage is Stage.MEET:
        return (
            "Step 6: meet up.\n\n"
            f"Suggest one no-strings date, a bite to eat or a coffee, or go where you know {he(f)}'ll be. "
            f"If {he(f)} hesitates, say it doesn't have to mean anything: the ball is in {pron(f, 'his')} court. "
            "Keep it casual, like old friends catching up. When you leave, say it would be nice to catch up "
            "again sometime soon. Then give it time."
        )
    if stage is Stage.THE_OPTION:
        return (
            "Step 7: put the option out there.\n\n"
            "Give it a week or two after meeting. Then, next time you talk and it feels right, say it simply: "
            "you've been thinking about trying again, and you're happy to take it easy and see how it goes. "
            "No pressure, no deadline. Tell me when you've said it."
        )
    if stage is Stage.HIS_MOVE:
        return (
            f"Step 8: {pron(f, 'his')} move.\n\n"
            f"You've said it; now keep your word. Let {him(f)} plan the next date and start the texts. "
            f"If {he(f)} comes to you, you'll know {he(f)} wants this as much as you do. "
            "Meanwhile, keep working on you. I'll check in every few days."
        )
    if stage is Stage.TOGETHER:
        return (
            f"You and {him(f)} are together again. That's wonderful, and you worked for it.\n\n"
            "To make it last, keep growing: the understanding, trust and patience you built are what's new this time. "
            f"Ask yourself now and then: if nothing had changed, why would {he(f)} stay? Keep talking things through "
            "early, without blame."
        )
    return (
        "You're focusing on you now. That takes courage.\n\n"
        "Keep writing in your journal, check in with your mood, lean on friends, and do one kind thing for yourself "
        "each day. I'm here whenever you want to talk."
    )


def stage_buttons(stage: Stage, j: Journey) -> Keyboard:
    ask = B.intent("What should I text him?", Intent.ASK_SUGGESTION)
    urge = B.intent("I want to text him", Intent.URGE_TO_CONTACT)
    texted = B.intent("I texted him", Intent.I_CONTACTED_HIM)
    replied = B.intent("He replied", Intent.HE_REPLIED)
    no_reply = B.intent("No reply yet", Intent.NO_REPLY)
    reached = B.intent("He reached out", Intent.HE_REACHED_OUT)
    met = B.intent("We met", Intent.WE_MET)
    journal = B.answer("Journal", Question.JOURNAL, "write")
    mood = B.answer("Mood check-in", Question.MOOD, "ask")
    if j.he_said_no or j.unsafe:
        return _rows(journal, mood)
    by_stage: dict[Stage, tuple[Button, ...]] = {
        Stage.INTAKE: (),
        Stage.UNDERSTAND: (
            B.intent("What could I ask him?", Intent.ASK_SUGGESTION),
            B.done("Skip this step", Stage.UNDERSTAND),
        ),
        Stage.NO_CONTACT: (urge, texted, reached, B.answer("Write it unsent", Question.JOURNAL, "unsent")),
        Stage.RECONNECT: (ask, texted, replied, no_reply),
        Stage.DISCUSS: (B.done("We talked it through", Stage.DISCUSS), ask, replied, no_reply),
        Stage.REKINDLE: (B.done("He's warm and engaged", Stage.REKINDLE), ask, met, no_reply),
        Stage.MEET: (met, ask, replied, no_reply),
        Stage.THE_OPTION: (B.done("I said it", Stage.THE_OPTION), ask, reached, met),
        Stage.HIS_MOVE: (reached, met, B.intent("We're back together", Intent.BACK_TOGETHER), urge),
        Stage.TOGETHER: (journal, mood),
        Stage.MOVING_ON: (journal, mood),
    }
    return _rows(*by_stage[stage])


# --------------------------------------------------------------------------------------------------
# Care.

_CRISIS_LINES: dict[str, str] = {
    "US": "In the US: call or text 988 (Suicide & Crisis Lifeline).",
    "CA": "In Canada: call or text 988 (Suicide Crisis Helpline).",
    "GB": "In the UK: Samaritans, 116 123, free, day or night.",
    "IE": "In Ireland: Samaritans, 116 123, free, day or night.",
    "AU": "In Australia: Lifeline, 13 11 14.",
    "NZ": "In New Zealand: call or text 1737.",
    "DE": "In Germany: TelefonSeelsorge, 0800 111 0 111.",
    "AT": "In Austria: TelefonSeelsorge, 142.",
    "CH": "In Switzerland: Die Dargebotene Hand, 143.",
    "FR": "In France: 3114.",
    "ES": "In Spain: 024.",
    "NL": "In the Netherlands: 113 Zelfmoordpreventie, 0800 0113.",
    "BR": "In Brazil: CVV, 188.",
    "IN": "In India: Tele-MANAS, 14416.",
}
_ABUSE_LINES: dict[str, str] = {
    "US": "In the US: National Domestic Violence Hotline, 1-800-799-7233, or text START to 88788.",
    "GB": "In the UK: National Domestic Abuse Helpline, 0808 2000 247, free, 24/7.",
    "AU": "In Australia: 1800RESPECT, 1800 737 732.",
    "DE": "In Germany: Hilfetelefon Gewalt gegen Frauen, 116 016.",
    "FR": "In France: 3919.",
    "ES": "In Spain: 016.",
}
_US_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Detroit",
    "America/Boise",
    "America/Indiana",
    "America/Kentucky",
    "US/",
)
_CA_ZONES = (
    "America/Toronto",
    "America/Vancouver",
    "America/Edmonton",
    "America/Winnipeg",
    "America/Halifax",
    "America/St_Johns",
    "America/Regina",
    "America/Montreal",
    "Canada/",
)
_ZONE_COUNTRY = {
    "Europe/London": "GB",
    "Europe/Belfast": "GB",
    "GB": "GB",
    "Europe/Dublin": "IE",
    "Pacific/Auckland": "NZ",
    "Europe/Berlin": "DE",
    "Europe/Vienna": "AT",
    "Europe/Zurich": "CH",
    "Europe/Paris": "FR",
    "Europe/Madrid": "ES",
    "Europe/Amsterdam": "NL",
    "America/Sao_Paulo": "BR",
    "Asia/Kolkata": "IN",
    "Asia/Calcutta": "IN",
}


def country_of(tz: str) -> str | None:
    """Her country when her time zone makes it clear; None when it doesn't (then only the directory is given)."""
    if tz.startswith(_US_ZONES):
        return "US"
    if tz.startswith(_CA_ZONES):
        return "CA"
    if tz.startswith("Australia/"):
        return "AU"
    return _ZONE_COUNTRY.get(tz)


def crisis(tz: str) -> str:
    country = country_of(tz)
    local = f"\n{_CRISIS_LINES[country]}" if country in _CRISIS_LINES else ""
    return (
        "I'm really glad you told me, and I'm so sorry you're hurting this much. You matter, and you deserve "
        "support right now from a real person.\n\n"
        "Please reach out to a crisis line; they're free and they listen:"
        f"{local}\n"
        "Anywhere in the world: findahelpline.com lists free, confidential helplines by country.\n"
        "If you might act on these thoughts or you're in danger, call your local emergency number now, "
        "or ask someone near you to stay with you.\n\n"
        "I'll be here. Nothing else matters right now but you being safe."
    )


def crisis_checkin() -> str:
    return (
        "Hi, just checking in after yesterday. How are you doing today? "
        "If things feel heavy again, findahelpline.com can connect you with someone to talk to, any time."
    )


def unsafe(tz: str) -> str:
    country = country_of(tz)
    local = f"\n{_ABUSE_LINES[country]}" if country in _ABUSE_LINES else ""
    return (
        "Thank you for telling me. What you describe isn't okay, and it isn't your fault. "
        "Your safety comes first, before any plan to get back together, so I won't coach a return to someone "
        "who has hurt or frightened you.\n\n"
        "People who know about this can help you think it through, confidentially:"
        f"{local}\n"
        "Anywhere: findahelpline.com lists support lines by country, and hotpeachpages.net lists abuse "
        "support services worldwide.\n"
        "If you're in danger right now, call your local emergency number.\n\n"
        "I'm still here for you: for your journal, your mood, and moving forward."
    )


def back_together_unsafe(tz: str) -> str:
    return (
        "I hear you. Because of what you told me about how he treated you, I can't coach this part, "
        "but I care about how it goes for you. " + unsafe(tz).split("\n\n", 1)[1]
    )


def he_reached_out_unsafe(tz: str) -> str:
    return (
        "You don't owe a reply to someone who has hurt or frightened you. If his message worries you, "
        "keep it, don't meet alone, and talk to someone you trust. "
        "findahelpline.com and hotpeachpages.net list support lines that can help you plan to stay safe."
    )


def court_order(f: Facts, tz: str) -> str:
    return (
        "Thank you for telling me. A restraining or protective order changes everything, so I'll say it plainly: "
        f"contact with {him(f)}, even a short reply or a message through a friend, could put you at legal risk. "
        f"I won't help with any contact, not even if {he(f)} reaches out first.\n\n"
        "If you're unsure what the order allows, the court that issued it, a lawyer or a local legal advice "
        "service can tell you. If you feel unsafe, call your local emergency number; findahelpline.com and "
        "hotpeachpages.net list support services.\n\n"
        "I'm still here for you: your journal, your mood, and moving forward."
    )


def court_order_stands(f: Facts) -> str:
    return (
        f"Because there's a court order, I can't help with anything between you and {him(f)}, and contact could "
        "put you at legal risk. How are you feeling about it? Writing it in your journal can help."
    )


def he_reached_out_court_order(f: Facts) -> str:
    return (
        f"Even though {name(f)} reached out first, the court order still stands, and replying could put you at "
        "legal risk. Please don't answer; keep the message in case you need it. If you're unsure what the order "
        "allows, ask the court or a lawyer. I'm here if you want to talk it through."
    )


def did_he_reach_out(f: Facts) -> str:
    return (
        f"That's a lot to take in. Earlier, {name(f)} asked for space, and I've been holding to that with you. "
        f"Did {he(f)} reach out to you, on {pron(f, 'his')} own? If so, tell me and we'll look at it together. "
        "If not, I'm here for how you feel about it."
    )


def did_he_reach_out_buttons() -> Keyboard:
    return _rows(
        B.intent("Yes, he reached out to me", Intent.HE_REACHED_OUT),
        B.answer("Write about it", Question.JOURNAL, "write"),
        per_row=1,
    )


# When the coach is unsure what she meant: one short question, the likeliest readings as buttons.

# Each reading as she would say it, so the button reads as her own answer.
READING_LABELS: dict[Intent, str] = {
    Intent.ASK_SUGGESTION: "I want ideas for what to text him",
    Intent.CHECK_DRAFT: "Check a text I wrote",
    Intent.URGE_TO_CONTACT: "I want to contact him right now",
    Intent.I_CONTACTED_HIM: "I texted or called him",
    Intent.HE_REPLIED: "He replied",
    Intent.NO_REPLY: "He hasn't replied",
    Intent.HE_REACHED_OUT: "He reached out first",
    Intent.WE_MET: "We saw each other",
    Intent.HE_SAID_NO: "He said no / wants no contact",
    Intent.BACK_TOGETHER: "We're back together",
    Intent.FEELING_DOWN: "I'm having a hard time",
    Intent.UNSAFE: "I'm not safe with him",
    Intent.PROGRESS: "Where am I in the program?",
    Intent.MOVING_ON: "I want to let him go",
    Intent.SMALL_TALK: "Just saying hi",
    Intent.HELP: "How does this work?",
    Intent.OTHER: "Something else",
}


def unsure_what_you_meant() -> str:
    return "I want to be sure I read you right. Which is closest?"


def unsure_buttons(options: tuple[Intent, ...]) -> Keyboard:
    choices = [B.clarify(READING_LABELS[i], i.value) for i in options if i in READING_LABELS]
    return _rows(*choices, B.clarify("Just keep it in my journal", "journal"), per_row=1)


def cant_read_this_language() -> str:
    return (
        "I'm sorry, I can only read English well for now, and I don't want to guess at something that may "
        "matter. Could you tell me in English? Or I can keep your words in your journal."
    )


def safety_check(about: Intent, f: Facts) -> str:
    if about is Intent.CRISIS:
        return (
            "Before anything else, I want to ask you directly, because it matters: are you thinking about "
            "hurting yourself, or about ending your life?"
        )
    if about is Intent.UNSAFE:
        return (
            f"Before anything else, I want to ask you directly, because it matters: has {name(f)} hurt you, "
            f"threatened you, or are you afraid of {him(f)}?"
        )
    return (
        f"I want to be sure I understood: did {name(f)} tell you {he(f)} doesn't want to get back together, "
        f"or asked you not to contact {him(f)}?"
    )


def safety_check_buttons(about: Intent) -> Keyboard:
    no = "No, I'm safe" if about is not Intent.HE_SAID_NO else "No, not that"
    return _rows(B.clarify("Yes", about.value), B.clarify(no, "safe"), per_row=2)


def glad_youre_safe() -> str:
    return "Thank you for telling me. If that ever changes, tell me, any time."


def unclear_is_old() -> str:
    return "That question is from earlier, so I'll leave it. Tell me in your own words what's on your mind."


def did_i_get_that_right() -> str:
    return "Did I get that right? If I misread you, tap No and I'll put everything back as it was."


def did_i_get_that_right_buttons(n: int) -> Keyboard:
    return _rows(B.keep("Yes", n), B.undo("No, that's not what I meant", n), per_row=1)


def undo_buttons(n: int) -> Keyboard:
    return _rows(B.undo("That's not what I meant", n))


def moved_on_quietly() -> str:
    return "I've noted that."


def thanks_for_confirming(j: Journey) -> str:
    return "Thank you for telling me. I'm here, whatever you need."


def undone(j: Journey, lifted: tuple[str, ...] = ()) -> str:
    f = j.facts
    what = {
        "court_order": "I've lifted the court order I thought you mentioned",
        "he_said_no": f"I won't treat it as {name(f)} saying no",
        "unsafe": f"I won't treat it as you being unsafe with {him(f)}",
        "crisis": "I've lifted the pause I'd put on things",
    }
    # An order also counts as his no: one sentence for it is enough.
    said = [what[k] for k in lifted if not (k == "he_said_no" and "court_order" in lifted)]
    lifted_text = f" {'; '.join(said)}." if said else ""
    return (
        f"Sorry, I misread you.{lifted_text} Everything is back as it was: you're in {STAGE_NAMES[j.stage]}, "
        "with your reminders as before. Tell me again in other words whenever you like."
    )


def after_crisis_heard() -> str:
    return (
        "Thank you for letting me know how you are. I'm really glad you reached out to someone. "
        "If it gets heavy again, findahelpline.com can connect you with someone to talk to, any time. "
        "Whenever you're ready, we can carry on."
    )


def he_said_no(f: Facts) -> str:
    return (
        f"I'm so sorry. That hurts, and it's okay to feel all of it.\n\n"
        f"{name(f)} has asked for space, and I'll respect that with you: I won't help you contact "
        f"{him(f)}, and I won't send any more reminders about reaching out. Honouring {pron(f, 'his')} no is also "
        "a way of honouring yourself.\n\n"
        "What I can do is help you through this: your journal, an unsent letter, mood check-ins, and small steps "
        f"for you. If {name(f)} ever reaches out on {pron(f, 'his')} own, tell me and we'll look at it together."
    )


def moving_on(f: Facts) -> str:
    return (
        f"That's a brave, grown-up decision, and it's yours to make. I've stopped everything about contacting "
        f"{him(f)}.\n\n"
        "Letting go with dignity looks like this: no last messages to win the argument, kindness to yourself, "
        "and time with people who love you. Write in your journal when it gets loud, and check in with your mood. "
        "I'm still here whenever you want to talk."
    )


def moving_on_again(f: Facts) -> str:
    return "You're doing this, one day at a time. Want to write about today, or check in with your mood?"


def he_reached_out_after_moving_on(f: Facts) -> str:
    return (
        f"{name(f)} reached out. How do you feel about it? You decided to move on, and that still stands unless "
        "you want it to change. You don't owe an answer. If you do want to try again, I can help you reply."
    )


def reopen_buttons() -> Keyboard:
    return _rows(
        B.done("Help me answer", Stage.MOVING_ON),
        B.intent("I'm staying moved on", Intent.MOVING_ON),
        per_row=1,
    )


def reopened_by_him(f: Facts) -> str:
    return (
        f"{name(f)} reached out first. Since {he(f)} chose to, I can help again, with {him(f)} leading. "
        "Answer warmly and briefly, match his pace, and don't rush anything."
    )


def no_manipulation(f: Facts) -> str:
    return (
        "I won't help with that one. Making someone jealous, guilty or scared, tests, or a story that isn't true "
        "might get a reaction, but not the relationship you want: it starts the next round on mistrust.\n\n"
        f"What works better and lasts: a short, warm, honest message when the time is right, and showing {him(f)} "
        "how you've grown. Want help with a text like that?"
    )


def feeling_down(j: Journey, now: datetime) -> str:
    steps = (
        "Put on your shoes and take a ten-minute walk, phone in your pocket.",
        "Write three things you did well this week, however small.",
        "Text a friend who makes you laugh, about anything but him.",
        "Drink a glass of water, open a window, and take five slow breaths.",
        "Write down one thing you've learned about yourself since the breakup.",
    )
    step = steps[now.toordinal() % len(steps)]
    return (
        "I'm sorry it's so hard right now. Missing someone is real pain, and you're allowed to feel it. "
        "It comes in waves, and waves pass.\n\n"
        f"One small step for today: {step}\n\n"
        "If it helps to get it out, write it in your journal or as an unsent letter."
    )


def feeling_down_buttons() -> Keyboard:
    return _rows(
        B.answer("Write it out", Question.JOURNAL, "write"),
        B.answer("Unsent letter", Question.JOURNAL, "unsent"),
        B.answer("Mood check-in", Question.MOOD, "ask"),
    )


# --------------------------------------------------------------------------------------------------
# Contact and replies.


def sos(j: Journey, now: datetime, pace: Pace) -> str:
    f = j.facts
    end = (j.last_contact_at or now) + pace.days(21)
    left = max(0, -(-int((end - now).total_seconds()) // int(pace.day.total_seconds())))
    return (
        "Pause. Put the phone face down for a second. This feeling is strong, and it passes.\n\n"
        f"Why wait: the quiet gives {name(f)} room to miss you and gives you room to grow. A text now restarts the "
        f"clock. You have {_days(left)} to go.\n\n"
        "An urge like this peaks and fades, often within ten minutes. Ride it out:\n"
        "1. Leave the room you're in, or step outside.\n"
        "2. Drink some water and breathe out slowly, longer than you breathe in.\n"
        "3. Text a friend instead, or write the message here, unsent.\n\n"
        "Want to write it unsent? It helps more than you'd think. And tell me how you feel when it's passed."
    )


def sos_buttons() -> Keyboard:
    return _rows(
        B.answer("Write it unsent", Question.JOURNAL, "unsent"),
        B.answer("Journal", Question.JOURNAL, "write"),
    )


def urge_ok(f: Facts, stage: Stage) -> str:
    return (
        f"At this stage, reaching out is fine: one short, warm text, then let {him(f)} answer in {pron(f, 'his')} "
        "own time. Want a few options, or to check yours?"
    )


def urge_after_two_unanswered(f: Facts) -> str:
    return (
        f"I know it's hard. You've sent two texts without an answer, so a third would only push {him(f)} away. "
        f"Give it a week and let {him(f)} come to you. Write what you want to say here, unsent, instead."
    )


def urge_after_no(f: Facts) -> str:
    return (
        f"I understand the pull. But {name(f)} asked for no contact, and I won't help with that. "
        "Write it here instead, unsent: it's a safe place to put it down."
    )


def contacted_after_no(f: Facts) -> str:
    return (
        "Thank you for telling me honestly. Let's make that the last one: his no deserves respect, and so do you. "
        "Write what you're feeling in your journal."
    )


def contacted(f: Facts, stage: Stage, count: int) -> str:
    if count == 1:
        return f"Done, nice. Now let it be: no follow-ups. I'll ask you in a couple of days whether {he(f)} replied."
    if count == 2:
        # Only just sent: it is not "unanswered" yet, so the coach does not say so.
        return (
            f"Okay, that's your second text. Now let it be, with no more until {he(f)} answers. If it stays "
            f"quiet, we wait and let {him(f)} come to you: no third text. I'll check in with you."
        )
    return (
        f"I hear you. That makes {count} texts in a row, so let's stop here and give {him(f)} real space. "
        "I'll check in with you in a week."
    )


def slip(j: Journey, streak: int, best: int, ends: datetime) -> str:
    return (
        "Thanks for being honest; that matters more than a perfect record. Slips happen, and one doesn't undo "
        "what you've learned.\n\n"
        f"Your streak was {_days(streak)}; your best is {_days(best)}. The 21 days start again today, "
        f"so you can reach out on {_date(ends, j.prefs.timezone)}. "
        'Next time the urge hits, tap "I want to text him" and I\'ll help you ride it out.'
    )


def chance_meeting_in_no_contact(f: Facts) -> str:
    return (
        "Running into each other happens. If you kept it short and friendly, that's not a slip. "
        f'If you reached out to {him(f)} afterwards, tap "I texted him" and we\'ll reset the count together.'
    )


def contact_open(f: Facts, stage: Stage, text: str) -> str:
    if stage is Stage.NO_CONTACT:
        return (
            f"{name(f)} reached out first: the quiet did its work. No contact can end here, and {he(f)} leads. "
            "Answer warmly and briefly, no big talks yet."
        )
    return f"{name(f)} answered. Lovely. Keep it light and short, and let the conversation breathe."


def he_replied(f: Facts, stage: Stage) -> str:
    return (
        f"That's good news. Keep your answers warm and short, and let {him(f)} carry some of the conversation. "
        "Want help with what to say?"
    )


def no_reply_nothing_sent(f: Facts, stage: Stage) -> str:
    return (
        f'Did you send {him(f)} something? If so, tap "I texted him" so I can keep track. '
        "If not, there's nothing to wait for yet."
    )


def no_reply_try_again(j: Journey, retry_at: datetime, now: datetime) -> str:
    f = j.facts
    if now >= retry_at:
        return (
            f"No answer yet, and that's okay: people get busy, and it's not a verdict on you. "
            f"It's been a couple of days, so one more casual text to {him(f)} is fine. Want some options?"
        )
    return (
        "No answer yet, and that's okay: don't read too much into it. "
        f"Give it until {_date(retry_at, j.prefs.timezone)}; then one more casual text is fine. No chasing before that."
    )


def no_reply_wait_a_week(f: Facts) -> str:
    return (
        f"Two texts without an answer means it's time to stop texting and let {him(f)} come to you. "
        f"Give it a week. If you know where {he(f)}'ll be, seeing each other casually can work better than a third text."
    )


def we_met(f: Facts, stage: Stage) -> str:
    return (
        f"How was it? Whatever happened, you showed up, and that counts. Keep the next steps casual, and let "
        f"{him(f)} come to you."
    )


def we_met_did_you_talk(f: Facts) -> str:
    return f"You saw {him(f)}. Did you get to talk about what happened between you?"


def did_you_talk_buttons() -> Keyboard:
    return _rows(B.done("Yes, we talked it through", Stage.DISCUSS), B.intent("Not yet", Intent.SMALL_TALK))


def after_meeting(f: Facts) -> str:
    return (
        f"You met {him(f)}. Well done for keeping it casual. Now comes the hard, important part: patience. "
        f"Let a week or two pass, and let {him(f)} come to you; no constant texting. I'll check in with you in a week."
    )


def him_leading(f: Facts) -> str:
    return (
        f"{name(f)} is taking the lead. That's exactly what you hoped for. Answer warmly, say yes to what you want, "
        "and keep it easy. No need to plan the next step yourself."
    )


def let_him_lead(f: Facts) -> str:
    return (
        f"You've put the option out there; now it's {pron(f, 'his')} move. Keep your word and let {him(f)} lead. "
        "If you want to talk to someone, text a friend, or write it here in your journal."
    )


def did_he_reply(f: Facts) -> str:
    return f"It's been a couple of days since you texted {him(f)}. Did {he(f)} reply?"


def did_he_reply_buttons() -> Keyboard:
    return _rows(
        B.intent("He replied", Intent.HE_REPLIED),
        B.intent("No reply yet", Intent.NO_REPLY),
        B.intent("He reached out", Intent.HE_REACHED_OUT),
    )


def quiet_week(f: Facts) -> str:
    return (
        f"It's been a week since your last text to {him(f)}. Has {he(f)} been in touch? If not, no third text. "
        f"If you know somewhere {he(f)}'ll be, seeing each other casually is the better next step."
    )


def quiet_week_buttons() -> Keyboard:
    return _rows(
        B.intent("He replied", Intent.HE_REPLIED),
        B.done("I'll try seeing him", Stage.RECONNECT),
        B.intent("I want to let go", Intent.MOVING_ON),
    )


def meet_checkin(f: Facts) -> str:
    return f"It's been a week since you met {him(f)}. How are things? Anything from {him(f)}?"


def light_touch(f: Facts) -> str:
    return (
        f"Two weeks since you met, and nothing from {him(f)}. One light touch is fine now: a short, friendly text, "
        "no pressure. Want a few options?"
    )


def light_touch_buttons() -> Keyboard:
    return _rows(
        B.intent("What should I text him?", Intent.ASK_SUGGESTION),
        B.intent("He reached out", Intent.HE_REACHED_OUT),
    )


def his_move_checkin(f: Facts) -> str:
    return f"Checking in. How are things with {him(f)}? Patience is doing the work; keep focusing on you."


def self_work_prompt(j: Journey, now: datetime, pace: Pace) -> str:
    prompts = (
        "Understanding: write down one thing from the breakup you now see from his side.",
        "Trust: what is one thing you'd do differently if you felt secure? Write it down.",
        "Patience: notice one moment today when you wanted something right away, and waited.",
        "Do one thing today just for you: a class, a walk, a call with a friend.",
        "What is one small promise you can make yourself this week, and keep?",
        "Write about a time you felt proud of yourself. What made it possible?",
        "What did you give up in the relationship that you want back for yourself?",
    )
    start = j.last_contact_at or now
    day = max(1, int((now - start) / pace.day) + 1)
    return f"Day {min(day, 21)} of 21. {prompts[day % len(prompts)]}"


def self_work_buttons() -> Keyboard:
    return _rows(
        B.answer("Write about it", Question.JOURNAL, "write"),
        B.intent("I want to text him", Intent.URGE_TO_CONTACT),
    )


# --------------------------------------------------------------------------------------------------
# Progress.


def progress(j: Journey, now: datetime, pace: Pace) -> str:
    idx = STAGE_ORDER.index(j.stage)
    lines = [f"Where you are: {STAGE_NAMES[j.stage]}"]
    if j.stage not in (Stage.TOGETHER, Stage.MOVING_ON):
        lines[0] += f" (step {idx} of 8)"
    if j.stage is Stage.NO_CONTACT and j.last_contact_at is not None:
        end = j.last_contact_at + pace.days(21)
        day = min(21, int((now - j.last_contact_at) / pace.day))
        lines.append(f"No contact: day {day} of 21. You can reach out on {_date(end, j.prefs.timezone)}.")
    if j.best_streak_days or j.slips:
        lines.append(f"Best streak: {_days(j.best_streak_days)}; slips so far: {j.slips}.")
    if j.stage_since is not None:
        in_stage = int((now - j.stage_since) / pace.day)
        lines.append(f"In this stage for {_days(in_stage)}.")
    lines.append(f"Next: {_next_step(j, now, pace)}")
    if j.prefs.paused:
        lines.append("Your nudges are paused (/resume to turn them back on).")
    return "\n".join(lines)


def _next_step(j: Journey, now: datetime, pace: Pace) -> str:
    f = j.facts
    if j.he_said_no or j.unsafe:
        return "taking care of you. No contact steps."
    nexts = {
        Stage.UNDERSTAND: f"name {pron(f, 'his')} reason, then 21 days of no contact.",
        Stage.NO_CONTACT: "one casual text when the 21 days are up.",
        Stage.RECONNECT: f"one casual text, and {pron(f, 'his')} reply.",
        Stage.DISCUSS: "talk through what happened, without blame.",
        Stage.REKINDLE: "compliments and good memories, until it feels warm.",
        Stage.MEET: "one no-strings date.",
        Stage.THE_OPTION: "put the option out there, gently.",
        Stage.HIS_MOVE: f"let {him(f)} lead.",
        Stage.TOGETHER: "keep growing together.",
        Stage.MOVING_ON: "one kind step for yourself each day.",
        Stage.INTAKE: "finish the intake questions.",
    }
    text = nexts[j.stage]
    if j.stage is Stage.RECONNECT and j.unanswered >= 2 and j.last_text_at:
        text = f"wait until {_date(j.last_text_at + pace.days(7), j.prefs.timezone)}, no third text."
    elif j.stage is Stage.RECONNECT and j.unanswered == 1 and j.last_text_at:
        text = f"if no answer, one more text from {_date(j.last_text_at + pace.days(2), j.prefs.timezone)}."
    elif j.stage is Stage.THE_OPTION and j.last_met_at:
        text = f"put the option out there, after {_date(j.last_met_at + pace.days(7), j.prefs.timezone)}."
    return text


def chart_button() -> Keyboard:
    return _rows(B.command("Show my journey chart", Command.PROGRESS))


def chart_caption(j: Journey) -> str:
    return f"Your journey so far: {STAGE_NAMES[j.stage]}."


# --------------------------------------------------------------------------------------------------
# Texting help (the drafts themselves are in drafts.py).


def suggestions(s: drafts.SuggestionsView, f: Facts) -> str:
    return drafts.render_suggestions(s, f)


def suggestion_buttons(s: drafts.SuggestionsView, variant: int, style: str) -> Keyboard:
    if s.withheld is not None or not s.options:
        if s.days_left is not None:
            return _rows(B.answer("Write it unsent", Question.JOURNAL, "unsent"))
        return ()
    sent = tuple(B.suggest(f"I sent #{i + 1}", "sent", variant, style, i) for i in range(len(s.options)))
    more = (
        B.suggest("Another set", "another", variant, style),
        B.suggest("Shorter", "shorter", variant, style),
        B.suggest("More playful", "playful", variant, style),
    )
    if s.mode != "send":
        return (more,)
    return (sent, more)


def sent_recorded(text: str) -> str:
    return f'Noted: you sent "{text}".'


def ask_for_draft(f: Facts) -> str:
    return question(Question.DRAFT, f)


def review(r: drafts.ReviewView, pronoun: Pronoun = Pronoun.HE) -> str:
    return drafts.render_review(r, pronoun=pronoun)


def review_buttons(j: Journey, r: drafts.ReviewView) -> Keyboard:
    if j.he_said_no or j.unsafe:
        return ()
    if r.verdict == "send":
        # It is good to send: writing it unsent would take back what the verdict just said.
        return _rows(
            B.intent("I sent it", Intent.I_CONTACTED_HIM),
            B.intent("Give me options", Intent.ASK_SUGGESTION),
        )
    return _rows(
        B.intent("Give me options", Intent.ASK_SUGGESTION),
        B.answer("Write it unsent", Question.JOURNAL, "unsent"),
    )


# --------------------------------------------------------------------------------------------------
# Journal, memory, mood, settings, and the small things.


def kept_in_journal(j: Journey) -> str:
    return "I've kept that in your journal. Anything else on your mind?"


def note_saved(kind: NoteKind, f: Facts) -> str:
    if kind is NoteKind.UNSENT:
        return "Saved, and unsent. Well done for putting it down here instead. How do you feel now?"
    return "Saved in your journal. Writing it down is part of the work."


def journal_menu(f: Facts) -> str:
    return "Your journal: write an entry, write an unsent letter, or read your recent ones."


def journal_buttons() -> Keyboard:
    return _rows(
        B.answer("Write an entry", Question.JOURNAL, "write"),
        B.answer("Unsent letter", Question.JOURNAL, "unsent"),
        B.answer("Recent entries", Question.JOURNAL, "recent"),
    )


def journal_list(entries: list[tuple[datetime, NoteKind, str]], tz: str) -> str:
    if not entries:
        return "Your journal is empty so far. Tap Write an entry whenever you're ready."
    lines = ["Your recent entries:"]
    for at, kind, text in entries:
        label = "Unsent letter" if kind is NoteKind.UNSENT else "Entry"
        short = text if len(text) <= 160 else text[:157] + "..."
        lines.append(f"• {_date(at, tz)}, {label}: {short}")
    return "\n".join(lines)


def memory_menu(f: Facts) -> str:
    n = len(f.memories)
    saved = f"You've saved {n} good {'memory' if n == 1 else 'memories'}." if n else "No memories saved yet."
    into = f" {name(f)} is into: {f.now_into}." if f.now_into else ""
    return (
        f"{saved}{into} These make the texts I suggest personal.\n\n"
        f"Tell me one good memory of you and {him(f)}: a trip, a joke, a moment you both loved."
    )


def memory_buttons() -> Keyboard:
    return _rows(
        B.answer("Save a good memory", Question.MEMORY, "memory"),
        B.answer("What he's into now", Question.MEMORY, "now_into"),
    )


def memory_saved(f: Facts) -> str:
    return "Saved. A good memory, brought up at the right moment, is one of the warmest things you can share."


def now_into_saved(f: Facts) -> str:
    return "Got it. A sincere compliment about that can go a long way later on."


def mood_range() -> str:
    return "Just a number from 1 (awful) to 5 (great), please."


def mood_saved(mood: int, f: Facts) -> str:
    if mood <= 2:
        return "Thank you for telling me. Low days are part of this. Be gentle with yourself today."
    if mood == 3:
        return "Noted: a middle-of-the-road day. That's okay."
    return "Noted. Glad you're feeling good today!"


def settings_menu(j: Journey, now: datetime) -> str:
    p, f = j.prefs, j.facts
    quiet = "off" if p.quiet_start == p.quiet_end else f"{p.quiet_start:02d}:00-{p.quiet_end:02d}:00"
    return (
        "Your settings:\n"
        f"• Time zone: {p.timezone}\n"
        f"• Quiet hours: {quiet}\n"
        f"• Daily prompt at: {p.nudge_hour:02d}:00\n"
        f"• His name: {f.his_name or 'not set'}\n"
        f"• Pronouns: {f.pronoun.value}\n"
        f"• When it ended: {_choice_label(Question.ENDED, f.ended) or 'not set'}\n"
        f"• Who ended it: {_choice_label(Question.WHO_ENDED, f.who_ended) or 'not set'}\n"
        f"• His reason: {f.his_reason or 'not given'}\n"
        f"• In touch: {_choice_label(Question.STILL_TALK, f.still_talk) or 'not set'}\n"
        f"• Nudges: {'paused' if p.paused else 'on'}"
    )


def _choice_label(q: Question, key: str) -> str:
    return next((label for k, label in CHOICES[q] if k == key), key)


def settings_buttons() -> Keyboard:
    q = Question.SETTINGS
    return _rows(
        B.answer("Time zone", q, "timezone"),
        B.answer("Quiet hours", q, "quiet"),
        B.answer("Nudge hour", q, "nudge_hour"),
        B.answer("His name", q, "name"),
        B.answer("Pronouns", q, "pronoun"),
        B.answer("When it ended", q, "ended"),
        B.answer("Who ended it", q, "who_ended"),
        B.answer("His reason", q, "his_reason"),
        B.answer("Still in touch", q, "still_talk"),
    )


def settings_saved(j: Journey, now: datetime) -> str:
    return "Saved.\n\n" + settings_menu(j, now)


def quiet_hours_unknown() -> str:
    return "I couldn't read that. Try something like 22-8, or 11pm to 7am, or off."


def hour_unknown() -> str:
    return "I couldn't read that hour. Try 19, or 7pm."


def paused() -> str:
    return (
        "Nudges paused. I won't message you first until you send /resume. You can still talk to me any time."
    )


def resumed() -> str:
    return "Nudges are back on. Anything that came due while paused will arrive at a sensible hour."


def reset_done() -> str:
    return "Done: we're starting fresh. Your journal is still here."


def reset_done_his_no_stands(j: Journey) -> str:
    f = j.facts
    if j.court_order:
        why = "the court order still stands, and I won't help with any contact"
    elif j.unsafe:
        why = f"what you told me about your safety with {him(f)} still stands, so I won't coach a return"
    else:
        why = (
            f"{name(f)}'s no still stands: I won't help you contact {him(f)} unless {he(f)} reaches out on "
            f"{pron(f, 'his')} own"
        )
    return (
        f"Done: we're starting fresh, and your journal is still here. One thing doesn't reset: {why}. "
        "Only /delete removes that, with everything else.\n\n"
        "So this fresh start is about you: your journal, your mood, and one kind step for yourself each day."
    )


def reset_kept() -> str:
    return "Okay, nothing changed. You're right where you were."


def delete_kept() -> str:
    return "Okay, nothing was deleted."


def delete_done() -> str:
    return "Everything I held about you is deleted: answers, history, journal, moods and nudges. Take care of yourself. Send /start if you ever want to begin again."


def export_coming() -> str:
    return "Here is everything I hold about you."


def export_caption() -> str:
    return "Your data from Rekindle, as JSON."


def cancel_in_intake() -> str:
    return "No problem. We'll pick up these questions whenever you send /start."


def cancelled() -> str:
    return "Okay, cancelled."


def stale_button() -> str:
    return "That button is from an earlier step, so I've left things as they are."


def didnt_catch() -> str:
    return "I didn't catch that. Tell me in a few words, or send /help to see what I can do."


def small_talk(text: str, j: Journey) -> str:
    t = text.lower()
    if any(w in t for w in ("thank", "thx", "ty", "best", "appreciate")):
        return "You're welcome. I'm glad to be in your corner."
    if any(w in t for w in ("hi", "hello", "hey", "morning", "evening")):
        return f"Hi! You're in: {STAGE_NAMES[j.stage]}. What's on your mind?"
    return "Okay. I'm here whenever you want to talk or need a hand."


def help_text() -> str:
    return (
        "I'm Rekindle, a coach for getting back together with an ex, honestly and kindly. I walk you through a "
        "step-by-step program: understand what happened, 21 days of no contact, reconnect, talk it through, "
        "light the spark, meet, put the option out there, and let him come to you.\n\n"
        'Just tell me what\'s happening in your own words ("he replied!", "I want to text him", '
        '"what should I text him?"), or tap a button. If I misread you, tap "That\'s not what I meant" or '
        'say "no wait", and I\'ll put things back. Commands:\n'
        + "\n".join(f"/{c.value} - {d}" for c, d in COMMANDS)
        + "\n\nImportant: I'm a coach, not a therapist, and not for emergencies. If you're in danger or thinking "
        "of hurting yourself, call your local emergency number or find a helpline at findahelpline.com.\n"
        "Your data is yours: /export sends it to you; /delete removes all of it. "
        "To change your time zone: /settings."
    )


def reason_named(f: Facts) -> str:
    return (
        "Thank you. Naming it honestly is the hardest part, and you just did it. "
        "Is there some truth in it you can work on? That's what the next weeks are for."
    )


# --------------------------------------------------------------------------------------------------
# Messages of the chat adapters (not of the program).


def group_chat() -> str:
    return "I only talk one-to-one. Please message me in a private chat."


def unsupported_media() -> str:
    return "I can only read text for now. Could you tell me in words?"


def edited_message() -> str:
    return (
        "I saw you edited a message. I go by what you first sent; if something changed, just tell me again."
    )


def too_long(limit: int) -> str:
    return f"That's a lot to take in at once. Could you send it in shorter parts (under {limit} characters)?"


def empty_message() -> str:
    return "That message looked empty. Tell me what's on your mind."


def something_went_wrong() -> str:
    return "Sorry, something went wrong on my side and nothing was changed. Please try again in a moment."


def forged_button() -> str:
    return "I don't recognise that button, so I've left everything as it was."


def console_banner() -> str:
    return "Rekindle, console coach. Type /start to begin, /help for commands; Ctrl-D to quit."


def together_again(f: Facts) -> str:
    return (
        f"You and {him(f)} are together, and I'm so happy for you. Keep doing what worked: honest talks early, "
        "no blame, and your own growth. Want to save a good memory from this week?"
    )
