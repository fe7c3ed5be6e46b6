"""Which Ollama URL to dial: `--host`, then the setting, then OLLAMA_HOST, then the default.

`normalize_host` reads a host the way Ollama itself reads OLLAMA_HOST (a bare host
gets port 11434; an explicit `http://` without a port means port 80, `https://` 443),
then makes it dialable: a listen-everywhere address (0.0.0.0, ::, or none before the
port, as in `:11434`) becomes 127.0.0.1. It is the one parser of endpoints: anything it
cannot read with certainty - another scheme, a port outside 1-65535, brackets that do
not pair up, spaces or control characters, an empty host, a user name - is an
`EndpointError` naming the value (and, through `resolve_host`, where it came from),
never a guess. The URL it returns is plain ASCII (an international host name is
IDNA-encoded as httpx does it), so every HTTP client reads it the same way.

`endpoint_warnings` says what a user must know before text goes to an endpoint that is
not on this machine or its local network.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from typing import Literal
from urllib.parse import urlsplit

import idna

from kodesk.core.errors import KodeskError, Text

DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_PORT = 11434
#: Longer values are refused before any parsing (a real endpoint is far shorter).
MAX_LENGTH = 2048
_WILDCARDS = {"0.0.0.0", "::", ""}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_PORT = re.compile(r"[0-9]{1,5}")
#: A host whose last label is all digits can only be meant as an IPv4 address.
_NUMERIC_END = re.compile(r"(?:^|\.)[0-9]+\.?$")
#: A URL path kodesk passes on as it is: unreserved and sub-delimiter characters, and
#: percent escapes; no query (?) or fragment (#).
_PATH = re.compile(
    r"[A-Za-z0-9._~!$&'()*+,;=:@/-]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._~!$&'()*+,;=:@/-]*)*"
)
#: `name:/...` with no `//`: a scheme such as `file:` or `mailto:`.
_BARE_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):/")
#: Host names that only this machine or its local network resolves.
_LOCAL_SUFFIXES = (".localhost", ".local", ".lan", ".home.arpa", ".internal")

EndpointSource = Literal["--host", "setting", "OLLAMA_HOST"]
#: `bad(ko, en)`: the EndpointError for the value being parsed, with this problem.
_Bad = Callable[[str, str], "EndpointError"]

_SOURCES: dict[str, Text] = {
    "--host": Text(ko="--host 옵션", en="--host"),
    "setting": Text(ko="설정 ollama.endpoint", en="the ollama.endpoint setting"),
    "OLLAMA_HOST": Text(ko="환경 변수 OLLAMA_HOST", en="the OLLAMA_HOST environment variable"),
}

_HINTS: dict[str | None, Text] = {
    "--host": Text(
        ko="--host http://127.0.0.1:11434 처럼 주소를 쓰세요.",
        en="Give --host an address like http://127.0.0.1:11434.",
    ),
    "setting": Text(
        ko="설정 → 연결에서 Ollama 주소를 고치거나 비우세요 (비우면 자동).",
        en="Fix the Ollama address in Settings → Connection, or clear it (empty = automatic).",
    ),
    "OLLAMA_HOST": Text(
        ko="환경 변수 OLLAMA_HOST를 127.0.0.1:11434 같은 주소로 고치거나 지우세요.",
        en="Set the OLLAMA_HOST environment variable to an address like 127.0.0.1:11434, "
        "or unset it.",
    ),
    None: Text(
        ko="http://127.0.0.1:11434 처럼 http:// 또는 https:// 주소를 쓰세요.",
        en="Use an http:// or https:// address like http://127.0.0.1:11434.",
    ),
}


class EndpointError(KodeskError):
    """An endpoint kodesk cannot use: the value, what is wrong, and where it came from."""

    code = "endpoint"

    def __init__(self, value: str, problem: Text, source: EndpointSource | None = None) -> None:
        shown = _quoted(value)
        where = _SOURCES[source] if source else None
        super().__init__(
            Text(
                ko=f"Ollama 주소 {shown}"
                + (f"({where.ko})" if where else "")
                + f"를 쓸 수 없습니다: {problem.ko}",
                en=f"Cannot use the Ollama address {shown}"
                + (f" from {where.en}" if where else "")
                + f": {problem.en}",
            ),
            _HINTS[source],
        )
        self.value = value
        self.problem = problem
        self.source = source

    def from_source(self, source: EndpointSource) -> EndpointError:
        return EndpointError(self.value, self.problem, source)


def _quoted(value: str) -> str:
    """`value` quoted with control characters escaped, shortened for one message line."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def normalize_host(value: str) -> str:
    """A dialable base URL (`scheme://host:port[/path]`) for an OLLAMA_HOST-style value.

    Raises EndpointError (without a source) for anything malformed."""

    def bad(ko: str, en: str) -> EndpointError:
        return EndpointError(value, Text(ko=ko, en=en))

    text = value.strip()
    if len(text) > MAX_LENGTH:
        raise bad(f"{MAX_LENGTH:,}자보다 깁니다", f"longer than {MAX_LENGTH:,} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise bad("공백이나 제어 문자가 들어 있습니다", "it contains spaces or control characters")
    scheme, sep, rest = text.partition("://")
    if not sep:
        bare = _BARE_SCHEME.match(text)
        if bare:
            raise _foreign_scheme(value, bare.group(1))
        scheme, rest = "http", text
    elif scheme.lower() not in _DEFAULT_PORTS:
        raise _foreign_scheme(value, scheme)
    scheme = scheme.lower()
    default_port = _DEFAULT_PORTS[scheme] if sep else DEFAULT_PORT
    hostport, slash, path = rest.partition("/")
    if not hostport:
        raise bad("호스트 이름이 없습니다", "there is no host name")
    if "?" in rest or "#" in rest:
        raise bad("? 나 # 는 쓸 수 없습니다", "a query (?) or fragment (#) cannot be part of it")
    if "@" in hostport:
        raise bad(
            "사용자 이름이나 비밀번호(@)는 주소에 넣을 수 없습니다",
            "a user name or password (@) cannot be part of it",
        )
    if not _PATH.fullmatch(path):
        raise bad(
            "경로에 URL에 쓸 수 없는 문자가 있습니다", "the path has characters a URL cannot carry"
        )
    host, port = _split_host_port(hostport, default_port, bad)
    shown = f"[{host}]" if ":" in host else host
    url = f"{scheme}://{shown}:{port}"
    path = path.strip("/")
    return f"{url}/{path}" if slash and path else url


def _foreign_scheme(value: str, scheme: str) -> EndpointError:
    return EndpointError(
        value,
        Text(
            ko=f"지원하지 않는 스킴 {scheme!r} (http:// 나 https:// 를 쓰세요)",
            en=f"unsupported scheme {scheme!r} (use http:// or https://)",
        ),
    )


def _split_host_port(hostport: str, default_port: int, bad: _Bad) -> tuple[str, int]:
    if hostport.startswith("["):
        inner, bracket, tail = hostport[1:].partition("]")
        if not bracket:
            raise bad("'['를 닫는 ']'가 없습니다", "an '[' has no closing ']'")
        if tail and not tail.startswith(":"):
            raise bad(
                f"']' 뒤에 {_quoted(tail)}가 있습니다", f"unexpected {_quoted(tail)} after ']'"
            )
        host = _ipv6(inner, bad)
        port_text: str | None = tail[1:] if tail else None
    elif "]" in hostport:
        raise bad("']'에 짝이 되는 '['가 없습니다", "a ']' has no opening '['")
    elif hostport.count(":") > 1:  # a bare IPv6 address (a port needs brackets)
        host, port_text = _ipv6(hostport, bad), None
    else:
        name, colon, tail = hostport.partition(":")
        host, port_text = _host_name(name, bad), tail if colon else None
    if host in _WILDCARDS:
        host = "127.0.0.1"
    return host, default_port if port_text is None else _port(port_text, bad)


def _ipv6(text: str, bad: _Bad) -> str:
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        shown = _quoted(text)
        raise bad(
            f"{shown}는 올바른 IPv6 주소가 아닙니다", f"{shown} is not an IPv6 address"
        ) from None
    if address.scope_id:
        raise bad("IPv6 영역(%)은 쓸 수 없습니다", "an IPv6 zone (%) is not supported")
    return str(address)


def _host_name(name: str, bad: _Bad) -> str:
    """An IPv4 address, a host name (IDNA-encoded when not ASCII), or "" (wildcard)."""
    if not name:
        return ""
    try:
        return str(ipaddress.IPv4Address(name))
    except ValueError:
        if _NUMERIC_END.search(name):  # "1.2.3", "0.0.0.0000": not a name, a bad address
            shown = _quoted(name)
            raise bad(
                f"{shown}는 올바른 IPv4 주소가 아닙니다", f"{shown} is not an IPv4 address"
            ) from None
    try:
        # IDNA 2008 (the `idna` package), as httpx encodes and shows host names.
        ascii_name = name.lower() if name.isascii() else idna.encode(name.lower()).decode()
        if ascii_name.startswith("xn--"):
            idna.decode(ascii_name)
    except ValueError:  # idna.IDNAError and UnicodeError
        ascii_name = ""
    if len(ascii_name) > 253 or not _HOSTNAME.fullmatch(ascii_name):
        shown = _quoted(name)
        raise bad(f"{shown}는 올바른 호스트 이름이 아닙니다", f"{shown} is not a valid host name")
    return ascii_name


def _port(text: str, bad: _Bad) -> int:
    if not text:
        raise bad("':' 뒤에 포트 번호가 없습니다", "there is no port number after ':'")
    if not _PORT.fullmatch(text):
        shown = _quoted(text)
        if text.isascii() and text.isdigit():
            raise bad(f"포트 {shown}는 1–65535 밖입니다", f"the port {shown} is outside 1–65535")
        raise bad(f"포트 {shown}는 숫자가 아닙니다", f"the port {shown} is not a number")
    port = int(text)
    if not 0 < port <= 65535:
        raise bad(f"포트 {port}는 1–65535 밖입니다", f"the port {port} is outside 1–65535")
    return port


def resolve_host(
    cli_host: str | None, setting: str, environ: Mapping[str, str] | None = None
) -> str:
    """The first of `--host`, the endpoint setting, OLLAMA_HOST, the default; normalized.

    Raises EndpointError naming the value and where it came from."""
    env = os.environ if environ is None else environ
    candidates: tuple[tuple[EndpointSource, str | None], ...] = (
        ("--host", cli_host),
        ("setting", setting),
        ("OLLAMA_HOST", env.get("OLLAMA_HOST")),
    )
    for source, candidate in candidates:
        if candidate and candidate.strip():
            try:
                return normalize_host(candidate)
            except EndpointError as exc:
                raise exc.from_source(source) from None
    return DEFAULT_HOST


def is_local_host(host: str) -> bool:
    """True for this machine (loopback) and the local network: private, link-local and
    unique-local addresses (a WSL distro's 172.x address among them), `localhost`, and
    names only a local network resolves (no dot, or `.local`, `.lan`, `.home.arpa`,
    `.internal`). Nothing is looked up: a public name is not local even if a local DNS
    server maps it to a private address."""
    name = host.strip("[]").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return name == "localhost" or "." not in name or name.endswith(_LOCAL_SUFFIXES)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_private or address.is_link_local


def endpoint_warnings(url: str) -> list[Text]:
    """Warnings to show before any text is sent to `url` (a `normalize_host` result): that
    copied text leaves the machine when the host is not local (`is_local_host`), and that
    plain HTTP to such a host is unencrypted. Empty for a local endpoint."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if is_local_host(host):
        return []
    warnings = [
        Text(
            ko=f"Ollama 주소 {host}는 이 컴퓨터나 내부 네트워크가 아닙니다: 복사한 글이 이 "
            "컴퓨터 밖으로 전송됩니다.",
            en=f"The Ollama address {host} is not this computer or its local network: "
            "copied text will leave this machine.",
        )
    ]
    if parts.scheme == "http":
        warnings.append(
            Text(
                ko=f"{host}와의 연결은 암호화되지 않은 HTTP입니다: 보내는 글을 도중에 누구나 "
                "읽을 수 있습니다. 가능하면 https:// 주소를 쓰세요.",
                en=f"The connection to {host} is plain HTTP, unencrypted: the text can be "
                "read on its way. Use an https:// address if the server has one.",
            )
        )
    return warnings


async def server_version(host: str, wait_seconds: float = 3.0) -> str:
    """`GET /api/version` — a cheap "is Ollama there?": over a bare connection for plain
    http (the idle tray then never loads httpx), else with httpx. Raises
    EngineUnreachable."""
    from kodesk.engines.version_probe import probe_version

    version = await probe_version(host, wait_seconds)
    if version is not None:
        return version
    import httpx

    from kodesk.core.errors import EngineUnreachable

    try:
        async with httpx.AsyncClient(base_url=host, timeout=wait_seconds) as client:
            response = await client.get("/api/version")
            response.raise_for_status()
            return str(response.json().get("version", ""))
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise EngineUnreachable(host, type(exc).__name__) from exc
