"""Talking to WSL from Windows through `wsl.exe`: distros, their IPs, and `ollama` in them.

Every call is an asyncio subprocess with an argument list (never a shell on the
Windows side), a timeout, and a kill when the timeout passes, so a hung `wsl.exe`
cannot freeze the UI. The executable is injectable so tests on Linux can point it
at a fake `wsl.exe`.

`wsl.exe -l` prints UTF-16LE (with a BOM on some versions, CRLF line ends);
programs run inside a distro print UTF-8. `decode_wsl_output` reads both.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar, cast

import httpx

from kodesk.core.errors import Text

T = TypeVar("T")

#: Hides the console window wsl.exe would otherwise flash on Windows (0 elsewhere).
NO_WINDOW: int = getattr(subprocess, "CREATE_NO_WINDOW", 0)

#: Where "Start Ollama in WSL" sends the server's output, inside the distro.
OLLAMA_LOG = "/tmp/kodesk-ollama.log"

#: Distros Docker Desktop installs; they cannot run ollama and are never offered.
_INTERNAL_DISTROS = ("docker-desktop", "docker-desktop-data")


class WslUnavailable(OSError):
    """`wsl.exe` is not installed (or not on PATH)."""


class CommandTimeout(TimeoutError):
    """A Windows helper (`wsl.exe`, `tasklist.exe`) did not finish in time and was killed."""


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def decode_wsl_output(data: bytes) -> str:
    """Text from wsl.exe output: UTF-16LE (with or without BOM) or UTF-8; CRLF → LF."""
    if data.startswith(b"\xff\xfe"):
        text = data[2:].decode("utf-16-le", errors="replace")
    elif len(data) >= 2 and data[1::2].count(0) >= len(data) // 4:
        # Without a BOM, UTF-16LE ASCII text has a NUL in (almost) every odd byte.
        text = data[: len(data) - len(data) % 2].decode("utf-16-le", errors="replace")
    else:
        text = data.decode("utf-8", errors="replace")
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def parse_distro_list(data: bytes) -> list[str]:
    """Distro names from `wsl.exe -l -q` output, in order, without blanks."""
    return [line.strip() for line in decode_wsl_output(data).split("\n") if line.strip()]


def parse_ip_list(text: str) -> list[str]:
    """Usable IPv4 addresses from `hostname -I`, in the order printed (the VM IP first).

    IPv6 addresses are dropped: Windows reaches WSL over IPv4 (`hostname -I` never
    lists loopback addresses).
    """
    found: list[str] = []
    for word in text.split():
        try:
            address = ipaddress.ip_address(word)
        except ValueError:
            continue
        if address.version == 4 and str(address) not in found:
            found.append(str(address))
    return found


async def run_command(argv: Sequence[str], limit: float) -> CommandResult:
    """Run `argv` (no shell) and collect its output; kill it and raise after `limit` s."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        creationflags=NO_WINDOW,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except (TimeoutError, asyncio.CancelledError) as exc:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        # Drain to EOF so the pipe transports close with the loop still running.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.communicate(), 5)
        if isinstance(exc, asyncio.CancelledError):
            raise
        name = Path(argv[0]).name
        raise CommandTimeout(f"{name} {' '.join(argv[1:])} took over {limit:g} s") from None
    assert proc.returncode is not None
    return CommandResult(proc.returncode, out, err)


async def gather_all(*awaitables: Awaitable[T]) -> list[T]:
    """Like `asyncio.gather`, but every awaitable finishes (and cleans up its subprocess)
    before the first exception is raised."""
    results = await asyncio.gather(*awaitables, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return cast("list[T]", results)


@dataclass(frozen=True)
class WslDistro:
    """One distro as discovery saw it. `has_ollama` is None when not checked (stopped)."""

    name: str
    running: bool
    addresses: tuple[str, ...] = ()
    has_ollama: bool | None = None
    error: str = ""

    @property
    def ip(self) -> str | None:
        return self.addresses[0] if self.addresses else None

    @property
    def internal(self) -> bool:
        return self.name.lower() in _INTERNAL_DISTROS


def _broken(distro: str, error: BaseException) -> WslDistro:
    """A running distro whose inspection failed (timeouts are OSErrors; others propagate)."""
    if not isinstance(error, OSError):
        raise error
    return WslDistro(distro, running=True, error=str(error))


class Wsl:
    """Runs `wsl.exe` commands. `executable` is a name looked up with `which`, or a path."""

    def __init__(
        self,
        executable: str = "wsl.exe",
        *,
        timeout: float = 5.0,
        which: Callable[[str], str | None] = shutil.which,
    ) -> None:
        self.executable = executable
        self.timeout = timeout
        self._which = which

    def path(self) -> str | None:
        """The resolved executable, or None when WSL is not installed."""
        return self._which(self.executable)

    async def run(self, args: Sequence[str]) -> CommandResult:
        """Run `wsl.exe ARGS`; kill it and raise `CommandTimeout` after `self.timeout` s."""
        path = self.path()
        if path is None:
            raise WslUnavailable(f"{self.executable} not found")
        return await run_command([path, *args], self.timeout)

    async def list_distros(self, *, running_only: bool = False) -> list[str]:
        """Installed distro names (`-l -q`), or only the running ones (`--running`)."""
        args = ["-l", "-q", "--running"] if running_only else ["-l", "-q"]
        result = await self.run(args)
        if not result.ok:
            # "There are no running distributions" / "no installed distributions" exit non-zero.
            return []
        return parse_distro_list(result.stdout)

    async def in_distro(self, distro: str, command: Sequence[str]) -> CommandResult:
        """Run `command` (an argument list, no shell) inside `distro`."""
        return await self.run(["-d", distro, "-e", *command])

    async def addresses(self, distro: str) -> list[str]:
        """The distro's IPv4 addresses from `hostname -I` (empty when it fails)."""
        result = await self.in_distro(distro, ["hostname", "-I"])
        return parse_ip_list(decode_wsl_output(result.stdout)) if result.ok else []

    async def has_ollama(self, distro: str) -> bool:
        result = await self.in_distro(distro, ["sh", "-c", "command -v ollama"])
        return result.ok and bool(result.stdout.strip())

    async def inspect(self, distro: str, *, running: bool) -> WslDistro:
        """Addresses and `ollama` presence of a running distro; a stopped one is not woken."""
        if not running:
            return WslDistro(distro, running=False)
        addresses, ollama = await asyncio.gather(
            self.addresses(distro), self.has_ollama(distro), return_exceptions=True
        )
        if isinstance(addresses, BaseException):
            return _broken(distro, addresses)
        if isinstance(ollama, BaseException):
            return _broken(distro, ollama)
        return WslDistro(distro, running=True, addresses=tuple(addresses), has_ollama=ollama)

    async def distros(self) -> list[WslDistro]:
        """Every installed distro with its state; running ones inspected concurrently."""
        installed, running = await gather_all(
            self.list_distros(), self.list_distros(running_only=True)
        )
        names = installed + [name for name in running if name not in installed]
        return list(await asyncio.gather(*(self.inspect(n, running=n in running) for n in names)))

    async def read_log(self, distro: str, lines: int = 30, path: str = OLLAMA_LOG) -> str:
        """The last `lines` lines of a log file inside the distro ("" when unreadable)."""
        try:
            result = await self.in_distro(distro, ["tail", "-n", str(lines), path])
        except OSError:  # CommandTimeout is one
            return ""
        return decode_wsl_output(result.stdout) if result.ok else ""

    def serve_args(self, distro: str, listen: str, log_path: str = OLLAMA_LOG) -> list[str]:
        """The full command line that runs `ollama serve` in `distro`, output to `log_path`.

        The wsl.exe process that runs it stays alive as long as the server does, which
        keeps the distro from being shut down for idleness.
        """
        path = self.path()
        if path is None:
            raise WslUnavailable(f"{self.executable} not found")
        # No double quotes: wsl.exe re-parses its Windows command line, and the values
        # (an address, a path) contain no spaces.
        script = "OLLAMA_HOST=$1 exec ollama serve >$2 2>&1"
        return [path, "-d", distro, "-e", "sh", "-c", script, "sh", listen, log_path]


StartStage = Literal["checking", "starting", "waiting", "ready", "failed"]


@dataclass(frozen=True)
class StartStatus:
    """One step of "Start Ollama in WSL". `fraction` is progress 0–1 while waiting."""

    stage: StartStage
    message: Text
    fraction: float | None = None
    url: str | None = None
    log_tail: str = ""


class OllamaStarter:
    """Starts `ollama serve` detached inside a distro and waits until it answers.

    It listens on 0.0.0.0 so Windows reaches it through the VM IP even when localhost
    forwarding is broken (NAT mode). The wsl.exe process hosting it is kept in
    `process`; it outlives kodesk. Output goes to `log_path` inside the distro, whose
    tail is shown when the server fails to come up.
    """

    def __init__(
        self,
        wsl: Wsl,
        *,
        port: int = 11434,
        ready_timeout: float = 30.0,
        poll_interval: float = 0.5,
        log_path: str = OLLAMA_LOG,
    ) -> None:
        self.wsl = wsl
        self.port = port
        self.ready_timeout = ready_timeout
        self.poll_interval = poll_interval
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, distro: str) -> AsyncIterator[StartStatus]:
        yield StartStatus(
            "checking",
            Text(ko=f"{distro}에서 ollama를 찾는 중…", en=f"Looking for ollama in {distro}…"),
        )
        try:
            found = await self.wsl.has_ollama(distro)
        except OSError as exc:
            yield self._failed(
                Text(ko=f"WSL 명령이 실패했습니다: {exc}", en=f"The WSL command failed: {exc}")
            )
            return
        if not found:
            yield self._failed(
                Text(
                    ko=f"{distro}에 ollama가 설치되어 있지 않습니다. WSL 터미널에서 "
                    "`curl -fsSL https://ollama.com/install.sh | sh` 로 설치하세요.",
                    en=f"ollama is not installed in {distro}. Install it in a WSL terminal with "
                    "`curl -fsSL https://ollama.com/install.sh | sh`.",
                )
            )
            return
        yield StartStatus(
            "starting",
            Text(
                ko=f"{distro}에서 `ollama serve`를 시작하는 중…",
                en=f"Starting `ollama serve` in {distro}…",
            ),
        )
        # Popen, not an asyncio subprocess: the server must outlive this event loop, and
        # starting it returns at once.
        self.process = subprocess.Popen(  # noqa: ASYNC220
            self.wsl.serve_args(distro, f"0.0.0.0:{self.port}", self.log_path),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            creationflags=NO_WINDOW | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0),
            start_new_session=True,
        )
        async for status in self._wait_ready(distro, self.process):
            yield status

    async def _wait_ready(
        self, distro: str, process: subprocess.Popen[bytes]
    ) -> AsyncIterator[StartStatus]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with httpx.AsyncClient(timeout=self.poll_interval * 2, trust_env=False) as client:
            while (elapsed := loop.time() - started) < self.ready_timeout:
                if process.poll() is not None:
                    yield self._failed(
                        Text(
                            ko=f"ollama serve가 종료되었습니다 (코드 {process.returncode}).",
                            en=f"ollama serve exited (code {process.returncode}).",
                        ),
                        await self.wsl.read_log(distro, path=self.log_path),
                    )
                    return
                url = await self._answering(client, distro)
                if url:
                    yield StartStatus(
                        "ready",
                        Text(ko=f"Ollama가 {url} 에서 응답합니다.", en=f"Ollama answers at {url}."),
                        1.0,
                        url,
                    )
                    return
                yield StartStatus(
                    "waiting",
                    Text(ko="Ollama가 응답하기를 기다리는 중…", en="Waiting for Ollama to answer…"),
                    min(elapsed / self.ready_timeout, 1.0),
                )
                await asyncio.sleep(self.poll_interval)
        process.terminate()
        await asyncio.to_thread(process.wait, 5)
        yield self._failed(
            Text(
                ko=f"{self.ready_timeout:g}초 안에 Ollama가 응답하지 않아 중지했습니다.",
                en=f"Ollama did not answer within {self.ready_timeout:g} s and was stopped.",
            ),
            await self.wsl.read_log(distro, path=self.log_path),
        )

    async def _answering(self, client: httpx.AsyncClient, distro: str) -> str | None:
        """The first URL (the distro's IP, then localhost) where /api/version answers."""
        try:
            addresses = await self.wsl.addresses(distro)
        except OSError:
            addresses = []
        for host in [*addresses[:1], "127.0.0.1"]:
            url = f"http://{host}:{self.port}"
            try:
                response = await client.get(f"{url}/api/version")
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                return url
        return None

    @staticmethod
    def _failed(message: Text, log_tail: str = "") -> StartStatus:
        return StartStatus("failed", message, log_tail=log_tail)
