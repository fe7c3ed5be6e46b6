"""Prompt rendering for the embedded engine: chat templates in the sandbox, plain prompts,
and the guards against hostile or runaway templates (no model needed)."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from kodesk.core.errors import KodeskError
from kodesk.core.types import ChatMessage
from kodesk.engines.chat_prompt import PLAIN_FORMAT, ChatTemplate, RenderLimits, render_plain
from kodesk.engines.embedded_errors import ChatTemplateError
from tests.engines.conftest import GEMMA_CHAT_TEMPLATE
from tests.gguf_factory import CHATML_TEMPLATE, LLAMA3_TEMPLATE

MESSAGES = (ChatMessage("system", "짧게 답하세요."), ChatMessage("user", "안녕하세요?"))


def test_gemma_template_renders_turns_and_generation_prompt() -> None:
    rendered = ChatTemplate(GEMMA_CHAT_TEMPLATE).render(MESSAGES, bos_token="<bos>")
    assert rendered.format == "chat template: gemma"
    assert rendered.text == (
        "<bos><start_of_turn>system\n짧게 답하세요.<end_of_turn>\n"
        "<start_of_turn>user\n안녕하세요?<end_of_turn>\n<start_of_turn>model\n"
    )


@pytest.mark.parametrize(
    ("source", "family", "marker"),
    [
        (LLAMA3_TEMPLATE, "llama3", "<|start_header_id|>assistant<|end_header_id|>"),
        (CHATML_TEMPLATE, "chatml", "<|im_start|>assistant"),
    ],
)
def test_other_families_render_with_their_markers(source: str, family: str, marker: str) -> None:
    rendered = ChatTemplate(source).render(MESSAGES, bos_token="<s>", eos_token="</s>")
    assert rendered.format == f"chat template: {family}"
    assert rendered.text.rstrip().endswith(marker)
    assert "안녕하세요?" in rendered.text


def test_generation_prompt_can_be_left_out() -> None:
    rendered = ChatTemplate(GEMMA_CHAT_TEMPLATE).render(MESSAGES, add_generation_prompt=False)
    assert not rendered.text.endswith("<start_of_turn>model\n")


def test_hugging_face_helpers_are_available() -> None:
    template = ChatTemplate(
        "{{ messages | tojson }}|{{ strftime_now('%Y') }}|"
        "{% for m in messages %}{% if loop.first %}{% continue %}{% endif %}{{ m.role }}"
        "{% endfor %}"
    )
    text = template.render(MESSAGES).text
    assert '"content": "안녕하세요?"' in text  # real Unicode, as Hugging Face's tojson
    assert f"|{time.strftime('%Y')}|user" in text


def test_range_behaves_like_a_range() -> None:
    template = ChatTemplate(
        "{{ range(3) | length }}|{% for i in range(3) | reverse %}{{ i }}"
        "{% endfor %}|{% for i in range(1, 4) %}{{ loop.length }}{% endfor %}"
    )
    assert template.render(MESSAGES).text == "3|210|333"


def test_hugging_face_generation_tag_renders_its_body() -> None:
    template = ChatTemplate(
        "{% for m in messages %}{% if m.role == 'user' %}{% generation %}"
        "[{{ m.content }}]{% endgeneration %}{% endif %}{% endfor %}"
    )
    assert template.render(MESSAGES).text == "[안녕하세요?]"


def test_raise_exception_becomes_a_kodesk_error() -> None:
    template = ChatTemplate(
        "{% if messages[0]['role'] == 'system' %}"
        "{{ raise_exception('System role not supported') }}{% endif %}"
    )
    with pytest.raises(ChatTemplateError, match="System role not supported"):
        template.render(MESSAGES)


def test_plain_prompt_for_base_models() -> None:
    rendered = render_plain(MESSAGES)
    assert rendered.format == PLAIN_FORMAT
    assert rendered.text == "짧게 답하세요.\n\n안녕하세요?\n"
    assert render_plain((ChatMessage("user", "  text  "), ChatMessage("system", ""))).text == (
        "text\n"
    )


def test_syntax_error_is_reported() -> None:
    with pytest.raises(ChatTemplateError, match="syntax"):
        ChatTemplate("{% for m in messages %}{{ m.content }}")


HOSTILE = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}",
    "{{ joiner.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ namespace.__init__.__globals__['os'].system('touch {marker}') }}",
    "{{ raise_exception.__globals__['__builtins__']['open']('{marker}', 'w') }}",
    "{{ messages['__class__'] }}",
    "{{ ''.__class__ }}",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_templates_are_refused_before_running(source: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(KodeskError) as caught:
        ChatTemplate(source.replace("{marker}", str(marker))).render(MESSAGES)
    assert isinstance(caught.value, ChatTemplateError)
    assert "internals" in caught.value.detail
    assert not marker.exists()


@pytest.mark.parametrize(
    "source",
    [
        # names built at render time slip past the static scan and are refused while rendering
        "{% set a = '__cla' ~ 'ss__' %}{{ ''[a] }}",
        "{% set a = '__glo' ~ 'bals__' %}{{ (raise_exception|attr('__init__'))[a] }}",
        "{{ '{0.__class__}'.format('') }}",
        "{{ '%s' % messages }}",
    ],
)
def test_dynamic_escapes_are_refused_while_rendering(source: str) -> None:
    with pytest.raises(ChatTemplateError):
        ChatTemplate(source).render(MESSAGES)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ 'x' * 100000000 }}", "characters"),
        ("{{ 'a'.ljust(999999999) }}", "characters"),
        ("{{ 2 ** 100 ** 100 }}", "exponent"),
        ("{% for i in range(1000000) %}{% endfor %}", "characters"),
        (
            "{% for a in range(300) %}{% for b in range(300) %}{% for c in range(300) %}"
            "{% endfor %}{% endfor %}{% endfor %}",
            "steps",
        ),
        (
            "{% for m in messages %}{% for a in 'abcdefghij' * 1000 %}"
            "{% for b in 'abcdefghij' * 1000 %}"
            "{% if a == b %}{% endif %}{% endfor %}{% endfor %}{% endfor %}",
            "steps",
        ),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recurs"),
        ("{% for i in range(60000) %}{{ messages | tojson }}{% endfor %}", "characters"),
    ],
)
def test_runaway_templates_hit_the_budget(source: str, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(ChatTemplateError, match=reason):
        ChatTemplate(source).render(MESSAGES)
    assert time.monotonic() - started < 5


def test_time_limit_applies_even_under_the_step_limit() -> None:
    slow = ChatTemplate(
        "{% for a in range(5000) %}{{ messages | tojson }}{% endfor %}",
        RenderLimits(seconds=0.0, base_chars=10**9),
    )
    with pytest.raises(ChatTemplateError, match="longer than"):
        slow.render(MESSAGES)


def test_output_limit_grows_with_the_input() -> None:
    template = ChatTemplate(
        "{% for m in messages %}{{ m.content }}{% endfor %}",
        RenderLimits(base_chars=10, per_input_char=1),
    )
    long_text = "가" * 10_000
    assert template.render((ChatMessage("user", long_text),)).text == long_text


NS = "{% set ns = namespace(s='a', x=['a'], n=3, d={}) %}"
LOOP = "{% for i in range(60) %}"
END = "{% endfor %}"
BIG = "{% set big = 'a' * 60000 %}"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (NS + LOOP + "{% set ns.s = ns.s ~ ns.s %}" + END, "characters"),
        (NS + LOOP + "{% set ns.s = ns.s + ns.s %}" + END, "characters"),
        (NS + LOOP + "{% set ns.s = ns.s|string ~ ns.s|string %}" + END, "characters"),
        (NS + LOOP + "{% set ns.x = [ns.x, ns.x] %}" + END + "{{ ns.x == ns.x }}", "characters"),
        (NS + LOOP + "{% set ns.d = dict(a=ns.d, b=ns.d) %}" + END, "characters"),
        (NS + LOOP + "{% set ns.d = {'a': ns.d, 'b': ns.d} %}" + END, "characters"),
        (NS + LOOP + "{% set ns.n = ns.n * ns.n %}" + END, "too large"),
        (NS + LOOP + "{% set ns.n = ns.n ** 64 %}" + END, "too large"),
        (
            "{% macro twice(s) %}{{ s }}{{ s }}{% endmacro %}"
            + NS
            + LOOP
            + "{% set ns.s = twice(ns.s) %}"
            + END,
            "characters",
        ),
        ("{{ 'x' * 10**9 }}", "characters"),
        ("{{ ['x'] * 10**9 }}", "characters"),
        ("{{ range(10**9)|list|length }}", "characters"),
        ("{{ [1]|batch(10**9, 0)|list|length }}", "characters"),
        ("{{ []|slice(10**9)|list|length }}", "characters"),
        (BIG + "{{ ([big] * 1000)|join }}", "characters"),
        (BIG + "{{ [big]|join(big) ~ [big, big]|join(big) }}", "characters"),
        (BIG + "{{ big|replace('a', 'bb') }}", "characters"),
        (BIG + "{{ big.replace('', 'b') }}", "characters"),
        (BIG + "{{ 'x'.join([big, big]) }}", "characters"),
        ("{{ ('a\t' * 1000).expandtabs(100000) }}", "characters"),
        ("{{ 'abc'.translate({97: 'x'}) }}", "translate"),
        (BIG + "{{ big ~ big ~ big ~ big ~ big ~ big ~ big ~ big }}", "characters"),
        (BIG + "{% set y = [big, big, big, big] %}{{ [y, y, y, y]|tojson }}", "characters"),
        (
            "{% set s %}{% for i in range(100000) %}{{ 'a' * 60000 }}{% endfor %}{% endset %}",
            "characters",
        ),
        (
            "{% set s %}{% for i in range(100000) %}" + "a" * 1000 + "{% endfor %}{% endset %}",
            "characters",
        ),
        (
            "{% filter upper %}{% for i in range(100000) %}{{ 'a' * 60000 }}{% endfor %}"
            "{% endfilter %}",
            "characters",
        ),
        (NS + "{% for i in range(2000) %}{% set ns.x = [ns.x] %}" + END + "{{ ns.x }}", "deep"),
        # constants folded while compiling are measured too (they run at render time)
        ("{{ '" + "a" * 10_000 + "'|replace('a', '" + "b" * 10_000 + "') }}", "characters"),
    ],
)
def test_no_single_operation_grows_past_the_limit(source: str, reason: str) -> None:
    template = ChatTemplate(source)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ChatTemplateError, match=reason):
            template.render(MESSAGES)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2
    assert peak < 64 << 20


def test_text_written_in_all_is_bounded_too() -> None:
    """Block sets and macro bodies are not the output, but what they write counts."""
    source = "{% for i in range(50) %}{% set s %}{{ 'a' * 60000 }}{% endset %}{% endfor %}done"
    with pytest.raises(ChatTemplateError, match="in all"):
        ChatTemplate(source).render(MESSAGES)
    assert ChatTemplate(source, RenderLimits(written_factor=100)).render(MESSAGES).text == "done"


def test_real_templates_with_long_input_stay_within_the_limits() -> None:
    long_text = "가나다라 " * 40_000
    messages = (ChatMessage("system", "요약하세요."), ChatMessage("user", long_text))
    for source in (LLAMA3_TEMPLATE, CHATML_TEMPLATE, GEMMA_CHAT_TEMPLATE):
        text = ChatTemplate(source).render(messages, bos_token="<s>").text
        assert long_text.strip() in text
    namespaced = (
        "{% set ns = namespace(system='') %}{% for m in messages %}"
        "{% if m.role == 'system' %}{% set ns.system = ns.system ~ m.content %}{% endif %}"
        "{% endfor %}{{ ns.system }}{% for m in messages|rejectattr('role', 'equalto', "
        "'system')|list %}{{ [m.role, m.content]|join(': ') }}{% endfor %}"
        "{{ {'tools': [1, 2]}|tojson }}"
    )
    text = ChatTemplate(namespaced).render(messages).text
    assert text.startswith("요약하세요.user: 가나다라") and text.endswith('{"tools": [1, 2]}')
