"""A Modelfile as the JSON `/api/create` request (Ollama ≥ 0.5.5 takes no Modelfile text).

`to_model_spec` reads the Modelfile the way `ollama create` does on the client side:
a FROM naming an existing local file becomes a GGUF to upload, anything else names a
model; parameters are typed (see `modelfile_params`). `create_request` then builds the
JSON body once the GGUF (and adapter) blobs are uploaded and their digests known.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kodesk.core.errors import Text
from kodesk.core.modelfile import Command, Modelfile, ModelfileError
from kodesk.core.modelfile_params import ParameterValueError, parameters_for_create
from kodesk.core.regular_file import irregular_kind
from kodesk.core.types import ChatMessage, ModelSpec, Role

_DIGEST = re.compile(r"(?:sha256:)?([0-9a-f]{64})\Z")
#: What `stat` says about a name that is no file (a FROM then names a model).
_NO_FILE = frozenset({errno.ENOENT, errno.ENOTDIR})


def local_file(command: Command, base_dir: Path) -> Path | None:
    """The local file a FROM or ADAPTER command names, or None when no file has that
    name (a FROM then names a model). `~` and `~user` expand as `ollama create`
    expands them; a relative path is relative to `base_dir`. Only `stat` is used, so
    a FIFO or device never blocks. Raises `ModelfileError` for an unknown user, a
    name the system refuses (too long, no permission) and anything that exists but
    is not a regular file (a directory, FIFO or device)."""
    value = command.value
    head = command.kind.upper()

    def fail(ko: str, en: str) -> ModelfileError:
        return ModelfileError(
            Text(ko=f"{head} {value[:200]}: {ko}", en=f"{head} {value[:200]}: {en}"),
            command.line,
            command.column,
        )

    if not value:
        return None
    try:
        path = base_dir / Path(value).expanduser()
    except RuntimeError:  # `~user` for a user without a home folder
        user = value[1:].split("/", 1)[0]
        raise fail(
            f"사용자 {user!r}의 홈 폴더를 찾을 수 없습니다",
            f"there is no home folder for user {user!r}",
        ) from None
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno in _NO_FILE:
            return None
        detail = exc.strerror or str(exc)
        raise fail(
            f"경로로 쓸 수 없습니다 ({detail})", f"not usable as a path ({detail})"
        ) from None
    except ValueError:
        raise fail("경로에 NUL 문자가 있습니다", "the path holds a NUL character") from None
    kind = irregular_kind(mode)
    if kind is not None:
        raise fail(
            f"{kind.ko}입니다. kodesk는 GGUF 파일 하나로만 모델을 만듭니다",
            f"this is {kind.en}; kodesk creates models from one GGUF file "
            "(for a safetensors folder, run `ollama create` in a terminal)",
        )
    return path


def from_file(modelfile: Modelfile, base_dir: Path) -> Path | None:
    """The local GGUF file the last FROM names (None: it names a model, or no FROM).
    Raises `ModelfileError` as `local_file` does."""
    froms = [c for c in modelfile.commands if c.kind == "from"]
    return local_file(froms[-1], base_dir) if froms else None


def to_model_spec(modelfile: Modelfile, name: str, base_dir: str | Path = ".") -> ModelSpec:
    """The model to create. Raises `ModelfileError` for parameters Ollama rejects, a
    missing ADAPTER file, or a FROM or ADAPTER path that cannot be used (see
    `local_file`)."""
    base = Path(base_dir)
    from_gguf = from_model = None
    adapters = []
    for command in modelfile.commands:
        if command.kind not in ("from", "adapter"):
            continue
        local = local_file(command, base)
        if command.kind == "from":
            from_gguf, from_model = (str(local), None) if local else (None, command.value)
        elif local is None:
            raise ModelfileError(
                Text(
                    ko=f"ADAPTER 파일이 없습니다: {command.value}",
                    en=f"ADAPTER file not found: {command.value}",
                ),
                command.line,
                command.column,
            )
        else:
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
