"""The optional language model for drafts, against a fake OpenAI-compatible server on 127.0.0.1.

The server runs in a thread (stdlib http.server); each test sets what it answers. A slow answer waits on an
event that the test releases afterwards, so no test sleeps for real longer than its short timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.llm_drafts import LLMConfig, llm_suggest
from coach.review import Verdict, review_draft
from coach.suggest import Suggestions, SuggestMode, suggest
from coach.vocabulary import Facts, Journey, Pace, Stage, Tone

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
KEY = "sk-test-secret-key-123456"
JOURNEY = Journey(
    stage=Stage.RECONNECT, facts=Facts(his_name="Sam", now_into="his new pottery class"), awaiting=None
)


@dataclass
class Fake:
    status: int = 200
    body: Any = None  # a dict is sent as JSON, a str as is
    delay_until: threading.Event | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)


def completion(content: str, **message: Any) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": content, **message}}]}


def options_json(*options: tuple[str, str, str]) -> str:
    return json.dumps({"options": [{"tone": t, "text": x, "why": w} for t, x, w in options]})


class _Handler(BaseHTTPRequestHandler):
    fake: Fake  # set on the class by the fixture: the current test's behaviour

    def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
        fake = type(self).fake
        length = int(self.headers.get("Content-Length", 0))
        fake.requests.append(
            {"path": self.path, "headers": dict(self.headers), "json": json.loads(self.rfile.read(length))}
        )
        if fake.delay_until is not None:
            fake.delay_until.wait(5)
        payload = fake.body if isinstance(fake.body, str) else json.dumps(fake.body)
        data = payload.encode()
        try:
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (the timeout test)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def _httpd() -> Iterator[str]:
    """One server for the module (shutting one down waits out its poll interval)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def server(_httpd: str) -> Iterator[tuple[Fake, str]]:
    fake = Fake()
    _Handler.fake = fake
    try:
        yield fake, _httpd
    finally:
        if fake.delay_until is not None:
            fake.delay_until.set()  # let the slow handler finish


def config(url: str, timeout: float = 2.0) -> LLMConfig:
    return LLMConfig(base_url=url, model="test-model", api_key=KEY, timeout=timeout)


def base_for(journey: Journey = JOURNEY, **kw: Any) -> Suggestions:
    return suggest(journey, NOW, **kw)


GOOD = options_json(
    ("casual", "Hey Sam, how's the pottery going?", "Light and about his life now."),
    ("warm", "Hi Sam, I hope the pottery class is treating you well.", "Warm, asks for nothing."),
    ("playful", "Hey Sam, made any wonky mugs yet? 😄", "A playful question is easy to answer."),
)


async def test_good_answer_replaces_all_three(server: tuple[Fake, str]) -> None:
    fake, url = server
    fake.body = completion(GOOD)
    base = base_for()
    out = await llm_suggest(config(url), JOURNEY, NOW, base)
    assert [o.tone for o in out.options] == [Tone.CASUAL, Tone.WARM, Tone.PLAYFUL]
    assert out.options[2].text == "Hey Sam, made any wonky mugs yet? 😄"
    assert out.options[0].why == "Light and about his life now."
    assert (out.stage, out.mode) == (base.stage, base.mode)
    assert all(review_draft(o.text, Stage.RECONNECT).verdict == Verdict.SEND for o in out.options)

    (request,) = fake.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    assert request["json"]["model"] == "test-model"
    prompt = "\n".join(m["content"] for m in request["json"]["messages"])
    assert "Stage: reconnect" in prompt and "Sam" in prompt and "his new pottery class" in prompt
    assert "casual, warm, playful" in prompt


async def test_a_draft_that_fails_review_is_dropped_and_the_template_stays(server: tuple[Fake, str]) -> None:
    fake, url = server
    fake.body = completion(
        options_json(
            ("casual", "Hey Sam, how's the pottery going?", "Light."),
            ("warm", "I still love you and I've been seeing someone, just so you know", "Honest."),
            ("playful", "Why are you ignoring me?? 😄", "Playful."),
        )
    )
    base = base_for()
    out = await llm_suggest(config(url), JOURNEY, NOW, base)
    assert out.options[0].text == "Hey Sam, how's the pottery going?"
    assert out.options[1:] == base.options[1:]


# One draft of each kind the issue lists (issue 11), as a model might write them: none may ever reach her.
BAD_KINDS = [
    "Bet your new girl can't cook like me 😄",  # comparison and jealousy bait
    "Saw a cute guy at the gym, made me think of you lol",
    "Who was that girl in your story?",  # checking up
    "Why were you online at 3am?",
    "We need to decide this weekend or I'm done",  # ultimatum
    "Call me tonight, we need to talk",
    "Still waiting on that sorry btw",  # blame
    "You were distant too and you know it",
    "Still awake? 😏",  # late-night opener
    "I cry every night, I'm nothing without you",  # neediness
    "My friends already think we're back on",  # pressure through others
    "I think I'm pregnant, so we should get back together",  # a lie
    "If you don't answer I'll hurt myself",  # self-harm
]


@pytest.mark.parametrize("bad", BAD_KINDS)
async def test_a_model_draft_of_a_harmful_kind_never_reaches_her(server: tuple[Fake, str], bad: str) -> None:
    fake, url = server
    fake.body = completion(
        options_json(*((tone, bad, "It works.") for tone in ("casual", "warm", "playful")))
    )
    base = base_for()
    out = await llm_suggest(config(url), JOURNEY, NOW, base)
    assert out.options == base.options
    assert all(bad not in o.text for o in out.options)


async def test_missing_tones_are_filled_from_base(server: tuple[Fake, str]) -> None:
    fake, url = server
    fake.body = completion(options_json(("warm", "Hi Sam, hope your week is going well!", "Kind.")))
    base = base_for()
    out = await llm_suggest(config(url), JOURNEY, NOW, base)
    assert out.options[0] == base.options[0] and out.options[2] == base.options[2]
    assert out.options[1].text == "Hi Sam, hope your week is going well!"


async def test_a_code_fence_around_the_json_is_fine(server: tuple[Fake, str]) -> None:
    fake, url = server
    fake.body = completion("Here you go:\n```json\n" + GOOD + "\n```")
    out = await llm_suggest(config(url), JOURNEY, NOW, base_for())
    assert out.options[2].text == "Hey Sam, made any wonky mugs yet? 😄"


@pytest.mark.parametrize(
    "body",
    [
        completion("here are some ideas: hey, how have you been?"),
        completion('{"options": [{"tone": "casual", "text": '),
        completion('{"options": "none"}'),
        completion(json.dumps({"options": [{"tone": "sarcastic", "text": "hey", "why": "x"}]})),
        completion("", refusal="I can't help with that."),
        {"choices": []},
        "this is not json",
    ],
    ids=["prose", "truncated", "no list", "unknown tone", "refusal", "no choices", "not json"],
)
async def test_malformed_answers_return_base_unchanged(server: tuple[Fake, str], body: Any) -> None:
    fake, url = server
    fake.body = body
    base = base_for()
    assert await llm_suggest(config(url), JOURNEY, NOW, base) is base


async def test_server_error_returns_base(server: tuple[Fake, str], caplog: pytest.LogCaptureFixture) -> None:
    fake, url = server
    fake.status, fake.body = 500, {"error": {"message": "boom"}}
    base = base_for()
    with caplog.at_level(logging.DEBUG):
        assert await llm_suggest(config(url), JOURNEY, NOW, base) is base
    assert "500" in caplog.text
    assert KEY not in caplog.text


async def test_slow_answer_times_out_and_returns_base(server: tuple[Fake, str]) -> None:
    fake, url = server
    fake.body = completion(GOOD)
    fake.delay_until = threading.Event()
    base = base_for()
    # The server holds the answer until the test ends: only the client's own timeout can return the base.
    # (wait_for is a guard against hanging the suite, not a speed check.)
    assert await asyncio.wait_for(llm_suggest(config(url, timeout=0.3), JOURNEY, NOW, base), 60) is base


async def test_unreachable_server_returns_base(caplog: pytest.LogCaptureFixture) -> None:
    base = base_for()
    with caplog.at_level(logging.DEBUG):
        assert await llm_suggest(config("http://127.0.0.1:9", timeout=0.5), JOURNEY, NOW, base) is base
    assert KEY not in caplog.text


async def test_off_without_a_base_url(server: tuple[Fake, str]) -> None:
    fake, _ = server
    base = base_for()
    assert await llm_suggest(None, JOURNEY, NOW, base) is base
    assert await llm_suggest(LLMConfig(base_url="", model="m"), JOURNEY, NOW, base) is base
    assert fake.requests == []


@pytest.mark.parametrize(
    "journey",
    [
        JOURNEY.evolve(he_said_no=True),
        JOURNEY.evolve(unsafe=True),
        JOURNEY.evolve(stage=Stage.NO_CONTACT),
        JOURNEY.evolve(unanswered=2),
    ],
    ids=["he said no", "unsafe", "no contact", "two unanswered"],
)
async def test_never_asked_when_drafts_are_withheld(server: tuple[Fake, str], journey: Journey) -> None:
    fake, url = server
    fake.body = completion(GOOD)
    base = base_for(journey)
    assert base.mode is SuggestMode.NONE
    assert await llm_suggest(config(url), journey, NOW, base) is base
    assert fake.requests == []


async def test_his_move_answers_and_playful_style_keep_their_shape(server: tuple[Fake, str]) -> None:
    fake, url = server
    fake.body = completion(
        json.dumps(
            {
                "options": [
                    {"tone": "playful", "text": "Well hello there 😄 How's your week?", "why": "Light."},
                    {"tone": "playful", "text": "Ha, I was just thinking of you!", "why": "Warm."},
                ]
            }
        )
    )
    journey = JOURNEY.evolve(stage=Stage.HIS_MOVE)
    base = base_for(journey, style="playful")
    out = await llm_suggest(config(url), journey, NOW, base)
    assert out.mode is SuggestMode.ANSWER and [o.tone for o in out.options] == [Tone.PLAYFUL] * 3
    assert [o.text for o in out.options[:2]] == [
        "Well hello there 😄 How's your week?",
        "Ha, I was just thinking of you!",
    ]
    assert out.options[2] == base.options[2]
    assert "playful, playful, playful" in fake.requests[0]["json"]["messages"][1]["content"]


def test_config_from_settings_and_key_not_in_repr() -> None:
    from pydantic import SecretStr

    class S:
        llm_base_url = "http://127.0.0.1:1234/v1/"
        llm_model = "m"
        llm_api_key = SecretStr(KEY)

    cfg = LLMConfig.from_settings(S())
    assert cfg is not None and cfg.base_url == "http://127.0.0.1:1234/v1" and cfg.api_key == KEY
    assert KEY not in repr(cfg)

    class Off:
        llm_base_url = ""

    assert LLMConfig.from_settings(Off()) is None


async def test_through_the_use_case_the_model_text_is_shown_and_recorded_when_sent(
    server: tuple[Fake, str], tmp_path: Any
) -> None:
    from bot.usecase import Coaching
    from coach import buttons
    from coach.vocabulary import Intent, Said
    from storage.store import open_store
    from tests.fakes.clock import FakeClock

    fake, url = server
    fake.body = completion(GOOD)
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path}/llm.db")
    clock = FakeClock(NOW)
    coaching = Coaching(store, clock, Pace(), llm=config(url))
    async with store.transaction() as tx:
        await tx.users.touch(1, 1, NOW)
        await tx.journeys.save(1, JOURNEY, NOW)
    out = await coaching.handle_event(1, 1, Said(Intent.ASK_SUGGESTION), "what should I text him?")
    assert "wonky mugs" in out.replies[0].text
    sent = next(
        b.data
        for row in out.replies[0].buttons
        for b in row
        if b.data.startswith("s:sent") and b.data.endswith(":2")
    )
    event = buttons.parse(sent)
    assert event is not None
    out2 = await coaching.handle_event(1, 1, event, "[I sent #3]")
    assert "wonky mugs" in out2.replies[0].text
    await store.close()
