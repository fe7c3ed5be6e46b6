"""Rendering: parsing the rendered text gives the same Modelfile (property-based)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kodesk.core.modelfile import (
    MESSAGE_ROLES,
    TEMPLATE_TRIPLE_QUOTE,
    Command,
    Modelfile,
    ModelfileError,
    parse_modelfile,
    render_modelfile,
)
from tests.core.modelfile_fixtures import COMMUNITY_LLAMA3_KO

_TRIM = " \t\r\n"
_PLAIN_KINDS = (
    "template",
    "system",
    "adapter",
    "license",
    "draft",
    "renderer",
    "parser",
    "requires",
)

values = st.text(
    alphabet=st.one_of(
        st.sampled_from(list('"""#{}.\\\' \t\r\n가a')),
        st.characters(categories=("L", "M", "N", "P", "S")),
    ),
    max_size=24,
)
param_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCZ0129_", max_size=12)


@st.composite
def commands(draw: st.DrawFn) -> Command:
    kind = draw(st.sampled_from(("from", "parameter", "message", *_PLAIN_KINDS)))
    value = draw(values)
    if kind == "parameter":
        return Command("parameter", value, draw(param_names))
    if kind == "message":
        return Command("message", value, draw(st.sampled_from(MESSAGE_ROLES)))
    return Command(kind, value)


@st.composite
def modelfiles(draw: st.DrawFn) -> Modelfile:
    first = Command("from", draw(values))
    rest = draw(st.lists(commands(), max_size=8))
    position = draw(st.integers(0, len(rest)))
    return Modelfile((*rest[:position], first, *rest[position:]))


def _quotable(value: str) -> bool:
    """No line of the value (before a line break) ends with a double quote."""
    return not any(
        value[:i].rstrip(_TRIM).endswith('"') for i, ch in enumerate(value) if ch in "\r\n"
    )


@pytest.mark.slow
@settings(max_examples=400)
@given(modelfiles())
def test_quotable_modelfiles_round_trip_exactly(modelfile: Modelfile) -> None:
    assume(all(_quotable(c.value) for c in modelfile.commands))
    text = render_modelfile(modelfile)
    assert parse_modelfile(text) == modelfile
    assert render_modelfile(parse_modelfile(text)) == text


@pytest.mark.slow
@settings(max_examples=400)
@given(modelfiles())
def test_any_modelfile_renders_faithfully_or_refuses(modelfile: Modelfile) -> None:
    try:
        text = render_modelfile(modelfile)
    except ModelfileError as exc:
        bad = [c for c in modelfile.commands if not _quotable(c.value) and c.kind != "template"]
        assert bad, exc
        return
    parsed = parse_modelfile(text)
    assert len(parsed.commands) == len(modelfile.commands)
    for got, want in zip(parsed.commands, modelfile.commands, strict=True):
        if got != want:  # only a TEMPLATE may differ: its triple quotes became a Go action
            assert want.kind == "template"
            assert got.value.replace(TEMPLATE_TRIPLE_QUOTE, '"""') == want.value


def test_canonical_form_of_the_fixture() -> None:
    text = render_modelfile(parse_modelfile(COMMUNITY_LLAMA3_KO))
    assert text.splitlines()[0] == "FROM Llama-3-Open-Ko-8B-Q8_0.gguf"
    assert 'TEMPLATE """{{- if .System }}' in text
    assert "PARAMETER stop <s>\nPARAMETER stop </s>\n" in text
    assert parse_modelfile(text) == parse_modelfile(COMMUNITY_LLAMA3_KO)


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("plain", "SYSTEM plain\n"),
        ("", "SYSTEM \n"),
        (" padded ", 'SYSTEM """ padded """\n'),
        ("two\nlines", 'SYSTEM """two\nlines"""\n'),
        ('"quoted"', 'SYSTEM """"quoted""""\n'),
        ('say """hi""" now', 'SYSTEM say """hi""" now\n'),
        ('multi\nsay """hi""" now', 'SYSTEM """multi\nsay """hi""" now"""\n'),
        ('ends "with"\nnext', 'SYSTEM """ends "with"\nnext"""\n'),
    ],
)
def test_quoting_choices(value: str, line: str) -> None:
    rendered = render_modelfile(Modelfile((Command("system", value),)))
    assert rendered == line
    assert parse_modelfile("FROM x\n" + rendered).system == value


def test_template_with_unquotable_triple_quotes_is_escaped() -> None:
    template = '{{ .Prompt }}"""\n{{ .Response }}'
    text = render_modelfile(Modelfile((Command("from", "x"), Command("template", template))))
    assert TEMPLATE_TRIPLE_QUOTE in text
    parsed = parse_modelfile(text).template
    assert parsed is not None and '"""' not in parsed
    assert parsed.replace(TEMPLATE_TRIPLE_QUOTE, '"""') == template


def test_system_that_cannot_be_written_is_refused() -> None:
    with pytest.raises(ModelfileError, match="cannot be written"):
        render_modelfile(Modelfile((Command("system", 'a"""\nb'),)))
