"""Ollama's JSON, read defensively: every field may be missing, null or of another type.

The engine's transport (`ollama_engine`) hands parsed objects here and gets kodesk
types back. Nothing here raises anything but a `KodeskError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from kodesk.core.errors import EngineHTTPError, KodeskError, ModelNotFound, PromptTooLong
from kodesk.core.types import ChatStats, LoadedModel, ModelDetails, ModelInfo, Progress

#: The first release whose /api/chat and /api/generate take `"truncate": false` and then
#: refuse an over-long prompt with HTTP 400 instead of cutting its middle: the field was
#: merged on 2025-10-11 (ollama/ollama#12582, after v0.12.5 was tagged); a 0.12.11 server
#: was seen answering 400 "the input length exceeds the context length".
TRUNCATE_SINCE = (0, 12, 6)

#: What a server refusing an over-long prompt says (0.12.x: "the input length exceeds the
#: context length"; later: "the prompt is longer than the context length …").
_TOO_LONG = re.compile(r"exceeds the context length|longer than the context length", re.I)


def text_field(value: object) -> str:
    """A field that should be a string: None and containers become ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        return ""
    return str(value)


def int_field(value: object) -> int | None:
    """A field that should be a count or nanoseconds: anything else is None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def error_detail(value: object) -> str:
    """An `error` field as one short line, whatever its JSON type."""
    if value is None or value == "":
        return "no details"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return " ".join(text.split())[:300] or "no details"


def error_text(body: bytes) -> str:
    """The detail of an error response body (`{"error": …}`, or plain text)."""
    try:
        data = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError:
        return error_detail(body.decode("utf-8", errors="replace"))
    if isinstance(data, dict) and "error" in data:
        return error_detail(data["error"])
    return error_detail(data)


def status_error(status: int, detail: str, model: str, num_ctx: int | None) -> KodeskError:
    if status == 404 and "not found" in detail and model:
        return ModelNotFound(model)
    if status == 400 and _TOO_LONG.search(detail):
        return PromptTooLong(model, num_ctx)
    return EngineHTTPError(status, detail)


def version_tuple(text: str) -> tuple[int, ...] | None:
    """ "0.12.11" → (0, 12, 11); "0.13.0-rc1" → (0, 13, 0); unreadable → None."""
    match = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def supports_truncate(version: str) -> bool:
    parsed = version_tuple(version)
    # Development builds report 0.0.0: they are newer than any release.
    return parsed is not None and (parsed >= TRUNCATE_SINCE or parsed == (0, 0, 0))


def chat_stats(line: Mapping[str, Any]) -> ChatStats:
    reason = line.get("done_reason")
    return ChatStats(
        done_reason=reason if isinstance(reason, str) else None,
        prompt_eval_count=int_field(line.get("prompt_eval_count")),
        eval_count=int_field(line.get("eval_count")),
        total_duration=int_field(line.get("total_duration")),
        load_duration=int_field(line.get("load_duration")),
        prompt_eval_duration=int_field(line.get("prompt_eval_duration")),
        eval_duration=int_field(line.get("eval_duration")),
    )


def message_parts(line: Mapping[str, Any]) -> tuple[str, str]:
    """(thinking, content) of a chat line."""
    message = line.get("message")
    if not isinstance(message, dict):
        return "", ""
    return text_field(message.get("thinking")), text_field(message.get("content"))


def progress(line: Mapping[str, Any]) -> Progress:
    digest = line.get("digest")
    return Progress(
        text_field(line.get("status")),
        digest if isinstance(digest, str) else None,
        int_field(line.get("total")),
        int_field(line.get("completed")),
    )


def _objects(value: object) -> list[dict[str, Any]]:
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []


def model_infos(data: Mapping[str, Any]) -> list[ModelInfo]:
    out = []
    for m in _objects(data.get("models")):
        raw = m.get("details")
        details: dict[str, Any] = raw if isinstance(raw, dict) else {}
        out.append(
            ModelInfo(
                name=text_field(m.get("model")) or text_field(m.get("name")),
                size=int_field(m.get("size")) or 0,
                modified_at=text_field(m.get("modified_at")),
                digest=text_field(m.get("digest")),
                family=text_field(details.get("family")),
                parameter_size=text_field(details.get("parameter_size")),
                quantization_level=text_field(details.get("quantization_level")),
                format=text_field(details.get("format")),
            )
        )
    return out


def loaded_models(data: Mapping[str, Any]) -> list[LoadedModel]:
    return [
        LoadedModel(
            name=text_field(m.get("name")) or text_field(m.get("model")),
            size=int_field(m.get("size")) or 0,
            size_vram=int_field(m.get("size_vram")) or 0,
            context_length=int_field(m.get("context_length")),
            expires_at=text_field(m.get("expires_at")),
        )
        for m in _objects(data.get("models"))
    ]


def model_details(model: str, data: Mapping[str, Any]) -> ModelDetails:
    details = data.get("details")
    info = data.get("model_info")
    capabilities = data.get("capabilities")
    return ModelDetails(
        name=model,
        modelfile=text_field(data.get("modelfile")),
        parameters=text_field(data.get("parameters")),
        template=text_field(data.get("template")),
        system=text_field(data.get("system")),
        license=text_field(data.get("license")),
        details=dict(details) if isinstance(details, dict) else {},
        model_info=dict(info) if isinstance(info, dict) else {},
        capabilities=tuple(c for c in capabilities if isinstance(c, str))
        if isinstance(capabilities, list)
        else (),
    )
