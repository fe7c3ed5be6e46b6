"""Building a tokenizer from a GGUF file or from Ollama's `model_info`, with a disk cache.

Reading Gemma 3's 262k-token vocabulary out of a GGUF takes most of a second and
Ollama sends it as megabytes of JSON, so the vocabulary is stored once per model
(keyed by Ollama's digest, or by a GGUF file's path, size and modification time) in
`cache_dir` as a `marshal` file; the next load reads only that.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kodesk.core.gguf_info import read_metadata
from kodesk.core.tokenizer.base import VocabTokenizer
from kodesk.core.tokenizer.bpe import BpeTokenizer
from kodesk.core.tokenizer.spm import SpmTokenizer
from kodesk.core.tokenizer.vocab import TOKENIZER_KEYS, Vocab

#: Bumped whenever the cached record's shape changes.
CACHE_FORMAT = 1


def tokenizer_from_vocab(vocab: Vocab, name: str) -> VocabTokenizer:
    if vocab.model == "gpt2":
        return BpeTokenizer(vocab, name)
    return SpmTokenizer(vocab, name)


def tokenizer_from_gguf(path: str | Path, cache_dir: str | Path | None = None) -> VocabTokenizer:
    """The exact tokenizer of a GGUF model file. Raises `TokenizerUnavailable` or
    `GGUFError` when the file has no usable vocabulary."""
    file = Path(path).resolve()
    stat = file.stat()
    key = _key(f"gguf:{file}:{stat.st_size}:{stat.st_mtime_ns}")
    name = file.name
    vocab = _load(cache_dir, key)
    if vocab is None:
        vocab = Vocab.from_metadata(read_metadata(file, TOKENIZER_KEYS))
        _store(cache_dir, key, vocab)
    return tokenizer_from_vocab(vocab, name)


def tokenizer_from_model_info(
    model_info: Mapping[str, Any],
    digest: str,
    cache_dir: str | Path | None = None,
    *,
    name: str | None = None,
) -> VocabTokenizer:
    """The exact tokenizer of an Ollama model, from `/api/show` (verbose) `model_info`.

    With a cached vocabulary for `digest`, `model_info` may be the short (non-verbose)
    one. Raises `TokenizerUnavailable` when the vocabulary is missing or unsupported.
    """
    key = _key(f"ollama:{digest}")
    shown = name or str(model_info.get("general.name") or digest[:19] or "model")
    vocab = _load(cache_dir, key) if digest else None
    if vocab is None:
        vocab = Vocab.from_metadata(model_info)
        if digest:
            _store(cache_dir, key, vocab)
    return tokenizer_from_vocab(vocab, shown)


def cached_vocab_exists(cache_dir: str | Path | None, digest: str) -> bool:
    """Whether `tokenizer_from_model_info` can load `digest` without the vocabulary."""
    return bool(cache_dir and digest) and _path(cache_dir, _key(f"ollama:{digest}")).exists()


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _path(cache_dir: str | Path | None, key: str) -> Path:
    return Path(cache_dir or ".") / f"vocab-{key}.marshal"


def _load(cache_dir: str | Path | None, key: str) -> Vocab | None:
    if cache_dir is None:
        return None
    try:
        with _path(cache_dir, key).open("rb") as f:
            record = marshal.load(f)
        if not isinstance(record, dict) or record.get("format") != CACHE_FORMAT:
            return None
        return Vocab.from_record(record["vocab"])
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None  # missing or damaged: rebuilt from the source


def _store(cache_dir: str | Path | None, key: str, vocab: Vocab) -> None:
    if cache_dir is None:
        return
    folder = Path(cache_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".vocab-", dir=folder)
    except OSError:
        return  # a cache that cannot be written only costs time
    try:
        with os.fdopen(fd, "wb") as f:
            marshal.dump({"format": CACHE_FORMAT, "vocab": vocab.to_record()}, f)
        Path(tmp).replace(_path(folder, key))
    except OSError:
        Path(tmp).unlink(missing_ok=True)
