"""The shipped model catalog and the fit / speed rules."""

from __future__ import annotations

import pytest

from kodesk.core.model_catalog import (
    Machine,
    assess,
    embedded_recommendation,
    load_catalog,
    parse_catalog,
    total_ram,
)

GB = 1_000_000_000


def test_shipped_catalog_is_complete_and_dated() -> None:
    catalog = load_catalog()
    assert catalog.checked == "2026-12-02"
    kinds = [e.kind for e in catalog.entries]
    assert kinds.count("ollama") >= 8 and kinds.count("gguf") >= 2
    for entry in catalog.entries:
        assert entry.size > 0 and entry.context >= 2048
        assert entry.good_at.ko and entry.good_at.en
        # a confirmed entry names its sources; an unconfirmed one says what is unconfirmed
        assert entry.sources if entry.confirmed else entry.unconfirmed
        if entry.kind == "gguf":
            assert entry.repo and entry.file and entry.file.endswith(".gguf")
            assert entry.chat_format
    exaone = [e for e in catalog.entries if "EXAONE" in e.licence]
    assert exaone and not any(e.commercial for e in exaone)


def test_fit_rule() -> None:
    small = Machine(ram=8 * GB, cores=2)
    assert assess(int(1.6 * GB), small).fit == "ram"
    assert assess(int(1.6 * GB), small).needed == int(1.6 * GB * 1.2) + 500_000_000
    assert assess(int(4.5 * GB), small).fit == "ram"  # 5.9 GB ≤ 80% of 8 GB
    assert assess(int(5 * GB), small).fit == "no"  # 6.5 GB > 6.4 GB
    gpu = Machine(ram=8 * GB, cores=2, vram=12 * GB)
    assert assess(int(8 * GB), gpu).fit == "gpu"
    assert assess(int(8 * GB), gpu).speed == "fast"
    assert assess(GB, Machine(ram=None, cores=4)).fit == "ram"  # unknown RAM: not refused


def test_the_embedded_recommendation_is_the_first_gguf_that_fits() -> None:
    catalog = load_catalog()
    ggufs = [e for e in catalog.entries if e.kind == "gguf"]
    roomy = embedded_recommendation(catalog, Machine(ram=16 * GB, cores=2))
    assert roomy == ggufs[0]  # the catalog lists the best first
    tight = embedded_recommendation(catalog, Machine(ram=int(2.5 * GB), cores=2))
    assert tight is not None and tight != ggufs[0]
    assert assess(tight.size, Machine(ram=int(2.5 * GB), cores=2)).fit == "ram"
    tiny = embedded_recommendation(catalog, Machine(ram=GB // 2, cores=1))
    assert tiny == min(ggufs, key=lambda e: e.size)  # nothing fits: the smallest
    only_ollama = parse_catalog('checked = "2026-12-02"\n')
    assert embedded_recommendation(only_ollama, Machine(ram=16 * GB, cores=2)) is None


@pytest.mark.parametrize(
    ("size", "cores", "speed"),
    [
        (int(0.3 * GB), 2, "fast"),  # 16.7 tokens/s
        (GB, 2, "usable"),  # 5 tokens/s
        (int(1.6 * GB), 2, "slow"),  # 3.1 tokens/s
        (int(4.8 * GB), 2, "very-slow"),  # 1.0 tokens/s
        (int(4.8 * GB), 16, "slow"),  # bandwidth capped at 8 cores: 4.2 tokens/s
    ],
)
def test_speed_rule(size: int, cores: int, speed: str) -> None:
    assert assess(size, Machine(ram=64 * GB, cores=cores)).speed == speed


def test_ram_is_read() -> None:
    ram = total_ram()
    assert ram is not None and ram > 256 * 1024 * 1024


def test_malformed_catalog_raises() -> None:
    with pytest.raises(KeyError):
        parse_catalog('[[ollama]]\nname = "x"\n')
