"""Turning chat messages into the one prompt string a llama.cpp model reads.

A GGUF may carry a Hugging Face chat template (Jinja, `tokenizer.chat_template`). That
template is untrusted input from a downloaded file, so it is rendered in a locked-down
sandbox (`jinja2.sandbox.ImmutableSandboxedEnvironment`) with these extra guards:

- any access to an underscore or internal attribute refuses the template, both before
  rendering (a scan of the parsed template) and while rendering (never a silent blank);
- rendering runs against a budget: every block entered (loop iteration, branch, macro
  call) and every call counts, with a wall-clock deadline checked as it goes;
- the output, repeated strings and width/padding arguments are bounded in size.

Models without a template (base models) get a plain completion prompt: the system text,
then the conversation, so the model continues after the instruction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateError, nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError
from jinja2.ext import Extension, loopcontrols
from jinja2.parser import Parser
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kodesk.core.chat_templates import template_family
from kodesk.core.types import ChatMessage
from kodesk.engines.embedded_errors import ChatTemplateError

PLAIN_FORMAT = "plain completion (base model)"

#: Methods of `str` whose integer arguments set the size of the result.
_SIZED_STR_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


@dataclass(frozen=True)
class RenderedPrompt:
    """The prompt actually sent to the model and how it was made (shown in answer details)."""

    format: str
    text: str


@dataclass(frozen=True)
class RenderLimits:
    seconds: float = 2.0
    steps: int = 200_000
    #: Output limit = `base_chars` + `per_input_char` × the characters of the messages.
    base_chars: int = 65_536
    per_input_char: int = 4


def render_plain(messages: Sequence[ChatMessage]) -> RenderedPrompt:
    """A base-model prompt: every message's text in order, separated by blank lines.

    The instruction (system text, then the user message with the task around the input)
    comes first and the prompt ends with a newline, so a base model continues after it.
    """
    parts = [m.content.strip() for m in messages if m.content.strip()]
    return RenderedPrompt(PLAIN_FORMAT, "\n\n".join(parts) + "\n")


class _Budget:
    """Counts rendering steps and output size; raises `ChatTemplateError` past a limit."""

    def __init__(self, limits: RenderLimits, max_chars: int) -> None:
        self.limits = limits
        self.max_chars = max_chars
        self.deadline = time.monotonic() + limits.seconds
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.limits.steps:
            raise ChatTemplateError(f"rendering took more than {self.limits.steps} steps")
        if self.steps % 256 == 0 and time.monotonic() > self.deadline:
            raise ChatTemplateError(f"rendering took longer than {self.limits.seconds:g} s")

    def check_size(self, size: int) -> None:
        if size > self.max_chars:
            raise ChatTemplateError(f"rendering produced more than {self.max_chars} characters")


class _TickingRange:
    """`range` for templates: bounded in length, and every step counts against the budget."""

    def __init__(self, span: range, budget: _Budget) -> None:
        self._span = span
        self._budget = budget

    def __len__(self) -> int:
        return len(self._span)

    def __iter__(self) -> Iterator[int]:
        for value in self._span:
            self._budget.tick()
            yield value

    def __reversed__(self) -> Iterator[int]:
        return iter(_TickingRange(self._span[::-1], self._budget))


class _GenerationTag(Extension):
    """Hugging Face's `{% generation %}…{% endgeneration %}` (marks assistant text for
    training); rendering just outputs the body."""

    tags = {"generation"}  # noqa: RUF012 - jinja2's own declaration style

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.Scope(body, lineno=lineno)


class _TickingCodeGenerator(CodeGenerator):
    """Compiles every block body (loop iteration, branch, macro) to start with a budget tick."""

    def blockvisit(self, nodes: Any, frame: Any) -> None:
        self.writeline("environment.budget_tick()")
        super().blockvisit(nodes, frame)


class _GuardedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, made strict: unsafe access raises instead of rendering as blank."""

    code_generator_class = _TickingCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self) -> None:
        super().__init__(
            trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols, _GenerationTag]
        )
        self.budget: _Budget | None = None
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)
        self.globals["range"] = self._range
        for name in ("center", "format", "wordwrap", "indent", "xmlattr", "urlize"):
            self.filters.pop(name, None)
        self.filters["tojson"] = _tojson

    def _active(self) -> _Budget:
        if self.budget is None:  # a compiled template is only run through `render`
            raise ChatTemplateError("rendering outside a budget")
        return self.budget

    def budget_tick(self) -> None:
        self._active().tick()

    def _range(self, *args: int) -> _TickingRange:
        budget = self._active()
        span = range(*args)
        budget.check_size(len(span))
        return _TickingRange(span, budget)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        raise SecurityError(
            f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is not allowed"
        )

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if super().wrap_str_format(value) is not None:
            raise SecurityError("str.format is not allowed in chat templates")
        return None

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = __self._active()
        budget.tick()
        if isinstance(getattr(__obj, "__self__", None), str) and (
            getattr(__obj, "__name__", "") in _SIZED_STR_METHODS
        ):
            for value in (*args, *kwargs.values()):
                if isinstance(value, int):
                    budget.check_size(value)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = self._active()
        budget.tick()
        if operator == "%" and isinstance(left, str):
            raise SecurityError("%-formatting of strings is not allowed in chat templates")
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            sized = left if isinstance(left, str | list | tuple) else right
            count = right if sized is left else left
            if isinstance(sized, str | list | tuple) and isinstance(count, int):
                budget.check_size(len(sized) * count)
        result = super().call_binop(context, operator, left, right)
        if isinstance(result, str | list | tuple):
            budget.check_size(len(result))
        return result


def _tojson(
    value: Any, indent: int | None = None, separators: Any = None, sort_keys: bool = False
) -> str:
    """Hugging Face's `tojson`: real Unicode (no \\u escapes), optional small indent."""
    if indent is not None and not 0 <= indent <= 16:
        raise SecurityError("tojson indent must be between 0 and 16")
    return json.dumps(
        value,
        ensure_ascii=False,
        indent=indent,
        separators=tuple(separators) if separators else None,
        sort_keys=sort_keys,
    )


def _raise_exception(message: str) -> None:
    raise ChatTemplateError(f"the template refused the conversation: {message}")


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


def _unsafe_names(tree: nodes.Template) -> list[str]:
    found: list[str] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            name = node.arg.value
        else:
            continue
        if name.startswith("_"):
            found.append(name)
    return found


class ChatTemplate:
    """A checked, compiled chat template. `render` may be called from any one thread at a time.

    Raises `ChatTemplateError` for a template that does not parse or that reaches for
    underscore attributes (the usual way out of a Jinja sandbox) — before running it.
    """

    def __init__(self, source: str, limits: RenderLimits | None = None) -> None:
        self.source = source
        self.family = template_family(source)
        self.limits = limits or RenderLimits()
        self._env = _GuardedEnvironment()
        try:
            tree = self._env.parse(source)
        except TemplateError as exc:
            raise ChatTemplateError(f"syntax error: {exc}") from exc
        unsafe = _unsafe_names(tree)
        if unsafe:
            raise ChatTemplateError(
                f"it reaches for Python internals ({', '.join(sorted(set(unsafe)))})"
            )
        try:
            self._template = self._env.from_string(tree)
        except TemplateError as exc:
            raise ChatTemplateError(f"cannot compile: {exc}") from exc

    @property
    def format_name(self) -> str:
        return f"chat template: {self.family}"

    def render(
        self,
        messages: Sequence[ChatMessage],
        *,
        bos_token: str = "",
        eos_token: str = "",
        add_generation_prompt: bool = True,
    ) -> RenderedPrompt:
        input_chars = sum(len(m.content) for m in messages)
        budget = _Budget(
            self.limits, self.limits.base_chars + self.limits.per_input_char * input_chars
        )
        context = {
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "add_generation_prompt": add_generation_prompt,
            "bos_token": bos_token,
            "eos_token": eos_token,
            "raise_exception": _raise_exception,
            "strftime_now": _strftime_now,
        }
        self._env.budget = budget
        pieces: list[str] = []
        size = 0
        try:
            for piece in self._template.generate(context):
                size += len(piece)
                budget.check_size(size)
                budget.tick()
                pieces.append(piece)
        except ChatTemplateError:
            raise
        except SecurityError as exc:
            raise ChatTemplateError(f"unsafe operation refused: {exc}") from exc
        except RecursionError as exc:
            raise ChatTemplateError("the template recurses too deeply") from exc
        except Exception as exc:  # any other template failure is the template's fault
            raise ChatTemplateError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._env.budget = None
        return RenderedPrompt(self.format_name, "".join(pieces))
