"""Turning chat messages into the one prompt string a llama.cpp model reads.

A GGUF may carry a Hugging Face chat template (Jinja, `tokenizer.chat_template`). That
template is untrusted input from a downloaded file, so it is rendered in a locked-down
sandbox (`jinja2.sandbox.ImmutableSandboxedEnvironment`) with these extra guards:

- any access to an underscore or internal attribute refuses the template, both before
  rendering (a scan of the parsed template) and while rendering (never a silent blank);
- rendering runs against a budget: every block entered (loop iteration, branch, macro
  call) and every call counts, with a wall-clock deadline checked as it goes;
- no single operation can build something huge: the size of a result is known before
  it is made (`template_bounds`) for `~`, `*`, `**`, list and dict literals, filters
  and `str` methods, and every value made or written is checked against the output
  limit; all text written (also into `{% set %}` blocks and macro bodies) counts
  towards a total of `written_factor` times the output limit.

Models without a template (base models) get a plain completion prompt: the system text,
then the conversation, so the model continues after the instruction.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.ext import Extension, loopcontrols
from jinja2.nodes import EvalContext
from jinja2.parser import Parser
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kodesk.core.chat_templates import template_family
from kodesk.core.types import ChatMessage
from kodesk.engines.embedded_errors import ChatTemplateError
from kodesk.engines.template_bounds import (
    FILTER_BOUNDS,
    STR_METHOD_BOUNDS,
    TooDeep,
    flat_size,
)

PLAIN_FORMAT = "plain completion (base model)"

#: Integers (from `*` and `**`) are kept under this many bits.
_MAX_INT_BITS = 1 << 16


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
    #: All text written while rendering (blocks, macros) ≤ this × the output limit.
    written_factor: int = 8


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
        self.written = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps > self.limits.steps:
            raise ChatTemplateError(f"rendering took more than {self.limits.steps} steps")
        if self.steps % 256 == 0 and time.monotonic() > self.deadline:
            raise ChatTemplateError(f"rendering took longer than {self.limits.seconds:g} s")

    def check_size(self, size: int) -> None:
        if size > self.max_chars:
            raise ChatTemplateError(f"rendering produced more than {self.max_chars} characters")

    def check_value(self, value: Any) -> None:
        """`value` written out stays within the output limit."""
        try:
            self.check_size(flat_size(value, self.max_chars))
        except TooDeep:
            raise ChatTemplateError("the template nests values too deeply") from None

    def count_written(self, size: int) -> None:
        self.written += size
        limit = self.limits.written_factor * self.max_chars
        if self.written > limit:
            raise ChatTemplateError(f"rendering wrote more than {limit} characters in all")


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
    """Compiles every block body (loop iteration, branch, macro) to start with a budget
    tick, every piece of output to be counted, and `~` and literals to be measured."""

    def blockvisit(self, nodes: Any, frame: Any) -> None:
        self.writeline("environment.budget_tick()")
        super().blockvisit(nodes, frame)

    def _output_const_repr(self, group: Any) -> str:
        return f"environment.written({super()._output_const_repr(group)})"

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        self.write("environment.written(")
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        super()._output_child_post(node, frame, finalize)
        self.write(")")

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concat_checked(context.eval_ctx, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def _checked_literal(self, visit: Callable[[], None]) -> None:
        self.write("environment.checked(")
        visit()
        self.write(")")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._checked_literal(lambda: super(_TickingCodeGenerator, self).visit_List(node, frame))

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self._checked_literal(lambda: super(_TickingCodeGenerator, self).visit_Dict(node, frame))

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # an assignment target
            super().visit_Tuple(node, frame)
            return
        self._checked_literal(lambda: super(_TickingCodeGenerator, self).visit_Tuple(node, frame))


class _GuardedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, made strict: unsafe access raises instead of rendering as blank."""

    code_generator_class = _TickingCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self) -> None:
        super().__init__(
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=[loopcontrols, _GenerationTag],
            finalize=self._finalize,
        )
        self.budget: _Budget | None = None
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)
        self.globals["range"] = self._range
        for name in ("center", "format", "wordwrap", "indent", "xmlattr", "urlize"):
            self.filters.pop(name, None)
        self.filters["tojson"] = _tojson
        for name, function in list(self.filters.items()):
            self.filters[name] = self._bounded_filter(name, function)

    def _active(self) -> _Budget:
        if self.budget is None:  # a compiled template is only run through `render`
            raise ChatTemplateError("rendering outside a budget")
        return self.budget

    def budget_tick(self) -> None:
        self._active().tick()

    def _finalize(self, value: Any) -> Any:
        """Every value printed by `{{ }}`, measured before it is turned into text."""
        self._active().check_value(value)
        return value

    def written(self, piece: str) -> str:
        budget = self._active()
        budget.count_written(len(piece))
        return piece

    def checked(self, value: Any) -> Any:
        """A list, tuple or dict literal, measured once built (its parts already were)."""
        self._active().check_value(value)
        return value

    def concat_checked(self, eval_ctx: EvalContext, parts: tuple[Any, ...]) -> str:
        """`a ~ b ~ …`, measured before the text is joined."""
        budget = self._active()
        budget.tick()
        budget.check_size(sum(flat_size(part, budget.max_chars) for part in parts))
        return (markup_join if eval_ctx.autoescape else str_join)(parts)

    def _bounded_filter(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function` measured: its arguments and, for the filters that can grow them
        (`FILTER_BOUNDS`), its result, before it runs; its result after. Outside a
        render (constant folding while compiling) it refuses, so it runs later."""
        grows = FILTER_BOUNDS.get(name)
        # a filter declared with pass_context (or eval context, environment) gets it first
        skip = 1 if hasattr(function, "jinja_pass_arg") else 0

        @functools.wraps(function)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            budget = self._active()
            budget.tick()
            budget.check_value((args[skip:], kwargs))
            if grows is not None:
                budget.check_size(grows(budget.max_chars, *args[skip:], **kwargs))
            result = function(*args, **kwargs)
            budget.check_value(result)
            return result

        return bounded

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
        budget.check_value((args, kwargs))
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name == "translate":
                raise SecurityError("str.translate is not allowed in chat templates")
            grows = STR_METHOD_BOUNDS.get(name)
            if grows is not None:
                budget.check_size(grows(budget.max_chars, owner, *args, **kwargs))
        result = super().call(__context, __obj, *args, **kwargs)
        budget.check_value(result)
        return result

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = self._active()
        budget.tick()
        if operator == "%" and isinstance(left, str):
            raise SecurityError("%-formatting of strings is not allowed in chat templates")
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator in ("*", "**") and _is_int(left) and _is_int(right):
            bits = max(left.bit_length(), 1)
            bits = bits * right if operator == "**" else bits + right.bit_length()
            if bits > _MAX_INT_BITS:
                raise SecurityError("the number would be too large")
        if operator == "*":
            sized = left if isinstance(left, str | list | tuple) else right
            count = right if sized is left else left
            if isinstance(sized, str | list | tuple) and _is_int(count):
                budget.check_size(flat_size(sized, budget.max_chars) * max(count, 0))
        result = super().call_binop(context, operator, left, right)
        budget.check_value(result)
        return result


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
