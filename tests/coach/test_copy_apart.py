"""Copy apart from logic: what the bot says imports none of the code that decides it (no import circle)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

COPY = Path(__file__).resolve().parents[2] / "coach" / "copy"
LOGIC = ("coach.review", "coach.suggest", "coach.program", "coach.understand", "coach.reading")


@pytest.mark.parametrize("path", sorted(COPY.glob("*.py")), ids=lambda p: p.name)
def test_copy_imports_no_logic(path: Path) -> None:
    imported: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
    assert not [m for m in imported if m.startswith(LOGIC)], path.name
