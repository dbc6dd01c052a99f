"""Optional: fresher "What should I text him?" options from a language model, never worse than the templates.

Off unless LLM_BASE_URL is set (an OpenAI-compatible endpoint; LLM_MODEL and LLM_API_KEY go with it). The
coach's own suggestions (`base`, from coach.suggest) always come first: the model is only asked when `base`
has options to offer (never when drafts are withheld: no contact, he said no, unsafe...), and whatever it
writes must pass coach.review as `send` for her stage, or it is dropped and the template of that tone stays.
Any failure (a network error, an HTTP error, a refusal, JSON we cannot read, or no answer within the timeout)
returns `base` unchanged: she gets her suggestions either way, just as fast.

The API key goes in the Authorization header only, and is never logged; log lines name the failure's kind,
never her facts or the model's text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx

from coach.copy.drafts import llm_prompt
from coach.review import Verdict, review_draft
from coach.suggest import Suggestions, SuggestMode, TextOption
from coach.vocabulary import Journey, Tone

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 3.0  # seconds: a suggestion that keeps her waiting longer is worse than a template
MAX_TEXT = 300  # anything longer is not a text message; the review would say so too
MAX_WHY = 200


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    model: str
    api_key: str = field(default="", repr=False)  # repr=False: a config printed in a log shows no key
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_settings(cls, settings: Any) -> LLMConfig | None:
        """None (off) when LLM_BASE_URL is empty. Reads llm_base_url, llm_model, llm_api_key (a SecretStr)."""
        base_url = (getattr(settings, "llm_base_url", None) or "").strip().rstrip("/")
        if not base_url:
            return None
        secret = getattr(settings, "llm_api_key", None)
        reveal = getattr(secret, "get_secret_value", None)
        key = reveal() if callable(reveal) else (secret or "")
        return cls(base_url, getattr(settings, "llm_model", "") or "", str(key).strip())


class _Unusable(Exception):
    """The answer came, but holds nothing we can use (a refusal, or not the JSON we asked for)."""


async def llm_suggest(
    client_config: LLMConfig | None,
    journey: Journey,
    now: datetime,
    base: Suggestions,
    *,
    client: httpx.AsyncClient | None = None,
) -> Suggestions:
    """`base` with each option the model wrote well replacing the template of the same tone."""
    if client_config is None or not client_config.base_url:
        return base
    # Consent and safety are decided by the coach; the model is never asked when there is nothing to send.
    if base.mode is SuggestMode.NONE or not base.options or journey.he_said_no or journey.unsafe:
        return base
    try:
        async with asyncio.timeout(client_config.timeout):
            content = await _ask(client_config, journey, base, client)
        candidates = _parse(content)
    except TimeoutError:
        log.warning("llm drafts: no answer within %.1f s, using the templates", client_config.timeout)
        return base
    except httpx.HTTPStatusError as exc:
        log.warning("llm drafts: HTTP %s, using the templates", exc.response.status_code)
        return base
    except httpx.HTTPError as exc:
        log.warning("llm drafts: %s, using the templates", type(exc).__name__)
        return base
    except _Unusable as exc:
        log.warning("llm drafts: unusable answer (%s), using the templates", exc)
        return base
    return _merge(base, candidates, journey)


async def _ask(cfg: LLMConfig, journey: Journey, base: Suggestions, client: httpx.AsyncClient | None) -> str:
    tones = tuple(str(o.tone) for o in base.options)
    body = {
        "model": cfg.model,
        "messages": llm_prompt(base.stage, journey.facts, tones=tones),
        "temperature": 0.8,
    }
    headers = {"Authorization": f"Bearer {cfg.api_key}"} if cfg.api_key else {}
    url = f"{cfg.base_url}/chat/completions"
    if client is None:
        async with httpx.AsyncClient(timeout=cfg.timeout) as own:
            response = await own.post(url, json=body, headers=headers)
    else:
        response = await client.post(url, json=body, headers=headers, timeout=cfg.timeout)
    response.raise_for_status()
    try:
        message = response.json()["choices"][0]["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise _Unusable("not a chat completion") from None
    if not isinstance(message, dict):
        raise _Unusable("not a chat completion")
    if message.get("refusal"):
        raise _Unusable("refusal")
    content = message.get("content")
    if not isinstance(content, str) or not content.strip():
        raise _Unusable("empty content")
    return content


def _parse(content: str) -> list[TextOption]:
    """The options in the model's JSON; a code fence or a sentence around the JSON is tolerated."""
    text = re.sub(r"^```(?:json)?\s*|\s*```$", "", content.strip())
    start, end = text.find("{"), text.rfind("}")
    list_start = text.find("[")
    try:
        if 0 <= list_start < start or start < 0:
            data: Any = json.loads(text[list_start : text.rfind("]") + 1])
        else:
            data = json.loads(text[start : end + 1])
    except ValueError:
        raise _Unusable("malformed JSON") from None
    items = data.get("options") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise _Unusable("no options list")
    out: list[TextOption] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        tone, text_, why = item.get("tone"), item.get("text"), item.get("why")
        if not (isinstance(tone, str) and isinstance(text_, str)) or tone.strip().lower() not in set(Tone):
            continue
        why_text = why.strip() if isinstance(why, str) else ""
        if text_.strip() and len(text_) <= MAX_TEXT:
            out.append(TextOption(Tone(tone.strip().lower()), text_.strip(), why_text[:MAX_WHY]))
    if not out:
        raise _Unusable("no usable options")
    return out


def _merge(base: Suggestions, candidates: list[TextOption], journey: Journey) -> Suggestions:
    """Each base option is replaced by the first unused candidate of its tone that the review lets through."""
    usable = [c for c in candidates if _passes(c.text, base, journey)]
    dropped = len(candidates) - len(usable)
    if dropped:
        log.info("llm drafts: %d option(s) failed the review and were dropped", dropped)
    options: list[TextOption] = []
    taken: set[int] = set()
    for option in base.options:
        pick = next((i for i, c in enumerate(usable) if c.tone == option.tone and i not in taken), None)
        if pick is None or any(usable[pick].text == o.text for o in options):
            options.append(option)
            continue
        taken.add(pick)
        options.append(replace(usable[pick], why=usable[pick].why or option.why))
    return replace(base, options=tuple(options))


def _passes(text: str, base: Suggestions, journey: Journey) -> bool:
    replying = True if base.mode is SuggestMode.ANSWER else None  # his_move: answers to his text
    review = review_draft(
        text,
        base.stage,
        he_said_no=journey.he_said_no,
        unsafe=journey.unsafe,
        replying=replying,
    )
    return review.verdict is Verdict.SEND
