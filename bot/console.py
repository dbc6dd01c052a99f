"""The console adapter: the same coach in a terminal, on the same database.

Buttons print numbered; she may type the number or the label. Pictures and exports are written to files and
their paths printed. Due nudges print while she is chatting. EOF (Ctrl-D) ends the session cleanly.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path
from typing import TextIO

from bot.usecase import Coaching, Outgoing
from coach import buttons as B
from coach.copy import messages as M
from coach.vocabulary import Button, Command, Commanded, Reply

CONSOLE_USER_ID = 0  # Telegram user ids are positive, so the console's person never collides with one


class ConsoleChat:
    def __init__(
        self, coaching: Coaching, out: TextIO = sys.stdout, *, files_dir: Path = Path("data/console")
    ) -> None:
        self._coaching = coaching
        self._out = out
        self._files_dir = files_dir
        self._buttons: list[Button] = []  # the last reply's, numbered [1] [2] ...
        self._nudge_buttons: list[Button] = []  # the last nudge's, lettered [a] [b] ...

    def show(self, reply: Reply, *, prefix: str = "") -> None:
        """Prints a reply; its buttons become the numbered choices for her next line."""
        self._print(reply, prefix, self._buttons, [str(i) for i in range(1, 100)])

    def show_nudge(self, reply: Reply) -> None:
        """A nudge arrives between her lines: its buttons get letters, so "1" still means what she just read."""
        self._print(reply, "(Rekindle) ", self._nudge_buttons, list("abcdefghijklmnopqrstuvwxyz"))

    def _print(self, reply: Reply, prefix: str, keep: list[Button], keys: list[str]) -> None:
        print(f"\n{prefix}{reply.text}", file=self._out)
        buttons = [b for row in reply.buttons for b in row]
        if buttons:
            keep[:] = buttons
            shown = "   ".join(f"[{k}] {b.label}" for k, b in zip(keys, buttons, strict=False))
            print("  " + shown, file=self._out)
        self._out.flush()

    def render(self, out: Outgoing) -> None:
        for reply in out.replies:
            self.show(reply)
        if out.picture is not None:
            path = self._write("journey.png", out.picture.png)
            print(f"\n{out.picture.caption} Picture: {path}", file=self._out)
        if out.document is not None:
            path = self._write(out.document.filename, out.document.content)
            print(f"\n{out.document.caption} File: {path}", file=self._out)
        self._out.flush()

    def _write(self, name: str, content: bytes) -> Path:
        self._files_dir.mkdir(parents=True, exist_ok=True)
        path = (self._files_dir / name).resolve()
        path.write_bytes(content)
        return path

    def _button_for(self, line: str) -> Button | None:
        if line.isascii() and line.isdigit() and 1 <= int(line) <= len(self._buttons):
            return self._buttons[int(line) - 1]
        letters = "abcdefghijklmnopqrstuvwxyz"
        if len(line) == 1 and line.lower() in letters[: len(self._nudge_buttons)]:
            return self._nudge_buttons[letters.index(line.lower())]
        folded = line.casefold()
        return next((b for b in (*self._buttons, *self._nudge_buttons) if b.label.casefold() == folded), None)

    async def _answered(self, out: Outgoing) -> None:
        self.render(out)
        await self._coaching.shown(out)

    async def say(self, line: str) -> None:
        """One line she typed."""
        line = line.strip()
        button = self._button_for(line) if line else None
        user = CONSOLE_USER_ID
        if button is not None:
            event = B.parse(button.data)
            if event is None:
                return
            self._buttons, self._nudge_buttons = [], []
            await self._answered(await self._coaching.handle_event(user, user, event, f"[{button.label}]"))
        elif line.startswith("/"):
            word, _, arg = line.partition(" ")
            try:
                command = Command(word[1:].lower())
            except ValueError:
                self.show(Reply(M.didnt_catch()))
                return
            await self._answered(await self._coaching.handle_event(user, user, Commanded(command, arg), word))
        else:
            await self._answered(await self._coaching.handle_text(user, user, line))

    async def run(self, lines: asyncio.Queue[str | None]) -> None:
        print(M.console_banner(), file=self._out)
        self._out.flush()
        while True:
            line = await lines.get()
            if line is None:
                print("\nBye for now. Your place is saved.", file=self._out)
                self._out.flush()
                return
            await self.say(line)


class ConsoleSender:
    """Nudges in the console: printed between her lines, with their buttons."""

    def __init__(self, chat: ConsoleChat) -> None:
        self._chat = chat

    async def send(self, chat_id: int, reply: Reply) -> None:
        self._chat.show_nudge(reply)


def stdin_lines(loop: asyncio.AbstractEventLoop, stream: TextIO = sys.stdin) -> asyncio.Queue[str | None]:
    """Lines from stdin, read on a daemon thread so Ctrl-C never waits for Enter; None at EOF."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for raw in iter(stream.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, raw.rstrip("\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    return queue
