"""python-telegram-bot's request layer replaced by a recorder: every Bot API call is kept, none is sent.

Used with `Application.process_update(Update.de_json(...))`, the way python-telegram-bot tests itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 7000001


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]


@dataclass
class RecordingRequest(BaseRequest):
    calls: list[ApiCall] = field(default_factory=list)
    _message_id: int = 1000
    # (method, HTTP status, description, retry_after): the next calls of that method fail so, in order.
    faults: list[tuple[str, int, str, int]] = field(default_factory=list)

    def fail_next(self, method: str, status: int, description: str = "", retry_after: int = 0) -> None:
        self.faults.append((method, status, description or f"Error {status}", retry_after))

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.json_parameters) if request_data is not None else {}
        decoded = {k: _decode(v) for k, v in params.items()}
        for index, (method, status, description, retry_after) in enumerate(self.faults):
            if method == api_method:
                del self.faults[index]
                self.calls.append(ApiCall(api_method, {**decoded, "failed": status}))
                error: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
                if retry_after:
                    error["parameters"] = {"retry_after": retry_after}
                return status, json.dumps(error).encode()
        self.calls.append(ApiCall(api_method, decoded))
        return 200, json.dumps({"ok": True, "result": self._result(api_method, decoded)}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Rekindle", "username": "rekindle_test_bot"}
        if method in ("sendMessage", "sendPhoto", "sendDocument", "editMessageText"):
            self._message_id += 1
            chat_id = int(params.get("chat_id", 1))
            message: dict[str, Any] = {
                "message_id": self._message_id,
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Rekindle"},
                "text": params.get("text", ""),
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        return True

    # -- reading what was sent

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [
            c.params.get("text") or c.params.get("caption") or ""
            for c in self.calls
            if c.method in ("sendMessage", "sendPhoto", "sendDocument")
            and "failed" not in c.params
            and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
        ]

    def of(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    def last_markup(self) -> dict[str, Any] | None:
        for call in reversed(self.calls):
            if call.method == "sendMessage" and call.params.get("reply_markup"):
                markup: dict[str, Any] = call.params["reply_markup"]
                return markup
        return None

    def clear(self) -> None:
        self.calls.clear()


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
