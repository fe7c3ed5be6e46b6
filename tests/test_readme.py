"""The README stays true: its settings table lists every setting, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from kodesk.cli import build_parser
from kodesk.core.settings import SCHEMA

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default() -> None:
    for setting in SCHEMA:
        row = next(
            (line for line in README.splitlines() if line.startswith(f"| `{setting.key}` |")), None
        )
        assert row is not None, f"README lacks {setting.key}"
        if isinstance(setting.default, str) and setting.default:
            assert f'"{setting.default}"' in row


def test_every_documented_command_exists() -> None:
    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    documented = set(re.findall(r"^\| `kodesk ([a-z-]+)", README, flags=re.M))
    assert documented <= commands
    assert commands <= documented | {"modelfile"}


def test_set_up_has_the_two_commands() -> None:
    setup = README.split("## Set up", 1)[1].split("## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", setup, flags=re.S)
    assert blocks[0].strip().endswith("kodesk") and "pip install" in blocks[0]
    assert blocks[1].strip() == "bash .ci/run"
