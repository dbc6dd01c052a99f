"""Run the real bot (``python -m bot``) as a subprocess for end-to-end tests.

Usage with the fake Bot API::

    with FakeBotApi() as api, BotProcess(api.env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/db.sqlite")) as bot:
        api.wait_for_call("getUpdates", timeout=20)       # started and polling
        api.push_message(42, "/start")
        api.wait_for_text(42, "Hi")
    assert "Traceback" not in bot.output()

The child gets a copy of ``os.environ`` *without* any ``TELEGRAM_*`` variables and
``DATABASE_URL`` (so a developer's real token or database can never leak into a test), with
``env`` merged on top, plus ``PYTHONUNBUFFERED=1``.  stdout and stderr both go to one log file;
``output()`` returns everything written so far (also after the process exited).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

__all__ = ["PROJECT_ROOT", "BotProcess"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]

_SCRUBBED_PREFIXES = ("TELEGRAM_",)
_SCRUBBED_NAMES = frozenset({"DATABASE_URL"})


class BotProcess:
    """A subprocess running the bot; a context manager (``__enter__`` starts, ``__exit__`` stops).

    Args:
        env: variables to set in the child (merged over the scrubbed ``os.environ`` copy).
        args: arguments after the interpreter, default ``("-m", "bot")``.
        cwd: working directory, default the project root.
        python: interpreter, default ``sys.executable`` (the venv's python under pytest).
        log_path: where to write the combined output; default a fresh temp file.
    """

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = ("-m", "bot"),
        cwd: str | os.PathLike[str] = PROJECT_ROOT,
        *,
        python: str = sys.executable,
        log_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.env = dict(env or {})
        self.args = tuple(args)
        self.cwd = Path(cwd)
        self.python = python
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix="rekindle-bot-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        else:
            self.log_path = Path(log_path)
        self._log: IO[bytes] | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    # ------------------------------------------------------------------ lifecycle

    def child_env(self) -> dict[str, str]:
        """The exact environment the child gets."""
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(_SCRUBBED_PREFIXES) and k not in _SCRUBBED_NAMES
        }
        base["PYTHONUNBUFFERED"] = "1"
        base.update(self.env)
        return base

    def start(self) -> BotProcess:
        if self._proc is not None:
            raise RuntimeError("BotProcess already started")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()/wait_exit()
        self._proc = subprocess.Popen(
            [self.python, *self.args],
            cwd=self.cwd,
            env=self.child_env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stop gracefully: SIGINT, then (after ``timeout``) SIGTERM, then SIGKILL.

        Returns the exit code (negative = killed by that signal; ``None`` if never started).
        """
        proc = self._proc
        if proc is None:
            return None
        try:
            for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, max(1.0, timeout / 2))):
                if proc.poll() is not None:
                    break
                proc.send_signal(sig)
                try:
                    proc.wait(wait)
                except subprocess.TimeoutExpired:
                    continue
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
        finally:
            self._close_log()
        return proc.returncode

    def wait_exit(self, timeout: float = 10.0) -> int:
        """Wait for the process to exit by itself; ``TimeoutError`` (with the log tail) if it doesn't."""
        if self._proc is None:
            raise RuntimeError("BotProcess not started")
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(
                f"bot did not exit within {timeout}s; output tail:\n{self.output()[-3000:]}"
            ) from None
        self._close_log()
        return code

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    # ------------------------------------------------------------------ output

    def output(self) -> str:
        """Everything the process wrote to stdout/stderr so far."""
        if self._log is not None:
            self._log.flush()
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_output(self, substring: str, timeout: float = 10.0) -> str:
        """Poll the log until ``substring`` appears; ``AssertionError`` (with the log) otherwise.

        Fails early if the process exits before printing it.
        """
        deadline = time.monotonic() + timeout
        while True:
            text = self.output()
            if substring in text:
                return text
            if not self.is_running():
                raise AssertionError(
                    f"bot exited with {self.returncode} before printing {substring!r}; output:\n{text[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{substring!r} not in bot output after {timeout}s; output:\n{text[-3000:]}"
                )
            time.sleep(0.05)

    def remove_log(self) -> None:
        """Delete the log file (call after the test no longer needs ``output()``)."""
        self._close_log()
        self.log_path.unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"<BotProcess pid={self.pid} running={self.is_running()} log={self.log_path}>"
