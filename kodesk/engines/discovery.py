"""Finding the Ollama server: every place it may answer, probed at once with short timeouts.

Candidates, in order of preference: the configured URL, `OLLAMA_HOST` (normalized by
`endpoint.normalize_host`), `127.0.0.1:11434`, and on Windows each running WSL distro's
IP. Each answer is identified (server version from `GET /api/version`; served by
Windows or by a WSL distro), and a Windows Ollama that shadows the WSL one on
127.0.0.1 is detected.
"""

from __future__ import annotations

import asyncio
import configparser
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import httpx

from kodesk.core.errors import Language, Text
from kodesk.engines.endpoint import DEFAULT_PORT, EndpointError, normalize_host
from kodesk.engines.wsl import Wsl, WslDistro, run_command

SOURCE_CONFIGURED = "configured"
SOURCE_ENV = "OLLAMA_HOST"
SOURCE_DEFAULT = "default"
SOURCE_WSL = "wsl"

#: httpx's message when no connection could be opened (refused, or nothing listens).
NO_CONNECTION = "All connection attempts failed"

ProbeStatus = Literal["ok", "unreachable", "timeout", "not_ollama", "error", "invalid"]

#: Says whether a Windows `ollama.exe` runs: True/False, None when it cannot be told.
WindowsOllamaCheck = Callable[[], Awaitable[bool | None]]


@dataclass(frozen=True)
class Candidate:
    """A URL to probe and every reason it is on the list (several sources may agree)."""

    url: str
    sources: tuple[str, ...]
    distro: str | None = None
    raw: str = ""


@dataclass(frozen=True)
class Probe:
    """What one candidate answered. `served_by`: "windows", "wsl:NAME", "local", "" unknown."""

    candidate: Candidate
    status: ProbeStatus
    version: str | None = None
    detail: str = ""
    elapsed_ms: int = 0
    served_by: str = ""
    #: `detail` in both languages when kodesk wrote it (a library's message has only `detail`).
    detail_text: Text | None = None

    def detail_in(self, lang: Language) -> str:
        return self.detail_text.get(lang) if self.detail_text else self.detail

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def url(self) -> str:
        return self.candidate.url


@dataclass(frozen=True)
class DiscoveryResult:
    probes: tuple[Probe, ...]
    windows: bool
    distros: tuple[WslDistro, ...] = ()
    wsl_installed: bool = False
    wsl_error: str = ""
    windows_ollama: bool | None = None
    networking_mode: str = "nat"
    #: True when discovery looked at WSL (on Windows).
    checked_wsl: bool = field(default=False)

    def best(self) -> Probe | None:
        """The first candidate that answered, in order of preference."""
        return next((p for p in self.probes if p.ok), None)

    def probe_for(self, source: str) -> Probe | None:
        return next((p for p in self.probes if source in p.candidate.sources), None)

    @property
    def wsl_with_ollama(self) -> list[WslDistro]:
        return [d for d in self.distros if d.has_ollama and not d.internal]

    @property
    def shadowing(self) -> bool:
        """A Windows Ollama runs (so it owns 127.0.0.1:11434) while WSL has one too."""
        return bool(self.windows_ollama) and bool(self.wsl_with_ollama)

    def start_offers(self) -> list[str]:
        """Distros where "Start Ollama in WSL" makes sense: nothing answers, and the distro
        has `ollama` (or is stopped, so it could not be checked without waking it)."""
        if self.best() is not None:
            return []
        return [
            d.name
            for d in self.distros
            if not d.internal and (d.has_ollama or (not d.running and d.has_ollama is None))
        ]


def read_networking_mode(wslconfig: Path | None) -> str:
    """`networkingMode` from `%USERPROFILE%\\.wslconfig` ("nat" when unset or unreadable)."""
    if wslconfig is None:
        return "nat"
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(wslconfig.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return "nat"
    mode = parser.get("wsl2", "networkingMode", fallback="nat").strip().strip('"').lower()
    return mode or "nat"


def default_wslconfig(environ: Mapping[str, str]) -> Path | None:
    profile = environ.get("USERPROFILE")
    return Path(profile) / ".wslconfig" if profile else None


async def tasklist_has_ollama(tasklist: str = "tasklist.exe", limit: float = 4.0) -> bool | None:
    """Whether `ollama.exe` runs on Windows, from `tasklist` (None when it cannot tell)."""
    argv = [tasklist, "/FO", "CSV", "/NH", "/FI", "IMAGENAME eq ollama.exe"]
    try:
        result = await run_command(argv, limit)
    except OSError:  # not found, or CommandTimeout
        return None
    if not result.ok:
        return None
    text = result.stdout.decode("utf-8", errors="replace").lower()
    return any(line.startswith('"ollama.exe"') for line in text.splitlines())


class Discovery:
    """Probes every candidate. All collaborators are injectable for tests.

    `windows` turns on the WSL and Windows-Ollama checks (default: on Windows).
    `port` is Ollama's port for the built-in candidates (localhost and WSL IPs).
    """

    def __init__(
        self,
        *,
        configured: str = "",
        environ: Mapping[str, str] | None = None,
        windows: bool = sys.platform == "win32",
        wsl: Wsl | None = None,
        windows_ollama: WindowsOllamaCheck = tasklist_has_ollama,
        wslconfig: Path | None = None,
        port: int = DEFAULT_PORT,
        probe_timeout: float = 2.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.configured = configured
        self.environ = os.environ if environ is None else environ
        self.windows = windows
        self.wsl = wsl or Wsl()
        self._windows_ollama = windows_ollama
        self.wslconfig = wslconfig if wslconfig is not None else default_wslconfig(self.environ)
        self.port = port
        self.probe_timeout = probe_timeout
        self._transport = transport

    def static_candidates(self) -> list[Candidate | Probe]:
        """Configured, OLLAMA_HOST and localhost, merged by URL; invalid values as probes."""
        found: list[Candidate | Probe] = []
        entries = (
            (SOURCE_CONFIGURED, self.configured),
            (SOURCE_ENV, self.environ.get("OLLAMA_HOST", "")),
            (SOURCE_DEFAULT, f"http://127.0.0.1:{self.port}"),
        )
        for source, raw in entries:
            if not raw.strip():
                continue
            try:
                url = normalize_host(raw)
            except EndpointError as exc:
                found.append(
                    Probe(
                        Candidate("", (source,), raw=raw),
                        "invalid",
                        detail=exc.text.en,
                        detail_text=exc.text,
                    )
                )
                continue
            found = _merge(found, Candidate(url, (source,), raw=raw))
        return found

    def wsl_candidates(self, distros: list[WslDistro]) -> list[Candidate]:
        return [
            Candidate(f"http://{d.ip}:{self.port}", (SOURCE_WSL,), distro=d.name)
            for d in distros
            if d.running and d.ip and not d.internal
        ]

    async def probe(self, client: httpx.AsyncClient, candidate: Candidate) -> Probe:
        """GET /api/version on one candidate, classified."""
        started = time.perf_counter()

        def done(status: ProbeStatus, detail: str | Text = "", version: str | None = None) -> Probe:
            elapsed = int((time.perf_counter() - started) * 1000)
            if isinstance(detail, Text):
                return Probe(candidate, status, version, detail.en, elapsed, detail_text=detail)
            return Probe(candidate, status, version, detail, elapsed)

        try:
            response = await client.get(f"{candidate.url}/api/version")
        except httpx.TimeoutException:
            seconds = f"{self.probe_timeout:g}"
            within = Text(ko=f"{seconds}초 안에 응답 없음", en=f"no answer within {seconds} s")
            return done("timeout", within)
        except httpx.ConnectError as exc:
            if str(exc) == NO_CONNECTION:
                return done("unreachable", Text(ko="연결되지 않음", en=NO_CONNECTION))
            return done("unreachable", str(exc) or type(exc).__name__)
        except httpx.HTTPError as exc:
            return done("error", str(exc) or type(exc).__name__)
        try:
            version = response.json().get("version") if response.status_code == 200 else None
        except (ValueError, AttributeError):
            version = None
        if not isinstance(version, str):
            code = response.status_code
            no_version = Text(
                ko=f"HTTP {code}, Ollama 버전 정보 없음", en=f"HTTP {code}, no Ollama version"
            )
            return done("not_ollama", no_version)
        return done("ok", version=version)

    async def discover(self) -> DiscoveryResult:
        """Probe everything concurrently; WSL IPs are probed as soon as they are known."""
        static = self.static_candidates()
        timeout = httpx.Timeout(self.probe_timeout)
        async with httpx.AsyncClient(
            timeout=timeout, trust_env=False, transport=self._transport
        ) as client:

            async def probe_static() -> list[Probe]:
                return list(
                    await asyncio.gather(*(self._probe_or_keep(client, item) for item in static))
                )

            async def probe_wsl() -> tuple[list[Probe], list[WslDistro], str]:
                if not self.windows:
                    return [], [], ""
                try:
                    distros = await self.wsl.distros()
                except OSError as exc:  # CommandTimeout is one
                    return [], [], str(exc)
                candidates = self.wsl_candidates(distros)
                probes = await asyncio.gather(*(self.probe(client, c) for c in candidates))
                return list(probes), distros, ""

            async def windows_ollama() -> bool | None:
                return await self._windows_ollama() if self.windows else None

            static_probes, (wsl_probes, distros, wsl_error), win_ollama = await asyncio.gather(
                probe_static(), probe_wsl(), windows_ollama()
            )
        probes = [*static_probes, *wsl_probes]
        return DiscoveryResult(
            probes=tuple(_identify(p, win_ollama, wsl_probes, distros) for p in probes),
            windows=self.windows,
            distros=tuple(distros),
            wsl_installed=self.windows and self.wsl.path() is not None,
            wsl_error=wsl_error,
            windows_ollama=win_ollama,
            networking_mode=read_networking_mode(self.wslconfig) if self.windows else "nat",
            checked_wsl=self.windows,
        )

    async def _probe_or_keep(self, client: httpx.AsyncClient, item: Candidate | Probe) -> Probe:
        return item if isinstance(item, Probe) else await self.probe(client, item)


def _merge(found: list[Candidate | Probe], new: Candidate) -> list[Candidate | Probe]:
    for index, item in enumerate(found):
        if isinstance(item, Candidate) and item.url == new.url:
            merged = Candidate(item.url, (*item.sources, *new.sources), raw=item.raw or new.raw)
            return [*found[:index], merged, *found[index + 1 :]]
    return [*found, new]


def _is_loopback(url: str) -> bool:
    host = httpx.URL(url).host
    return host in ("localhost", "::1") or host.startswith("127.")


def _identify(
    probe: Probe,
    windows_ollama: bool | None,
    wsl_probes: list[Probe],
    distros: list[WslDistro],
) -> Probe:
    """Fill `served_by`: which server (Windows, a WSL distro, this machine) answered.

    On Windows a running `ollama.exe` owns 127.0.0.1:11434 (WSL's forwarding cannot bind
    it). Otherwise localhost is forwarded into WSL: the distro whose own IP answers with
    the same version, or the only distro with `ollama`, is the one answering.
    """
    if not probe.ok:
        return probe
    if probe.candidate.distro:
        served = f"wsl:{probe.candidate.distro}"
    elif not _is_loopback(probe.url):
        served = ""
    elif windows_ollama is None and not distros:
        served = "local"
    elif windows_ollama:
        served = "windows"
    else:
        same = [p.candidate.distro for p in wsl_probes if p.ok and p.version == probe.version]
        with_ollama = [d.name for d in distros if d.has_ollama and not d.internal]
        names = same or with_ollama
        served = f"wsl:{names[0]}" if len(names) == 1 else ""
    return replace(probe, served_by=served)
