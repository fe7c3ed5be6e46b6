"""A Modelfile as the JSON `/api/create` request (Ollama ≥ 0.5.5 takes no Modelfile text).

`to_model_spec` reads the Modelfile the way `ollama create` does on the client side:
a FROM naming an existing local file becomes a GGUF to upload, anything else names a
model; parameters are typed (see `modelfile_params`). `create_request` then builds the
JSON body once the GGUF (and adapter) blobs are uploaded and their digests known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kodesk.core.errors import Text
from kodesk.core.modelfile import Modelfile, ModelfileError
from kodesk.core.modelfile_params import ParameterValueError, parameters_for_create
from kodesk.core.types import ChatMessage, ModelSpec, Role

_DIGEST = re.compile(r"(?:sha256:)?([0-9a-f]{64})\Z")


def _local_file(value: str, base_dir: Path) -> Path | None:
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = base_dir / path
    return path if path.is_file() else None


def to_model_spec(modelfile: Modelfile, name: str, base_dir: str | Path = ".") -> ModelSpec:
    """The model to create. Raises `ModelfileError` for parameters Ollama rejects or a
    missing ADAPTER file."""
    base = Path(base_dir)
    from_gguf = from_model = None
    for value in modelfile.froms:
        local = _local_file(value, base)
        if local is not None:
            from_gguf, from_model = str(local), None
        else:
            from_model = value
    adapters = []
    for value in modelfile.adapters:
        local = _local_file(value, base)
        if local is None:
            raise _create_error(
                f"ADAPTER file not found: {value}",
                f"ADAPTER 파일이 없습니다: {value}",
                modelfile,
                "adapter",
            )
        adapters.append(str(local))
    try:
        parameters = parameters_for_create(modelfile.parameters)
    except (ValueError, ParameterValueError) as exc:
        raise _create_error(str(exc), f"매개변수 오류: {exc}", modelfile, "parameter") from None
    messages = tuple(ChatMessage(_ROLES[role], content) for role, content in modelfile.messages)
    return ModelSpec(
        name=name,
        from_model=from_model,
        from_gguf=from_gguf,
        template=modelfile.template,
        system=modelfile.system,
        parameters=parameters,
        messages=messages,
        license=tuple(modelfile.licenses),
        adapters=tuple(adapters),
    )


_ROLES: dict[str, Role] = {"system": "system", "user": "user", "assistant": "assistant"}


def _create_error(en: str, ko: str, modelfile: Modelfile, kind: str) -> ModelfileError:
    where = next((c for c in modelfile.commands if c.kind == kind), None)
    return ModelfileError(
        Text(ko=ko, en=en), where.line if where else 1, where.column if where else 1
    )


def normalize_digest(digest: str) -> str:
    """`sha256:<64 hex>` from either that or the bare hex; ValueError otherwise."""
    match = _DIGEST.match(digest.strip().lower())
    if not match:
        raise ValueError(f"not a sha256 digest: {digest!r}")
    return f"sha256:{match.group(1)}"


def create_request(
    spec: ModelSpec,
    gguf_digest: str | None = None,
    adapter_digests: Mapping[str, str] | None = None,
    *,
    stream: bool = True,
) -> dict[str, Any]:
    """The JSON body of `POST /api/create` for `spec`.

    `gguf_digest`: the uploaded blob's digest, required when `spec.from_gguf` is set
    (it goes to `files` under the file's name). `adapter_digests`: adapter path →
    digest, one for each of `spec.adapters`.
    """
    body: dict[str, Any] = {"model": spec.name, "stream": stream}
    if spec.from_gguf is not None:
        if gguf_digest is None:
            raise ValueError("a GGUF to upload needs its blob digest")
        body["files"] = {Path(spec.from_gguf).name: normalize_digest(gguf_digest)}
    elif spec.from_model is not None:
        body["from"] = spec.from_model
    if spec.adapters:
        digests = adapter_digests or {}
        missing = [a for a in spec.adapters if a not in digests]
        if missing:
            raise ValueError(f"no digest for adapter(s): {', '.join(missing)}")
        body["adapters"] = {Path(a).name: normalize_digest(digests[a]) for a in spec.adapters}
    if spec.template is not None:
        body["template"] = spec.template
    if spec.system is not None:
        body["system"] = spec.system
    if spec.parameters:
        body["parameters"] = dict(spec.parameters)
    if spec.messages:
        body["messages"] = [{"role": m.role, "content": m.content} for m in spec.messages]
    if spec.license:
        body["license"] = list(spec.license)
    if spec.quantize:
        body["quantize"] = spec.quantize
    return body
