"""Fuzzing the settings loader: any bytes load, with notices, in bounded time; never raise.

After a load the file on disk is always one that loads cleanly (the bad one is kept as
a backup), so a second load has no notices and the same values.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kodesk.core.settings import SCHEMA, LoadResult, SettingsStore

#: Generous for a shared CI machine: a load is normally a millisecond or two.
SECONDS_PER_LOAD = 2.0

_KEYS = [s.key for s in SCHEMA]
_VALUES = [
    '""',
    '"x"',
    "0",
    "-1",
    "1e309",
    "nan",
    "-inf",
    "9223372036854775807",
    "true",
    "[]",
    "{}",
    "[1, 2]",
    '[{name = "t", template = "{text}"}]',
    '{"m" = {temperature = nan}}',
    "[" * 40 + "]" * 40,
    '"\\ud800"',
    "1979-05-27T07:32:00Z",
]


@st.composite
def toml_like(draw: st.DrawFn) -> bytes:
    """Documents near the real format: known tables and keys, odd values, broken syntax."""
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        key = draw(st.sampled_from(_KEYS))
        table, _, name = key.partition(".")
        value = draw(st.sampled_from(_VALUES) | st.text(max_size=20).map(repr))
        lines.append(draw(st.sampled_from([f"[{table}]\n{name} = {value}", f"{key} = {value}"])))
    lines.append(draw(st.sampled_from(["", "schema_version = 1", "schema_version = 2", "[["])))
    text = "\n".join(draw(st.permutations(lines)))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), "replace")


documents = st.binary(max_size=4096) | toml_like()


def _check_load(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "settings.toml"
        path.write_bytes(data)
        started = time.perf_counter()
        result = SettingsStore(path).load()
        elapsed = time.perf_counter() - started
        assert isinstance(result, LoadResult)
        assert elapsed < SECONDS_PER_LOAD, f"{elapsed:.2f}s for {data[:60]!r}"
        if result.notices:
            assert result.backup is not None and result.backup.read_bytes() == data
        again = SettingsStore(path).load()
        assert again.notices == []
        assert again.settings.as_dict() == result.settings.as_dict()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_bytes_load_in_bounded_time(data: bytes) -> None:
    _check_load(data)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_bytes_load_in_bounded_time_long_run(data: bytes) -> None:
    _check_load(data)
