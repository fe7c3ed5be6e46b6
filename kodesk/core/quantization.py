"""Quantization levels (Q4_K_M, Q8_0, …): names and a plain explanation in Korean and English.

A GGUF file's `general.file_type` is a `llama_ftype` number (15 = Q4_K_M). The
bits-per-weight figures are the usual approximate averages for a Llama-style model
(llama.cpp's quantize tables). A real file's average (`GGUFInfo.bits_per_weight`)
is often higher: small models keep their large embedding table at higher precision.
"""

from __future__ import annotations

from dataclasses import dataclass

from gguf.constants import GGMLQuantizationType, LlamaFileType

from kodesk.core.errors import Text

#: Approximate average bits per weight of each file type.
APPROX_BITS_PER_WEIGHT: dict[str, float] = {
    "F32": 32.0,
    "F16": 16.0,
    "BF16": 16.0,
    "Q8_0": 8.5,
    "Q6_K": 6.56,
    "Q5_1": 6.0,
    "Q5_K_M": 5.69,
    "Q5_K_S": 5.54,
    "Q5_0": 5.5,
    "Q4_1": 5.0,
    "Q4_K_M": 4.89,
    "Q4_K_S": 4.58,
    "Q4_0": 4.5,
    "IQ4_NL": 4.5,
    "IQ4_XS": 4.25,
    "MXFP4_MOE": 4.25,
    "NVFP4": 4.5,
    "Q3_K_L": 4.27,
    "Q3_K_M": 3.91,
    "IQ3_M": 3.66,
    "Q3_K_S": 3.5,
    "IQ3_S": 3.44,
    "IQ3_XS": 3.3,
    "IQ3_XXS": 3.06,
    "Q2_K": 2.96,
    "Q2_K_S": 2.7,
    "IQ2_M": 2.7,
    "IQ2_S": 2.5,
    "IQ2_XS": 2.31,
    "IQ2_XXS": 2.06,
    "TQ2_0": 2.06,
    "IQ1_M": 1.75,
    "TQ1_0": 1.69,
    "IQ1_S": 1.56,
    "Q1_0": 1.5,
}


@dataclass(frozen=True)
class _Tier:
    min_bits: float
    quality: Text


_TIERS = (
    _Tier(
        15.0,
        Text(
            ko="원본과 같은 품질이지만 파일이 가장 큽니다 (양자화하지 않음)",
            en="original quality, but the largest file (not quantized)",
        ),
    ),
    _Tier(
        7.5,
        Text(
            ko="원본과 거의 구별되지 않는 품질",
            en="practically indistinguishable from the original",
        ),
    ),
    _Tier(5.5, Text(ko="원본에 매우 가까운 품질", en="very close to the original")),
    _Tier(
        4.4,
        Text(
            ko="크기와 품질의 균형이 좋아 가장 많이 쓰는 선택 (권장)",
            en="a good balance of size and quality; the usual choice (recommended)",
        ),
    ),
    _Tier(
        3.4,
        Text(
            ko="품질 저하가 눈에 띕니다. 메모리가 부족할 때만 권장",
            en="noticeable quality loss; use only when memory is short",
        ),
    ),
    _Tier(
        0.0,
        Text(
            ko="품질 저하가 큽니다. 한국어 답변이 특히 어색해질 수 있습니다",
            en="large quality loss; Korean answers in particular may degrade",
        ),
    ),
)


@dataclass(frozen=True)
class QuantizationInfo:
    name: str
    bits_per_weight: float | None
    explanation: Text


def file_type_name(file_type: int) -> str:
    """`general.file_type` as a name (15 → "Q4_K_M"); unknown numbers → "unknown (N)"."""
    try:
        name = LlamaFileType(file_type).name
    except ValueError:
        return f"unknown ({file_type})"
    return name.removeprefix("MOSTLY_").removeprefix("ALL_")


def tensor_type_name(ggml_type: int) -> str:
    """A tensor's ggml type as a name (12 → "Q4_K")."""
    try:
        return GGMLQuantizationType(ggml_type).name
    except ValueError:
        return f"unknown ({ggml_type})"


def describe_quantization(name: str, *, file_size: int | None = None) -> QuantizationInfo:
    """A short explanation of a quantization level (its nominal bits per weight and
    what that means for quality), with the file's size when given."""
    bits = APPROX_BITS_PER_WEIGHT.get(name)
    if bits is None:
        return QuantizationInfo(
            name,
            None,
            Text(
                ko=f"{name}: 알 수 없는 양자화 형식입니다.",
                en=f"{name}: an unknown quantization format.",
            ),
        )
    tier = next(t for t in _TIERS if bits >= t.min_bits)
    size_ko = size_en = ""
    if file_size:
        size_ko = f", 이 파일은 {file_size / 1e9:.2f} GB"
        size_en = f"; this file is {file_size / 1e9:.2f} GB"
    return QuantizationInfo(
        name,
        bits,
        Text(
            ko=f"{name}: 가중치 하나에 평균 약 {bits:.1f}비트 (16비트 원본의 약 "
            f"{bits / 16:.0%} 크기{size_ko}). {tier.quality.ko}.",
            en=f"{name}: about {bits:.1f} bits per weight on average (about {bits / 16:.0%} of "
            f"the 16-bit original{size_en}); {tier.quality.en}.",
        ),
    )
