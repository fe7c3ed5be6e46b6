"""Tasks: what kodesk asks the model to do with the captured text.

A task turns text into chat messages. The instruction is given before the text and
repeated after it, so it survives even if a server drops the front of a long prompt.
Built-in tasks have carefully written Korean prompts; custom tasks come from the
settings (`tasks.custom`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kodesk.core.errors import Text
from kodesk.core.script import hangul_share
from kodesk.core.types import ChatMessage

Reduce = Literal["summarize", "concat"]
"""How chunk results of a split text are combined: by another model call, or joined."""


@dataclass(frozen=True)
class Task:
    name: str
    title: Text
    system: str
    #: The user message; `{text}` is replaced by the input. Other placeholders:
    #: `{model}`, `{token_count}`, `{num_ctx}`.
    template: str
    model: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    hotkey: str = ""
    #: Remove web-page clutter (menus, bylines, …) before sending.
    cleanup: bool = True
    reduce: Reduce = "summarize"
    #: Tokens kept free for the answer when planning, unless num_predict says otherwise.
    output_reserve: int = 512
    builtin: bool = False

    def messages(self, text: str, **values: Any) -> tuple[ChatMessage, ...]:
        """The chat messages for `text` (placeholders other than {text} from `values`)."""
        user = self.template
        for key, value in values.items():
            user = user.replace("{" + key + "}", str(value))
        user = user.replace("{text}", text)
        system = (ChatMessage("system", self.system),) if self.system else ()
        return (*system, ChatMessage("user", user))


_SUMMARY = Task(
    name="summary",
    title=Text(ko="한 줄 요약", en="One-line summary"),
    system=(
        "당신은 한국어 신문사의 숙련된 편집자입니다. 글의 핵심 사실만 정확하게 전달하고, "
        "원문에 없는 내용은 절대 덧붙이지 않습니다."
    ),
    template=(
        "다음 글을 한국어 한 문장으로 요약하세요.\n\n"
        "<글>\n{text}\n</글>\n\n"
        "위 글의 핵심(누가, 무엇을, 왜)을 한국어 한 문장으로만 쓰세요. "
        "머리말, 제목, 따옴표, 목록 없이 완결된 문장 하나만 출력하세요."
    ),
    options={"temperature": 0.2, "num_predict": 256},
    output_reserve=256,
    builtin=True,
)

_TOKENS = Task(
    name="tokens",
    title=Text(ko="토큰 설명", en="Explain tokens"),
    system="당신은 대규모 언어 모델을 처음 접하는 사람에게 친절하게 설명하는 선생님입니다.",
    template=(
        "아래 글은 {model} 모델의 토크나이저로 {token_count}개의 토큰이고, "
        "이 모델의 컨텍스트는 {num_ctx} 토큰입니다.\n\n"
        "<글 앞부분>\n{text}\n</글 앞부분>\n\n"
        "토큰이 무엇인지, 한글이 왜 영어보다 토큰을 많이 쓰는지, 그리고 이 글의 토큰 수가 "
        "컨텍스트 길이와 비교해 무엇을 뜻하는지 한국어 3~4문장으로 쉽게 설명하세요."
    ),
    options={"temperature": 0.3, "num_predict": 384},
    cleanup=False,
    reduce="concat",
    output_reserve=384,
    builtin=True,
)

_TRANSLATE_TO_EN = (
    "Translate the following Korean text into natural, fluent English. Keep personal and "
    "company names, numbers, units and dates exactly as they are.\n\n"
    "<text>\n{text}\n</text>\n\n"
    "Output only the English translation, with no notes or preamble."
)
_TRANSLATE_TO_KO = (
    "다음 글을 자연스러운 한국어로 번역하세요. 사람과 회사 이름, 숫자, 단위, 날짜는 "
    "그대로 유지하세요.\n\n"
    "<글>\n{text}\n</글>\n\n"
    "설명이나 머리말 없이 한국어 번역문만 출력하세요."
)


@dataclass(frozen=True)
class TranslateTask(Task):
    """Korean → English when the text is mostly Hangul, otherwise → Korean."""

    def target_language(self, text: str) -> Literal["en", "ko"]:
        return "en" if hangul_share(text) >= 0.5 else "ko"

    def messages(self, text: str, **values: Any) -> tuple[ChatMessage, ...]:
        template = _TRANSLATE_TO_EN if self.target_language(text) == "en" else _TRANSLATE_TO_KO
        user = template.replace("{text}", text)
        return (ChatMessage("system", self.system), ChatMessage("user", user))


_TRANSLATE = TranslateTask(
    name="translate",
    title=Text(ko="번역 (한↔영)", en="Translate (Korean↔English)"),
    system=(
        "You are a professional Korean–English translator. You translate faithfully and "
        "never add commentary."
    ),
    template="{text}",
    options={"temperature": 0.1, "num_predict": 2048},
    reduce="concat",
    output_reserve=2048,
    builtin=True,
)

BUILTIN_TASKS: tuple[Task, ...] = (_SUMMARY, _TRANSLATE, _TOKENS)


class TaskError(ValueError):
    pass


def task_from_table(table: Mapping[str, Any]) -> Task:
    """A custom task from its settings table; raises TaskError with a reason."""
    name = str(table.get("name", "")).strip()
    template = str(table.get("template", ""))
    if not name:
        raise TaskError("a custom task needs a name")
    if "{text}" not in template:
        raise TaskError(f"task {name!r}: the template must contain {{text}}")
    options = table.get("options", {})
    if not isinstance(options, dict):
        raise TaskError(f"task {name!r}: options must be a table")
    title = str(table.get("title", "")) or name
    return Task(
        name=name,
        title=Text(ko=title, en=title),
        system=str(table.get("system", "")),
        template=template,
        model=str(table.get("model", "")),
        options=dict(options),
        hotkey=str(table.get("hotkey", "")),
        cleanup=bool(table.get("cleanup", True)),
        reduce="concat" if table.get("reduce") == "concat" else "summarize",
        output_reserve=int(table.get("output_reserve", 512)),
    )


def task_to_table(task: Task) -> dict[str, Any]:
    return {
        "name": task.name,
        "title": task.title.ko,
        "system": task.system,
        "template": task.template,
        "model": task.model,
        "options": dict(task.options),
        "hotkey": task.hotkey,
        "cleanup": task.cleanup,
        "reduce": task.reduce,
        "output_reserve": task.output_reserve,
    }


def all_tasks(custom: Sequence[Mapping[str, Any]]) -> tuple[list[Task], list[str]]:
    """Built-in plus valid custom tasks, and the reasons any custom task was skipped."""
    tasks = list(BUILTIN_TASKS)
    problems: list[str] = []
    for table in custom:
        try:
            task = task_from_table(table)
        except (TaskError, ValueError) as exc:
            problems.append(str(exc))
            continue
        if any(t.name == task.name for t in tasks):
            problems.append(f"task {task.name!r} is defined twice")
            continue
        tasks.append(task)
    return tasks, problems


def find_task(tasks: Sequence[Task], name: str) -> Task:
    for task in tasks:
        if task.name == name:
            return task
    raise TaskError(f"no task named {name!r}; known: {', '.join(t.name for t in tasks)}")
