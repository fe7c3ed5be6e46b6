"""Fuzzing the sandboxed chat-template renderer: templates built from Jinja pieces give
a prompt or a typed `ChatTemplateError`, each within a time and memory bound."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kodesk.core.types import ChatMessage
from kodesk.engines.chat_prompt import ChatTemplate
from kodesk.engines.embedded_errors import ChatTemplateError

MESSAGES = (ChatMessage("system", "짧게 답하세요."), ChatMessage("user", "안녕하세요?"))
DEADLINE_MS = 3000
PEAK_BYTES = 64 << 20

PIECES = (
    "{% set ns = namespace(s='ab', x=[1]) %}",
    "{% for i in range(30) %}",
    "{% for m in messages %}",
    "{% endfor %}",
    "{% if ns %}",
    "{% endif %}",
    "{% set ns.s = ns.s ~ ns.s %}",
    "{% set ns.x = [ns.x, ns.x] %}",
    "{% set ns.s = ns.s * 3 %}",
    "{% set ns.s = ns.s|replace('a', ns.s) %}",
    "{{ ns.s }}",
    "{{ ns.x|tojson }}",
    "{{ ns.x|join(ns.s) }}",
    "{{ m.content }}",
    "{{ messages|tojson }}",
    "{{ 'x' * 10**6 }}",
    "{{ range(10**7)|list }}",
    "{{ 9 ** 99 }}",
    "{{ ''.__class__ }}",
    "{{ raise_exception('no') }}",
    "{% macro f(a) %}{{ a }}{{ a }}{% endmacro %}",
    "{{ f(ns.s) }}",
    "{% set s %}",
    "{% endset %}",
    "text ",
    "{{",
    "}}",
    "%}",
)
templates = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)


def _render_or_refuse(source: str) -> None:
    tracemalloc.start()
    try:
        try:
            ChatTemplate(source).render(MESSAGES)
        except ChatTemplateError as exc:
            assert "\n" not in exc.message("en")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_BYTES


@settings(max_examples=100, deadline=DEADLINE_MS)
@given(templates)
def test_templates_from_pieces(source: str) -> None:
    _render_or_refuse(source)


@pytest.mark.slow
@settings(max_examples=2000, deadline=DEADLINE_MS)
@given(templates | st.text(max_size=200))
def test_long_run_templates(source: str) -> None:
    _render_or_refuse(source)
