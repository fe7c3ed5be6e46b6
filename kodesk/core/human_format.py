"""Numbers and dates as people read them in the settings dialog."""

from __future__ import annotations

from datetime import datetime

_UNITS = ("B", "KB", "MB", "GB", "TB")


def human_size(size: int) -> str:
    """Bytes in decimal units, as Ollama prints them: 4_920_000_000 → "4.9 GB"."""
    value = float(size)
    for unit in _UNITS:
        if value < 1000 or unit == _UNITS[-1]:
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def megabytes_of(done: int, total: int) -> str:
    """Transfer progress: "120.0 / 4,920.0 MB"."""
    return f"{done / 1e6:,.1f} / {total / 1e6:,.1f} MB"


def speed(bytes_per_second: float) -> str:
    return f"{bytes_per_second / 1e6:,.1f} MB/s"


def local_time(iso: str) -> str:
    """An ISO timestamp from the server as "2026-11-01 10:00"; the text itself if unreadable."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M")
