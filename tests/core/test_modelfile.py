"""Modelfile parsing: every rule of Ollama's parser that real files rely on."""

from __future__ import annotations

import pytest

from kodesk.core.errors import KodeskError
from kodesk.core.modelfile import (
    Command,
    ModelfileError,
    decode_modelfile,
    parse_modelfile,
)
from tests.core.modelfile_fixtures import COMMUNITY_LLAMA3_KO


def test_community_fixture() -> None:
    m = parse_modelfile(COMMUNITY_LLAMA3_KO)
    assert m.from_ == "Llama-3-Open-Ko-8B-Q8_0.gguf"
    assert m.template == (
        "{{- if .System }}\n<s>{{ .System }}</s>\n{{- end }}\n<s>Human:\n{{ .Prompt }}</s>\n"
        "<s>Assistant:\n"
    )
    assert m.system is not None and m.system.startswith("A chat between")
    assert m.parameters == [
        ("temperature", "0"),
        ("num_predict", "3000"),
        ("num_ctx", "4096"),
        ("stop", "<s>"),
        ("stop", "</s>"),
    ]


def test_instructions_are_case_insensitive() -> None:
    m = parse_modelfile(
        "from llama3\nSystem hi\nTeMpLaTe {{ .Prompt }}\nparameter seed 1\n"
        "Message user hello\nlicense MIT\nadapter ./a.gguf\n"
    )
    assert m.from_ == "llama3" and m.system == "hi" and m.template == "{{ .Prompt }}"
    assert m.parameters == [("seed", "1")]
    assert m.messages == [("user", "hello")]
    assert m.licenses == ["MIT"] and m.adapters == ["./a.gguf"]


def test_newer_instructions_are_accepted() -> None:
    m = parse_modelfile("FROM x\nDRAFT y\nRENDERER qwen3\nPARSER qwen3\nREQUIRES 0.14.0\n")
    assert [c.kind for c in m.commands] == ["from", "draft", "renderer", "parser", "requires"]


def test_unknown_instruction_names_its_line_and_column() -> None:
    with pytest.raises(ModelfileError) as caught:
        parse_modelfile("FROM x\n\n  STOP <s>\n")
    assert (caught.value.line, caught.value.column) == (3, 3)
    assert "STOP" in str(caught.value)
    assert isinstance(caught.value, KodeskError)
    assert caught.value.message("ko").startswith("Modelfile 3:3: 알 수 없는 명령")


def test_parameter_names_keep_their_case() -> None:
    assert parse_modelfile("FROM x\nPARAMETER TEMPERATURE 0\n").parameters == [("TEMPERATURE", "0")]


@pytest.mark.parametrize(
    ("text", "system"),
    [
        ("FROM x\n# SYSTEM no\nSYSTEM yes\n", "yes"),
        ("FROM x\n   # indented comment\nSYSTEM yes\n", "yes"),
        ("FROM x\nSYSTEM a # not a comment\n", "a # not a comment"),
        ('FROM x\nSYSTEM """\n# inside a value\n"""\n', "\n# inside a value\n"),
    ],
)
def test_comments_only_where_an_instruction_could_start(text: str, system: str) -> None:
    assert parse_modelfile(text).system == system


def test_single_quote_can_wrap_lines_like_ollama_show_writes() -> None:
    text = 'FROM x\nTEMPLATE "{{ if .System }}\n{{ .System }}\n{{ end }}"\nSYSTEM s\n'
    m = parse_modelfile(text)
    assert m.template == "{{ if .System }}\n{{ .System }}\n{{ end }}"
    assert m.system == "s"


def test_value_runs_on_until_a_line_closes_the_quote() -> None:
    m = parse_modelfile('FROM x\nSYSTEM "one" two\nstill "system"\nPARAMETER seed 1\n')
    assert m.system == 'one" two\nstill "system'
    assert m.parameters == [("seed", "1")]


def test_only_outer_quotes_removed_and_no_escapes() -> None:
    m = parse_modelfile(
        'FROM x\nPARAMETER stop "\\n"\nSYSTEM """ keep \t spaces  """\nPARAMETER stop \'single\'\n'
    )
    assert m.parameter_values("stop") == ["\\n", "'single'"]
    assert m.system == " keep \t spaces  "


def test_crlf_inside_values_is_kept_and_counts_one_line() -> None:
    m = parse_modelfile('FROM x\r\nSYSTEM """a\r\nb"""\r\nPARAMETER seed 1\r\n')
    assert m.system == "a\r\nb"
    assert m.parameters == [("seed", "1")]
    with pytest.raises(ModelfileError) as caught:
        parse_modelfile("FROM x\r\nPARAMETER seed 1\r\nBAD x\r\n")
    assert caught.value.line == 3


def test_unquoted_values_are_trimmed() -> None:
    assert parse_modelfile("FROM x\nSYSTEM    padded   \t\n").system == "padded"


def test_repetition_rules() -> None:
    m = parse_modelfile(
        "FROM a\nFROM b\nSYSTEM one\nSYSTEM two\nTEMPLATE t1\nTEMPLATE t2\n"
        "LICENSE l1\nLICENSE l2\nPARAMETER stop x\nPARAMETER stop y\n"
    )
    assert m.froms == ("a", "b") and m.from_ == "b"
    assert m.system == "two" and m.template == "t2"
    assert m.licenses == ["l1", "l2"]
    assert m.parameter_values("stop") == ["x", "y"]


def test_empty_from() -> None:
    assert parse_modelfile("FROM \n").from_ == ""


def test_message_roles() -> None:
    m = parse_modelfile("FROM x\nMESSAGE system be brief\nMESSAGE assistant ok\n")
    assert m.messages == [("system", "be brief"), ("assistant", "ok")]
    with pytest.raises(ModelfileError, match="role"):
        parse_modelfile("FROM x\nMESSAGE User hi\n")


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("SYSTEM hi\n", 1, 1, "no FROM"),
        ("FROM x\nPARAMETER top-k 5\n", 2, 14, "invalid character"),
        ("FROM x\nPARAMETER stop\n", 2, 15, "needs a value"),
        ("FROM\n", 1, 5, "needs a value"),
        ('FROM x\nSYSTEM """never closed\n', 2, 8, "never closed"),
        ("FROM x\nPARAMETER seed", 2, 15, "unexpected end"),
    ],
)
def test_errors_carry_positions(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(ModelfileError, match=words) as caught:
        parse_modelfile(text)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_unprintable_characters_are_dropped_as_ollama_does() -> None:
    assert parse_modelfile("FROM x\nSYSTEM a\u200bb\x07c\u3000d\n").system == "abcd"


def test_positions_are_recorded_but_not_compared() -> None:
    m = parse_modelfile("\n\nFROM x\n  SYSTEM y\n")
    assert (m.commands[1].line, m.commands[1].column) == (4, 3)
    assert m.commands[1] == Command("system", "y")


def test_decode_handles_boms() -> None:
    text = "FROM x\nSYSTEM 안녕\n"
    assert decode_modelfile(("\ufeff" + text).encode("utf-8")) == text
    assert decode_modelfile(("\ufeff" + text).encode("utf-16-le")) == text
    assert decode_modelfile(("\ufeff" + text).encode("utf-16-be")) == text
    assert parse_modelfile(decode_modelfile(b"FROM x\nSYSTEM \xff\n")).system == "\ufffd"


def test_replacing_keeps_the_position() -> None:
    m = parse_modelfile(
        "FROM x\nTEMPLATE t\nPARAMETER stop a\nPARAMETER seed 1\nPARAMETER stop b\n"
    )
    stops = (Command("parameter", "c", "stop"), Command("parameter", "d", "stop"))
    replaced = m.replacing("parameter", "stop", stops)
    assert replaced.parameters == [("stop", "c"), ("stop", "d"), ("seed", "1")]
    assert m.replacing("template", None, ()).template is None
    assert m.replacing("system", None, (Command("system", "s"),)).commands[-1] == Command(
        "system", "s"
    )
