"""`kodesk self-test` and its checks."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kodesk.cli import main
from kodesk.selftest import (
    Check,
    check_hangul,
    check_imports,
    check_resources,
    check_settings_dir,
    display_problem,
    ico_sizes,
    passed,
    render,
)


def make_ico(sizes: list[int]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(sizes))
    entries = b"".join(struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, 0, 0) for s in sizes)
    return header + entries


def test_ico_sizes() -> None:
    assert ico_sizes(make_ico([256, 16, 32])) == [16, 32, 256]
    with pytest.raises(ValueError, match=r"not an \.ico"):
        ico_sizes(b"\x89PNG\r\n\x1a\n\0\0\0\0")


def test_resources_missing_file_and_icon_sizes(tmp_path: Path) -> None:
    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "kodesk.ico").write_bytes(make_ico([16, 32, 48, 256]))

    def resource_path(name: str) -> Path:
        path = tmp_path / name
        if not path.exists():
            raise FileNotFoundError(f"missing kodesk resource {name!r}")
        return path

    checks = {c.name: c for c in check_resources(resource_path)}
    assert checks["resource icons/kodesk.ico"].status == "ok"
    assert checks["icon sizes icons/kodesk.ico"].status == "fail"
    assert "missing [20, 24, 40, 64]" in checks["icon sizes icons/kodesk.ico"].detail
    assert checks["resource icons/kodesk.svg"].status == "fail"


def test_real_resources_pass() -> None:
    from kodesk.resources_path import resource_path

    assert all(c.status == "ok" for c in check_resources(resource_path))


def test_imports_report_broken_modules_and_skip_embedded_without_llama(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "selftestpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text("raise SystemExit('must not run')\n")
    (pkg / "good.py").write_text("VALUE = 1\n")
    (pkg / "broken.py").write_text("import no_such_module_kodesk\n")
    (pkg / "embedded.py").write_text("import llama_cpp\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if it were not installed
    checks = check_imports("selftestpkg")
    assert checks[0].status == "fail"
    assert "selftestpkg.broken" in checks[0].detail
    assert "embedded" not in checks[0].detail
    assert checks[1] == Check(
        "embedded engine", "skip", "llama_cpp is not installed: skipped selftestpkg.embedded"
    )


def test_display_problem() -> None:
    assert display_problem({}, "linux") is not None
    assert display_problem({"DISPLAY": ":99"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None


def test_hangul_renders(qtbot: QtBot) -> None:
    result = check_hangul()
    assert result.status == "ok", result.detail


def test_settings_dir(tmp_path: Path) -> None:
    assert check_settings_dir(tmp_path / "a" / "b").status == "ok"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert check_settings_dir(blocker / "sub").status == "fail"


def test_render_and_passed() -> None:
    checks = [Check("a", "ok", "fine"), Check("b", "skip")]
    assert passed(checks)
    assert render(checks) == "[ok]   a: fine\n[skip] b\nself-test passed"
    assert not passed([*checks, Check("c", "fail", "bad")])


def test_cli_self_test(qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--settings", str(tmp_path / "s" / "settings.toml"), "self-test", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    assert report["passed"] is True
    names = {c["name"] for c in report["checks"]}
    assert {
        "modules import",
        "Qt platform plugin",
        "Hangul font",
        "settings folder writable",
    } <= names
