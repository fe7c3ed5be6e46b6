"""The new user's path on the command line, with real inference and no Ollama: `kodesk hf`
downloads the instruction GGUF from the (fake) hub into the embedded models folder, and
`kodesk run summary --engine embedded` answers a Korean news page with a one-line summary,
through the same job path as the tray (tests/desktop/test_new_user_flow.py). The built-in
base model's answer is preceded by the base-model warning and its fix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kodesk.cli import main
from kodesk.core.web_cleanup import clean_web_text
from tests.fake_hf import FakeHub
from tests.instruction_ggufs import QWEN_CODER_FILE, QWEN_CODER_REPO, assert_one_line_korean_summary

pytestmark = [pytest.mark.inference, pytest.mark.slow]

PAGE = Path(__file__).parents[1] / "core" / "data" / "webpages" / "yonhap.txt"
NEWS_SITES = ("kbs", "chosun", "hani", "donga", "mbc", "khan")
#: The summary task samples at temperature 0.2 without a seed, so the small model's
#: answer varies between runs (now the headline, now a copy the loop guard stops). The
#: tests make it deterministic as a user would: a per-model override (Settings →
#: Parameters) for greedy decoding.
GREEDY = "temperature = 0"


@pytest.fixture
def settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qwen_coder: Path
) -> Iterator[Path]:
    """Settings naming an empty embedded models folder; the hub serves the Qwen GGUF; no
    Ollama anywhere (nothing listens on the port OLLAMA_HOST names)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[embedded]\nmodels_dir = "{tmp_path / "models"}"\n'
        f"[models.overrides.{QWEN_CODER_FILE.removesuffix('.gguf')!r}]\n{GREEDY}\n",
        encoding="utf-8",
    )
    with FakeHub() as hub:
        hub.repo(QWEN_CODER_REPO).add(QWEN_CODER_FILE, qwen_coder)
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        yield path


def download(settings_file: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`kodesk hf REPO --download Q4_K_M`: the model's name in the embedded engine."""
    code = main(["hf", QWEN_CODER_REPO, "--download", "Q4_K_M", "--settings", str(settings_file)])
    out, err = capsys.readouterr()
    assert code == 0, err
    target = settings_file.parent / "models" / QWEN_CODER_FILE
    assert target.is_file() and str(target) in out
    return target.stem


def test_download_with_kodesk_hf_then_summarize_with_kodesk_run(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = download(settings_file, capsys)
    args = ["run", "summary", "--engine", "embedded", "--model", model, "-f", str(PAGE)]
    code = main([*args, "--settings", str(settings_file)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "지시를 따르지" not in err and "follow instructions" not in err, err
    page = PAGE.read_text(encoding="utf-8")
    assert_one_line_korean_summary(out.strip(), clean_web_text(page).text)


def test_never_a_silent_wrong_answer_across_news_pages(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Six sites' pages: each ends in a one-line summary, or in the loop guard's message
    (the 0.5B model sometimes continues the prompt) — never in a wrong answer said as
    right. Most must be summaries."""
    model = download(settings_file, capsys)
    summaries = []
    for site in NEWS_SITES:
        page = PAGE.with_name(f"{site}.txt")
        args = ["run", "summary", "--engine", "embedded", "-m", model, "-f", str(page), "-q"]
        code = main([*args, "--settings", str(settings_file)])
        out, err = capsys.readouterr()
        if code == 0:
            assert_one_line_korean_summary(out.strip(), clean_web_text(page.read_text()).text)
            summaries.append(site)
        else:
            assert "stopped" in err and "kodesk models --recommended" in err, (site, err)
    assert len(summaries) >= 4, summaries


def test_the_built_in_model_is_named_before_its_answer(
    settings_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", "summary", "--engine", "embedded", "-f", str(PAGE)]
    code = main([*args, "--settings", str(settings_file)])
    _, err = capsys.readouterr()
    warned = err.find("gemma-3-270m-q4_k_m")
    assert warned >= 0 and ("지시를 따르지" in err or "follow instructions" in err), err
    assert "kodesk models --recommended" in err  # the fix, one command away
    # Its answer (if any) comes after the warning; a continuation of the prompt is stopped.
    assert code == 0 or "stopped" in err or "멈췄습니다" in err, err
