"""Byte-level BPE pre-tokenization exactly as llama.cpp does it (`unicode_regex_split`).

The text is split into words by a list of regular expressions chosen by the GGUF key
`tokenizer.ggml.pre`; each expression further splits the words of the previous one,
and text between two matches becomes a word of its own. The expressions are the ones
llama.cpp runs (its "adapted" forms, `llama-vocab.cpp`), with `\\s` spelled out as the
Unicode White_Space set that llama.cpp's code-point table uses. Every word is then
byte-encoded with GPT-2's byte→character table before BPE merges run on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

# llama.cpp's whitespace table (unicode.cpp), the Unicode White_Space property.
_WS = r"\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_S = f"[{_WS}]"
_NS = f"[^{_WS}]"

_CONTRACTIONS_ANYCASE = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
_GPT2 = (
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^"
    + _WS
    + r"\p{L}\p{N}]+|"
    + _S
    + r"+(?!"
    + _NS
    + r")|"
    + _S
    + "+"
)


def _llama3_like(numbers: str) -> str:
    return (
        _CONTRACTIONS_ANYCASE
        + r"|[^\r\n\p{L}\p{N}]?\p{L}+|"
        + numbers
        + r"| ?[^"
        + _WS
        + r"\p{L}\p{N}]+[\r\n]*|"
        + _S
        + r"*[\r\n]+|"
        + _S
        + r"+(?!"
        + _NS
        + r")|"
        + _S
        + "+"
    )


_LLAMA3 = (_llama3_like(r"\p{N}{1,3}"),)
_QWEN2 = (_llama3_like(r"\p{N}"),)
_DEFAULT = (r"[\p{P}\$\+<=>\^~\|]+", _GPT2, r"\p{N}+", r"[0-9][0-9][0-9]")
_STARCODER = (r"\p{N}", _GPT2)
_FALCON = (r"[\p{P}\$\+<=>\^~\|`]+", _GPT2, r"[0-9][0-9][0-9]")


@dataclass(frozen=True)
class PreTokenizer:
    """The expressions and vocabulary flags llama.cpp derives from `tokenizer.ggml.pre`."""

    name: str
    expressions: tuple[str, ...]
    ignore_merges: bool = False
    add_bos: bool = False


#: `tokenizer.ggml.pre` → pre-tokenizer, for the byte-level BPE families kodesk meets.
PRE_TOKENIZERS: dict[str, PreTokenizer] = {
    **{
        name: PreTokenizer("llama3", _LLAMA3, ignore_merges=True, add_bos=True)
        for name in ("llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral", "midm-2.0", "lfm2")
    },
    **{
        name: PreTokenizer("qwen2", _QWEN2)
        for name in ("qwen2", "deepseek-r1-qwen", "kormo", "megrez", "stablelm2", "hunyuan")
    },
    **{
        name: PreTokenizer("gpt2", (_GPT2,))
        for name in (
            "gpt-2",
            "phi-2",
            "mpt",
            "olmo",
            "jais",
            "exaone4",
            "a.x-4.0",
            "trillion",
            "roberta-bpe",
        )
    },
    **{
        name: PreTokenizer("starcoder", _STARCODER)
        for name in (
            "exaone",
            "starcoder",
            "refact",
            "command-r",
            "smollm",
            "codeshell",
            "minerva-7b",
        )
    },
    "falcon": PreTokenizer("falcon", _FALCON),
    "default": PreTokenizer("default", _DEFAULT),
    "": PreTokenizer("default", _DEFAULT),
}


class UnknownPreTokenizer(ValueError):
    pass


def pre_tokenizer(name: str) -> PreTokenizer:
    try:
        return PRE_TOKENIZERS[name]
    except KeyError:
        raise UnknownPreTokenizer(name) from None


class Splitter:
    """Splits text into byte-encoded words for one pre-tokenizer."""

    def __init__(self, pre: PreTokenizer) -> None:
        self._patterns = [regex.compile(e) for e in pre.expressions]

    def words(self, text: str) -> list[str]:
        """The words of `text` (not yet byte-encoded), as llama.cpp splits them."""
        words = [text] if text else []
        for pattern in self._patterns:
            split: list[str] = []
            for word in words:
                found: list[str] = pattern.findall(word) if not pattern.groups else []
                if sum(map(len, found)) == len(word):  # the matches tile the word
                    split += [w for w in found if w]
                    continue
                start = 0
                for m in pattern.finditer(word):
                    if m.start() > start:
                        split.append(word[start : m.start()])
                    if m.end() > m.start():
                        split.append(m.group())
                    start = m.end()
                if start < len(word):
                    split.append(word[start:])
            words = split
        return words


def _byte_to_char() -> list[str]:
    """GPT-2's reversible byte → printable character table."""
    printable = [*range(0x21, 0x7F), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return [table[b] for b in range(256)]


BYTE_TO_CHAR: tuple[str, ...] = tuple(_byte_to_char())
CHAR_TO_BYTE: dict[str, int] = {c: b for b, c in enumerate(BYTE_TO_CHAR)}
_ENCODE_TABLE = dict(enumerate(BYTE_TO_CHAR))


def byte_encode(word: str) -> str:
    """The UTF-8 bytes of `word`, each as its GPT-2 character."""
    return word.encode("utf-8").decode("latin-1").translate(_ENCODE_TABLE)


def byte_decode(token_text: str) -> bytes:
    """Raw bytes of a byte-level token; characters outside the table stay UTF-8."""
    out = bytearray()
    for ch in token_text:
        b = CHAR_TO_BYTE.get(ch)
        if b is None:
            out += ch.encode("utf-8")
        else:
            out.append(b)
    return bytes(out)
