"""Setting up a job: which model it uses, and the request with the model's overrides."""

from __future__ import annotations

from kodesk.core.engine import Engine
from kodesk.core.errors import KodeskError, Text
from kodesk.core.job_events import JobRequest
from kodesk.core.model_overrides import keep_alive_value, model_overrides
from kodesk.core.settings import Settings, default_model_key
from kodesk.core.tasks import Task

NO_MODEL = Text(ko="설치된 모델이 없습니다.", en="No model is installed.")
NO_MODEL_HINT = Text(
    ko="설정 → 모델에서 exaone3.5 같은 한국어 모델을 받으세요 (또는 `ollama pull exaone3.5:2.4b`).",
    en="Pull a Korean model such as exaone3.5 in Settings → Models "
    "(or `ollama pull exaone3.5:2.4b`).",
)


async def choose_model(engine: Engine, *preferred: str | None) -> str:
    """The first non-empty of `preferred` (e.g. --model, the task's, the default setting);
    without one, the engine's first model; KodeskError when it has none."""
    for name in preferred:
        if name:
            return name
    models = await engine.list_models()
    if not models:
        raise KodeskError(NO_MODEL, NO_MODEL_HINT)
    return models[0].name


async def job_request(
    engine: Engine, settings: Settings, task: Task, text: str, model: str | None = None
) -> JobRequest:
    """The request for `task` on `text`: the model (`model`, the task's — Ollama names
    only —, the engine's default-model setting, its first model) and that model's
    overrides from the settings."""
    default = settings.get(default_model_key(engine.kind))
    chosen = await choose_model(
        engine, model, task.model if engine.kind == "ollama" else None, default
    )
    overrides = model_overrides(settings.get("models.overrides"), chosen)
    return JobRequest(
        task=overrides.apply_to(task),
        text=text,
        model=chosen,
        overrides=overrides.options,
        keep_alive=overrides.keep_alive or keep_alive_value(settings.get("ollama.keep_alive")),
    )
