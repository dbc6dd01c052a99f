"""Update benchmark: `python bench/updates.py [--updates N] [--users M]` pushes text updates through the bot.

Two runs in one process, both through python-telegram-bot's own `Application.process_update(Update.de_json(...))`
with the Bot API replaced by tests.fakes.recording_request.RecordingRequest (every call recorded, none sent):

1. the real bot: bot.telegram_app.build_application over the real Coaching use case, on a fresh SQLite file
   (storage.store.open_store, migrations and all) in a temporary directory; every update is one committed
   transaction. Each user first does /start and the whole intake (typed answers and button presses), and is
   taken to one of several stages; that part is timed separately. Then N mixed text updates (small talk,
   progress questions, "he replied", urges to text him, journal-like free text, "what should I text him?",
   drafts to check, low moments) from M users, in a seeded random order, are timed one by one.
2. the floor: a bare python-telegram-bot Application whose one MessageHandler replies with the same text,
   fed the very same N updates.

The clock is tests.fakes.clock.FakeClock, so a run is repeatable. Latency is perf_counter around each
process_update call; per_s is updates over the wall time of the whole timed loop (Update.de_json included).
The last line is for scripts:

    updates per_s=<> p50_ms=<> p99_ms=<> floor_per_s=<> ratio=<per_s/floor_per_s>
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, the project root is not on the path
    sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.chart import journey_chart  # noqa: E402
from bot.telegram_app import build_application  # noqa: E402
from bot.usecase import Coaching  # noqa: E402
from coach.vocabulary import Pace, Stage  # noqa: E402
from storage.store import SqlStore, open_store  # noqa: E402
from tests.fakes.clock import FakeClock  # noqa: E402
from tests.fakes.recording_request import BOT_ID, RecordingRequest  # noqa: E402

TOKEN = "123456:BENCH-token-for-recording-0123456789"
FIRST_USER = 10_000_001
SEED = 20261102

NAMES = ("Sam", "Alex", "Jordan", "Tom", "Chris", "Daniel", "Luca", "Marco", "Ben", "Noah", "Jonas", "Leo")
REASONS = (
    "he said we were fighting all the time",
    "he told me he needed space and didn't feel the same anymore",
    "he said I was too jealous and he couldn't breathe",
    "something about the distance and his new job",
    "he said we wanted different things",
)
CITIES = ("Berlin", "London", "New York", "UTC+2", "Paris", "Madrid", "Toronto", "Sydney")
OWN_PART = (
    "I think he felt I never trusted him, and there's truth in that",
    "I was always on my phone and never really listened to him",
    "honestly I pushed him away when things got hard",
    "we stopped making time for each other and I blamed him for it",
)

# The timed mix: (weight, category, texts). {name} is his name.
MIX: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        18,
        "small_talk",
        (
            "hi",
            "hey",
            "thanks",
            "thank you so much",
            "good morning",
            "ok",
            "okay thanks",
            "lol",
            "hello again",
            "good night",
            "hey coach",
            "you're sweet",
        ),
    ),
    (
        5,
        "progress",
        (  # each draws the /progress chart (about 0.1 s): kept to a realistic share
            "how am I doing?",
            "how many days left?",
            "what's next?",
            "where am I at",
            "how long until I can text him?",
            "what step am I on",
            "how far along am I",
        ),
    ),
    (
        10,
        "he_replied",
        (
            "he replied!",
            "he texted me back",
            "{name} answered my message",
            "he wrote back!!",
            "omg he replied to my text",
            "he messaged me first",
        ),
    ),
    (
        12,
        "urge",
        (
            "I want to text him",
            "I really want to call him right now",
            "can I message him?",
            "I'm so tempted to text {name}",
            "should I just call him",
            "I need to talk to him tonight",
        ),
    ),
    (
        20,
        "journal",
        (
            "today I went for a run and felt better about things",
            "I saw his friend at the cafe and it brought back a lot of memories, but I kept it together",
            "work was busy so I didn't think about him much, which felt strange",
            "I've been reading about attachment styles and I recognise myself in the anxious one",
            "my sister says I seem calmer lately. I started painting again in the evenings",
            "I cleaned out my closet and found the hoodie he left, I put it in a box for now",
            "went to yoga, cooked dinner for myself, a good day overall",
            "I keep replaying our last conversation in my head and wondering what I could have said",
        ),
    ),
    (
        12,
        "ask_suggestion",
        (
            "what should I text him?",
            "what do I say to him?",
            "help me write a text to {name}",
            "give me something to send him",
            "what could I text him",
            "any ideas what to message him?",
        ),
    ),
    (
        6,
        "check_draft",
        (
            'is this ok to send: "hey, hope your week is going well"',
            "can I send him 'hi, I saw a dog that looked just like Max today'",
            'what do you think of "hey stranger, how have you been?"',
        ),
    ),
    (
        8,
        "feeling_down",
        (
            "I miss him so much",
            "feeling really low today",
            "I cried all morning",
            "I can't stop thinking about {name}",
            "today is hard",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Plan:
    """One user's intake and the stage she is taken to before the timed run."""

    name: str
    steps: tuple[tuple[str, str], ...]  # ("text", typed) or ("press", label)


def intake_plan(n: int) -> Plan:
    name = NAMES[n % len(NAMES)]
    ended = ("This week", "This month", "1-3 months ago", "Longer ago")[n % 4]
    who = ("He did", "I did", "We both did")[n % 3]
    reason: tuple[str, str] = ("press", "He didn't really say") if n % 7 == 0 else ("text", REASONS[n % 5])
    talk = "We still talk" if n % 6 == 5 else "No contact"
    last = ("Less than a week", "1-2 weeks", "2-3 weeks", "3 weeks or more")[(n // 4) % 4]
    city: tuple[str, str] = ("press", "Skip (use UTC)") if n % 9 == 0 else ("text", CITIES[n % len(CITIES)])
    steps: list[tuple[str, str]] = [
        ("text", "/start"),
        ("text", name),
        ("press", ended),
        ("press", who),
        reason,
        ("press", talk),
    ]
    if talk == "No contact":
        steps.append(("press", last))
    steps += [city, ("press", "Yes, I'm sure")]
    # Spread them over the program: understand, no_contact or reconnect, discuss, rekindle.
    spread = n % 5
    if spread == 1:
        steps.append(("text", OWN_PART[n % len(OWN_PART)]))
    elif spread == 2:
        steps.append(("press", "Skip this step"))
    elif spread in (3, 4):
        steps += [("text", OWN_PART[n % len(OWN_PART)]), ("text", "he replied!")]
        if spread == 4:
            steps.append(("press", "We talked it through"))
    return Plan(name, tuple(steps))


class Feeder:
    """Builds update dicts the way Telegram sends them, with increasing ids."""

    def __init__(self) -> None:
        self._next = 1

    def _id(self) -> int:
        self._next += 1
        return self._next

    def text(self, user_id: int, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._id(),
            "date": 1_790_000_000,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": self._id(), "message": message}

    def press(self, user_id: int, shown: dict[str, Any], data: str) -> dict[str, Any]:
        message = {
            "message_id": self._id(),
            "date": 1_790_000_000,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rekindle"},
            "text": shown["text"],
            "reply_markup": shown["reply_markup"],
        }
        return {
            "update_id": self._id(),
            "callback_query": {
                "id": str(self._id()),
                "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
                "chat_instance": f"ci{user_id}",
                "data": data,
                "message": message,
            },
        }


def mixed_updates(feeder: Feeder, users: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    weights = [w for w, _, _ in MIX]
    updates: list[dict[str, Any]] = []
    for _ in range(count):
        n = rng.randrange(users)
        _, _, texts = rng.choices(MIX, weights)[0]
        text = rng.choice(texts).format(name=NAMES[n % len(NAMES)])
        updates.append(feeder.text(FIRST_USER + n, text))
    return updates


def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


class TimedChart:
    """The real bot.chart.journey_chart, with the time spent drawing kept aside (it dominates /progress)."""

    def __init__(self) -> None:
        self.calls = 0
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> bytes | None:
        t0 = time.perf_counter()
        try:
            return journey_chart(*args, **kwargs)
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - t0


@dataclass(frozen=True, slots=True)
class Timing:
    count: int
    wall_s: float
    latencies_ms: list[float]
    charts: int = 0
    chart_s: float = 0.0
    without_charts_ms: tuple[float, ...] = ()  # each latency less the chart drawing inside it

    @property
    def per_s(self) -> float:
        return self.count / self.wall_s if self.wall_s else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def line(self, label: str) -> str:
        lat = self.latencies_ms
        mean = sum(lat) / len(lat) if lat else 0.0
        return (
            f"{label}: {self.count} updates in {self.wall_s:.2f} s: per_s={self.per_s:.0f} "
            f"mean_ms={mean:.3f} p50_ms={self.p(0.50):.3f} p90_ms={self.p(0.90):.3f} p99_ms={self.p(0.99):.3f} "
            f"max_ms={lat[-1] if lat else 0.0:.3f}"
        )


async def timed(
    app: Application[Any, Any, Any, Any, Any, Any],
    updates: Sequence[dict[str, Any]],
    chart: TimedChart | None = None,
) -> Timing:
    """Feeds `updates` one by one, each timed on its own."""
    latencies: list[float] = []
    drawing: list[float] = []
    chart = chart or TimedChart()
    bot = app.bot
    process = app.process_update
    de_json = Update.de_json
    clock = time.perf_counter
    gc.collect()
    start = clock()
    for update in updates:
        parsed = de_json(update, bot)
        before = chart.seconds
        t0 = clock()
        await process(parsed)
        latencies.append(clock() - t0)
        drawing.append(chart.seconds - before)
    wall = clock() - start
    without = sorted((x - d) * 1000 for x, d in zip(latencies, drawing, strict=True))
    charts = sum(d > 0 for d in drawing)
    return Timing(
        len(updates), wall, sorted(x * 1000 for x in latencies), charts, sum(drawing), tuple(without)
    )


# --------------------------------------------------------------------------------------------------
# The real bot


async def run_intake(
    app: Application[Any, Any, Any, Any, Any, Any], request: RecordingRequest, feeder: Feeder, users: int
) -> Timing:
    """Every user does /start and the intake (round-robin, as people would), pressing the buttons shown."""
    plans = [intake_plan(n) for n in range(users)]
    shown: dict[int, dict[str, Any]] = {}  # chat -> last message with buttons
    latencies: list[float] = []
    start = time.perf_counter()
    for step in range(max(len(p.steps) for p in plans)):
        for n, plan in enumerate(plans):
            if step >= len(plan.steps):
                continue
            user_id = FIRST_USER + n
            kind, value = plan.steps[step]
            if kind == "text":
                update = feeder.text(user_id, value)
            else:
                last = shown.get(user_id)
                buttons = {
                    b["text"]: b["callback_data"]
                    for row in (last or {}).get("reply_markup", {}).get("inline_keyboard", [])
                    for b in row
                }
                if value not in buttons:
                    raise SystemExit(f"intake of user {n}: no button {value!r} (have {sorted(buttons)})")
                update = feeder.press(user_id, last or {}, buttons[value])
            before = len(request.calls)
            parsed = Update.de_json(update, app.bot)
            t0 = time.perf_counter()
            await app.process_update(parsed)
            latencies.append(time.perf_counter() - t0)
            for call in request.calls[before:]:
                if call.method == "sendMessage" and call.params.get("reply_markup"):
                    shown[int(call.params["chat_id"])] = call.params
    wall = time.perf_counter() - start
    request.clear()
    return Timing(len(latencies), wall, sorted(x * 1000 for x in latencies))


async def stages(store: SqlStore, users: int) -> Counter[Stage]:
    found: Counter[Stage] = Counter()
    async with store.transaction() as tx:
        for n in range(users):
            journey = await tx.journeys.load(FIRST_USER + n)
            if journey is not None:
                found[journey.stage] += 1
    return found


async def bench_bot(tmp: Path, users: int, updates: list[dict[str, Any]], feeder: Feeder) -> Timing:
    store = await open_store(f"sqlite+aiosqlite:///{tmp}/coach.db")
    clock = FakeClock()
    chart = TimedChart()
    coaching = Coaching(store, clock, Pace(), chart=chart)
    request = RecordingRequest()
    app = build_application(TOKEN, coaching, request=request, get_updates_request=RecordingRequest())
    await app.initialize()
    try:
        intake = await run_intake(app, request, feeder, users)
        print(intake.line("bot intake (not in the final line)"))
        print(
            "  stages after intake:",
            ", ".join(f"{s}={c}" for s, c in sorted((await stages(store, users)).items())),
        )
        clock.advance(days=4)  # a few days into the program: no contact counts down, some timers passed
        result = await timed(app, updates, chart)
        sent = Counter(c.method for c in request.calls)
        print(result.line("bot"))
        if result.charts:
            rest = result.without_charts_ms
            wall = result.wall_s - result.chart_s
            print(
                f"  progress charts: {result.charts} drawn (matplotlib), {result.chart_s:.2f} s, "
                f"{1000 * result.chart_s / result.charts:.1f} ms each; the same run without the drawing: "
                f"per_s={result.count / wall:.0f} p50_ms={percentile(rest, 0.5):.3f} "
                f"p99_ms={percentile(rest, 0.99):.3f}"
            )
        print("  api calls:", ", ".join(f"{m}={c}" for m, c in sorted(sent.items())))
        print(
            "  stages after run:",
            ", ".join(f"{s}={c}" for s, c in sorted((await stages(store, users)).items())),
        )
        return result
    finally:
        await app.shutdown()
        await store.close()


# --------------------------------------------------------------------------------------------------
# The floor: python-telegram-bot alone


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await message.reply_text(message.text)


async def bench_echo(updates: list[dict[str, Any]]) -> Timing:
    request = RecordingRequest()
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = ApplicationBuilder().token(TOKEN)
    app = builder.request(request).get_updates_request(RecordingRequest()).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    try:
        result = await timed(app, updates)
        print(result.line("echo"))
        print(
            "  api calls:",
            ", ".join(f"{m}={c}" for m, c in sorted(Counter(c.method for c in request.calls).items())),
        )
        return result
    finally:
        await app.shutdown()


async def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=20_000, help="timed text updates (default 20000)")
    parser.add_argument("--users", type=int, default=500, help="distinct users (default 500)")
    args = parser.parse_args(argv)
    if args.updates < 1 or args.users < 1:
        parser.error("--updates and --users must be at least 1")
    feeder = Feeder()
    intake_feeder = Feeder()
    updates = mixed_updates(feeder, args.users, args.updates)
    print(f"{args.updates} mixed text updates from {args.users} users (seed {SEED})")
    with tempfile.TemporaryDirectory(prefix="rekindle-bench-") as tmp:
        bot = await bench_bot(Path(tmp), args.users, updates, intake_feeder)
    floor = await bench_echo(updates)
    ratio = bot.per_s / floor.per_s if floor.per_s else 0.0
    print(
        f"updates per_s={bot.per_s:.0f} p50_ms={bot.p(0.50):.3f} p99_ms={bot.p(0.99):.3f} "
        f"floor_per_s={floor.per_s:.0f} ratio={ratio:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
