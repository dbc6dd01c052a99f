"""The whole bot for one test: see harness.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.harness import Harness, make_harness


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    h = await make_harness(tmp_path)
    yield h
    await h.app.shutdown()
    await h.store.close()
