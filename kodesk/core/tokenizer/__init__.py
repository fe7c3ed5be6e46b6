"""Exact token counts for the model in use, from its own vocabulary.

Ollama silently drops the middle of a prompt longer than `num_ctx`, so kodesk counts
every prompt's tokens before sending it. `tokenizer_from_gguf` and
`tokenizer_from_model_info` give the model's exact tokenizer (the same ids as
llama.cpp); `EstimateTokenizer` is the fallback without a vocabulary.
"""

from kodesk.core.tokenizer.base import Tokenizer
from kodesk.core.tokenizer.estimate import EstimateTokenizer
from kodesk.core.tokenizer.from_engine import tokenizer_for_model, tokenizer_or_estimate
from kodesk.core.tokenizer.loading import (
    cached_vocab_exists,
    tokenizer_from_gguf,
    tokenizer_from_model_info,
)
from kodesk.core.tokenizer.vocab import TOKENIZER_KEYS, TokenizerUnavailable, Vocab

__all__ = [
    "TOKENIZER_KEYS",
    "EstimateTokenizer",
    "Tokenizer",
    "TokenizerUnavailable",
    "Vocab",
    "cached_vocab_exists",
    "tokenizer_for_model",
    "tokenizer_from_gguf",
    "tokenizer_from_model_info",
    "tokenizer_or_estimate",
]
