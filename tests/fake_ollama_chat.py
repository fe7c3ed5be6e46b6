"""The fake server's /api/chat: load the runner, cut or refuse the prompt, pace the stream.

A mixin of the request handler in `tests.fake_ollama` (it uses the handler's `_pause`,
`_line`, `_json`, … and the server state in `fake_ollama`); see `tests.fake_ollama_data`
for the behaviour it copies from a real Ollama.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fake_ollama_data import KEEP, TOO_LONG, ChatScript, Recorded

if TYPE_CHECKING:
    from tests.fake_ollama import FakeOllama


def _prompt_text(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []))


class ChatRoute:
    """`_chat(body, rec)` for the handler."""

    fake_ollama: FakeOllama

    def _chat(self, body: dict[str, Any], rec: Recorded) -> None:
        name = body.get("model", "")
        if name not in self.fake_ollama.models:
            self._error(404, f'model "{name}" not found, try pulling it first')
            return
        script = self.fake_ollama.next_chat(body)
        if script.status != 200:
            error = script.error_json
            self._json(script.status, error if error is not None else {"error": script.error})
            return
        model = self.fake_ollama.models[name]
        options = body.get("options") or {}
        num_ctx = int(
            options.get("num_ctx") or model.default_num_ctx(self.fake_ollama.default_num_ctx)
        )
        num_ctx = min(num_ctx, model.context_length)
        prompt_tokens = self.fake_ollama.count_tokens(_prompt_text(body))
        fits = prompt_tokens <= num_ctx
        refused = not fits and body.get("truncate") is False
        rec.prompt_tokens, rec.num_ctx = prompt_tokens, num_ctx
        rec.truncated = not fits and not refused
        self.fake_ollama._update(rec, reloaded=self.fake_ollama.load_runner(name, num_ctx))
        self._streaming(rec, lambda: self._answer(rec, script, refused))

    def _answer(self, rec: Recorded, script: ChatScript, refused: bool) -> None:
        """Load, read the prompt (both before the headers, as Ollama), then stream."""
        speed = self.fake_ollama.speed
        load = speed.load_seconds if rec.reloaded else 0.0
        if load and not self._pause(load * speed.time_scale):
            return
        num_ctx, prompt_tokens = rec.num_ctx or 0, rec.prompt_tokens or 0
        if refused:
            self.fake_ollama._update(rec, refused=True)
            self._error(400, TOO_LONG)
            return
        if rec.truncated:
            self.fake_ollama.log.append(
                f"truncating input prompt limit={num_ctx} prompt={prompt_tokens} "
                f"keep={KEEP} new={num_ctx}"
            )
        prompt_eval = min(prompt_tokens, num_ctx)
        reading = speed.prompt_seconds(prompt_eval)
        if reading and not self._pause(reading * speed.time_scale):
            return
        self._start_stream()
        name = str(rec.body.get("model"))
        limit = (rec.body.get("options") or {}).get("num_predict")
        if script.ignore_num_predict or not isinstance(limit, int) or limit <= 0:
            limit = None
        stats = self._stream_chat(name, script, limit)
        if stats is None:
            return
        token = speed.token_seconds()
        load_ns = int(load * 1e9) if load else script.load_duration
        prompt_ns = int(reading * 1e9) if reading else 300_000_000
        eval_ns = int(stats[0] * token * 1e9) if token else 500_000_000
        total_ns = load_ns + prompt_ns + eval_ns if speed.prompt_rate else 2_000_000_000
        self._line(
            {
                "model": name,
                "created_at": "2026-11-29T09:00:00Z",
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": stats[1],
                "total_duration": total_ns,
                "load_duration": load_ns,
                "prompt_eval_count": prompt_eval,
                "prompt_eval_duration": prompt_ns,
                "eval_count": stats[0],
                "eval_duration": eval_ns,
            }
        )
        self._end_stream()

    def _stream_chat(
        self, name: str, script: ChatScript, limit: int | None
    ) -> tuple[int, str] | None:
        """The answer's lines before the done line, at most `limit` (num_predict):
        (eval_count, done_reason), or None when the stream ended otherwise (an error
        line, a drop, a stall)."""
        if script.first_delay and not self._pause(script.first_delay):
            return None
        base = {"model": name, "created_at": "2026-11-29T09:00:00Z"}
        if script.thinking:
            message = {"role": "assistant", "content": "", "thinking": script.thinking}
            self._line({**base, "message": message, "done": False})
        token = self.fake_ollama.speed.token_seconds()
        pause = script.delay + (token * self.fake_ollama.speed.time_scale if token else 0.0)
        pieces = script.stream_pieces()
        reason = script.done_reason
        if limit is not None and len(pieces) > limit:
            pieces, reason = pieces[:limit], "length"
        for i, piece in enumerate(pieces):
            if i == script.error_after:
                self._line({"error": script.error_line})
                self._end_stream()
                return None
            if i == script.disconnect_after:
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            if i == script.stall_after:
                self._pause(script.stall_seconds)
                self._end_stream()
                return None
            if i == script.malformed_after:
                self._chunk(b"{not json\n")
            if i == script.oversized_after:
                self._oversized_line(script.oversized_bytes)
            if i and pause and not self._pause(pause):
                return None
            self._line({**base, "message": {"role": "assistant", "content": piece}, "done": False})
        return len(pieces), reason

    def _oversized_line(self, size: int | None) -> None:
        """One line of `size` bytes (None: one that never ends, until the client leaves)."""
        block = b"x" * 65536
        sent = 0
        while (size is None or sent < size) and not self.fake_ollama.stop_event.is_set():
            self._chunk(block)
            sent += len(block)
        self._chunk(b"\n")
