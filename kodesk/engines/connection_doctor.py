"""The connection doctor: what discovery found, what is wrong, and the concrete fix.

`diagnose(discovery)` runs endpoint discovery and turns the probes into a
`ConnectionReport`: one row per candidate (status, what answered, the fix) and
findings about the whole picture (localhost forwarding broken, mirrored
networking, firewall, a Windows Ollama shadowing the WSL one, a server too old
for a feature). Every sentence is bilingual (`Text`). Pure data: the CLI prints
it (`render_text`, `to_json`) and the Qt dialog shows it.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from kodesk.core.errors import Language, Text
from kodesk.engines.discovery import (
    SOURCE_CONFIGURED,
    SOURCE_DEFAULT,
    SOURCE_ENV,
    SOURCE_WSL,
    DiscoveryResult,
    Probe,
    ProbeStatus,
)

Severity = Literal["info", "warning", "error"]

#: A Hyper-V firewall rule (Windows 11 22H2+) letting TCP 11434 into WSL, whose VM
#: creator id is {40E0AC32-46A5-438A-A0B2-2B479E8F2E90}; run in an admin PowerShell.
WSL_HYPERV_FIREWALL = (
    "New-NetFirewallHyperVRule -Name kodesk-ollama -DisplayName 'Ollama (kodesk)' "
    "-Direction Inbound -VMCreatorId '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}' "
    "-Protocol TCP -LocalPorts 11434"
)


class Discoverer(Protocol):
    """What `diagnose` needs: `kodesk.engines.discovery.Discovery`, or a fake in tests."""

    async def discover(self) -> DiscoveryResult: ...


@dataclass(frozen=True)
class Feature:
    """Something kodesk does that needs a minimum Ollama version."""

    name: str
    minimum: tuple[int, int, int]
    what: Text


FEATURES: tuple[Feature, ...] = (
    Feature(
        "create_json",
        (0, 5, 5),
        Text(
            ko="GGUF에서 모델 만들기(JSON /api/create)",
            en="creating models from a GGUF (JSON /api/create)",
        ),
    ),
    Feature(
        "thinking",
        (0, 9, 0),
        Text(ko="생각(thinking) 모드 분리", en="separated thinking (`think`)"),
    ),
)


#: A probe's status in words (the dialog's status column).
STATUS_LABELS: dict[ProbeStatus, Text] = {
    "ok": Text(ko="응답함", en="answers"),
    "unreachable": Text(ko="연결 안 됨", en="unreachable"),
    "timeout": Text(ko="응답 없음", en="no answer"),
    "not_ollama": Text(ko="Ollama 아님", en="not Ollama"),
    "error": Text(ko="오류", en="error"),
    "invalid": Text(ko="잘못된 주소", en="invalid address"),
}

#: Where the engine is chosen in the settings dialog.
ENGINE_SETTING = Text(ko="설정 → 일반 → 엔진", en="Settings → General → Engine")


@dataclass(frozen=True)
class InstallSteps:
    """How to install Ollama on one platform: a terminal `command` (Linux) or none, the
    download page `url`, and the steps in words."""

    command: str | None
    url: str
    text: Text


def ollama_installed() -> bool:
    """True when an `ollama` program is on PATH (installed, perhaps not running)."""
    return shutil.which("ollama") is not None


def install_ollama(platform: str | None = None) -> InstallSteps:
    """Installing Ollama on `platform` (a `sys.platform` value; default: this machine)."""
    platform = platform or sys.platform
    if platform == "win32":
        url = "https://ollama.com/download/windows"
        return InstallSteps(
            None,
            url,
            Text(
                ko=f"{url} 에서 Windows용 설치 파일(OllamaSetup.exe)을 받아 실행하세요.",
                en=f"Download the Windows installer (OllamaSetup.exe) from {url} and run it.",
            ),
        )
    if platform == "darwin":
        url = "https://ollama.com/download/mac"
        return InstallSteps(
            None,
            url,
            Text(
                ko=f"{url} 에서 macOS용 Ollama 앱을 받아 응용 프로그램 폴더로 옮긴 뒤 실행하세요.",
                en=f"Download the Ollama app for macOS from {url}, move it to Applications "
                "and open it.",
            ),
        )
    command = "curl -fsSL https://ollama.com/install.sh | sh"
    return InstallSteps(
        command,
        "https://ollama.com/download/linux",
        Text(
            ko=f"터미널에서 `{command}` 를 실행하세요 (Ollama를 설치하고 서비스로 시작합니다).",
            en=f"Run `{command}` in a terminal (it installs Ollama and starts it as a service).",
        ),
    )


def status_label(probe: Probe, lang: Language) -> str:
    return STATUS_LABELS[probe.status].get(lang)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: Text
    fix: Text | None = None


@dataclass(frozen=True)
class CandidateReport:
    probe: Probe
    summary: Text
    fix: Text | None = None


@dataclass(frozen=True)
class ConnectionReport:
    candidates: tuple[CandidateReport, ...]
    findings: tuple[Finding, ...]
    discovery: DiscoveryResult

    @property
    def best_url(self) -> str | None:
        best = self.discovery.best()
        return best.url if best else None

    @property
    def start_offers(self) -> list[str]:
        return self.discovery.start_offers()

    @property
    def ok(self) -> bool:
        return self.best_url is not None and all(f.severity != "error" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        result = self.discovery
        return {
            "ok": self.ok,
            "best": self.best_url,
            "candidates": [_candidate_json(c) for c in self.candidates],
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "message": _text_json(f.message),
                    "fix": _text_json(f.fix),
                }
                for f in self.findings
            ],
            "start_in_wsl": self.start_offers,
            "windows": result.windows,
            "windows_ollama_running": result.windows_ollama,
            "wsl": {
                "checked": result.checked_wsl,
                "error": result.wsl_error or None,
                "networking_mode": result.networking_mode,
                "distros": [
                    {
                        "name": d.name,
                        "running": d.running,
                        "addresses": list(d.addresses),
                        "has_ollama": d.has_ollama,
                        "error": d.error or None,
                    }
                    for d in result.distros
                ],
            },
        }

    def render_text(self, lang: Language = "en") -> str:
        title = Text(ko="Ollama 연결 후보", en="Ollama connection candidates").get(lang)
        lines = [title]
        for row in self.candidates:
            probe = row.probe
            mark = "✓" if probe.ok else "✗"
            where = probe.url or probe.candidate.raw
            lines.append(f"{mark} {where}  [{sources_label(probe, lang)}]  {row.summary.get(lang)}")
            if row.fix:
                lines.append(f"    → {row.fix.get(lang)}")
        for finding in self.findings:
            mark = {"info": "i", "warning": "!", "error": "✗"}[finding.severity]
            lines.append(f"{mark} {finding.message.get(lang)}")
            if finding.fix:
                lines.append(f"    → {finding.fix.get(lang)}")
        if self.best_url:
            lines.append(
                Text(
                    ko=f"사용할 주소: {self.best_url}", en=f"Endpoint to use: {self.best_url}"
                ).get(lang)
            )
        return "\n".join(lines)


async def diagnose(
    discovery: Discoverer,
    *,
    features: Sequence[Feature] = FEATURES,
    embedded_models: str | None = None,
    platform: str | None = None,
) -> ConnectionReport:
    """Probe every candidate and explain the result.

    `embedded_models`: the embedded engine's models folder when that engine is in use
    (then Ollama is not needed, and the report says where the models are). `platform`:
    a `sys.platform` value for the install hint (default: this machine).
    """
    result = await discovery.discover()
    rows = tuple(_candidate(p, result) for p in result.probes)
    findings = _findings(result, features, platform or sys.platform, embedded_models)
    return ConnectionReport(rows, tuple(findings), result)


def parse_version(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) from "0.9.6" or "0.12.3-rc1"; None for dev builds ("0.0.0")."""
    match = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if not match:
        return None
    version = (int(match[1]), int(match[2]), int(match[3] or 0))
    return None if version == (0, 0, 0) else version


def _served_label(served_by: str) -> Text:
    if served_by == "windows":
        return Text(ko="Windows의 Ollama", en="Windows Ollama")
    if served_by.startswith("wsl:"):
        name = served_by[4:]
        return Text(ko=f"WSL ({name})", en=f"WSL ({name})")
    if served_by == "local":
        return Text(ko="이 컴퓨터", en="this machine")
    return Text(ko="출처 불명", en="origin unknown")


def sources_label(probe: Probe, lang: Language) -> str:
    names = {
        SOURCE_CONFIGURED: Text(ko="설정", en="setting"),
        SOURCE_ENV: Text(ko="OLLAMA_HOST", en="OLLAMA_HOST"),
        SOURCE_DEFAULT: Text(ko="기본값", en="default"),
    }
    labels = [
        f"WSL {probe.candidate.distro}" if s == SOURCE_WSL else names[s].get(lang)
        for s in probe.candidate.sources
    ]
    return ", ".join(labels)


def _candidate(probe: Probe, result: DiscoveryResult) -> CandidateReport:
    status = probe.status
    if status == "ok":
        served = _served_label(probe.served_by)
        summary = Text(
            ko=f"Ollama {probe.version} — {served.ko} ({probe.elapsed_ms} ms)",
            en=f"Ollama {probe.version} — {served.en} ({probe.elapsed_ms} ms)",
        )
        fix = None
        if probe.served_by == "windows" and result.shadowing:
            fix = Text(
                ko="이 서버는 Windows의 Ollama입니다. WSL의 Ollama를 가리고 있습니다.",
                en="This is the Windows Ollama; it hides the one in WSL.",
            )
        return CandidateReport(probe, summary, fix)
    if status == "invalid":
        return CandidateReport(
            probe,
            Text(ko=f"잘못된 주소: {probe.detail_in('ko')}", en=f"invalid address: {probe.detail}"),
            _invalid_fix(probe),
        )
    if status == "not_ollama":
        return CandidateReport(
            probe,
            Text(
                ko=f"Ollama가 아닌 서비스가 응답함 ({probe.detail_in('ko')})",
                en=f"something else answers ({probe.detail})",
            ),
            Text(
                ko="이 포트는 다른 프로그램이 쓰고 있습니다. 주소나 Ollama의 포트를 바꾸세요.",
                en="Another program uses this port. Change the URL or Ollama's port.",
            ),
        )
    if status == "timeout":
        return CandidateReport(
            probe,
            Text(ko=f"응답 없음 ({probe.detail_in('ko')})", en=f"no answer ({probe.detail})"),
            _timeout_fix(probe),
        )
    return CandidateReport(
        probe,
        Text(ko=f"연결 실패 ({probe.detail_in('ko')})", en=f"cannot connect ({probe.detail})"),
        _unreachable_fix(probe, result),
    )


def _invalid_fix(probe: Probe) -> Text:
    if SOURCE_ENV in probe.candidate.sources:
        return Text(
            ko="Windows 환경 변수 OLLAMA_HOST를 고치거나 지우세요 (예: 127.0.0.1:11434).",
            en="Fix or remove the OLLAMA_HOST environment variable (e.g. 127.0.0.1:11434).",
        )
    return Text(
        ko="설정의 Ollama 주소를 고치세요 (예: http://127.0.0.1:11434). "
        "비워 두면 자동으로 찾습니다.",
        en="Fix the Ollama URL in the settings (e.g. http://127.0.0.1:11434), or "
        "leave it empty to discover it.",
    )


def _timeout_fix(probe: Probe) -> Text:
    if probe.candidate.distro:
        return Text(
            ko="방화벽이 연결을 막는 것 같습니다. WSL 안에서 `sudo ufw allow 11434/tcp`, "
            f"미러 모드라면 관리자 PowerShell에서 `{WSL_HYPERV_FIREWALL}`. VPN 프로그램도 "
            "확인하세요.",
            en="A firewall probably drops the connection. Inside WSL run `sudo ufw allow "
            f"11434/tcp`; in mirrored mode run `{WSL_HYPERV_FIREWALL}` in an admin "
            "PowerShell. Check VPN software too.",
        )
    return Text(
        ko="연결은 되었지만 응답이 없습니다. 서버가 멈췄거나 방화벽·프록시가 "
        "가로막고 있습니다. Ollama를 다시 시작해 보세요.",
        en="The connection opened but nothing answered: the server is stuck, or a "
        "firewall or proxy is in the way. Restart Ollama.",
    )


def _unreachable_fix(probe: Probe, result: DiscoveryResult) -> Text:
    sources = probe.candidate.sources
    if probe.candidate.distro:
        return Text(
            ko=f"{probe.candidate.distro}의 Ollama가 꺼져 있거나 WSL 안(127.0.0.1)에서만 "
            "듣고 있습니다. `OLLAMA_HOST=0.0.0.0:11434 ollama serve` 로 실행하거나 "
            "(systemd: `sudo systemctl edit ollama` → "
            '`Environment="OLLAMA_HOST=0.0.0.0:11434"`), '
            '"WSL에서 Ollama 시작"을 누르세요.',
            en=f"Ollama in {probe.candidate.distro} is not running, or listens only inside WSL "
            "(127.0.0.1). Run it as `OLLAMA_HOST=0.0.0.0:11434 ollama serve` (systemd: `sudo "
            'systemctl edit ollama` → `Environment="OLLAMA_HOST=0.0.0.0:11434"`), or press '
            '"Start Ollama in WSL".',
        )
    if SOURCE_CONFIGURED in sources and SOURCE_DEFAULT not in sources:
        return Text(
            ko="설정한 주소에서 아무것도 응답하지 않습니다. 설정을 비우면 자동으로 "
            "찾고, 아래에서 작동하는 주소를 고를 수도 있습니다.",
            en="Nothing answers at the configured URL. Empty the setting to discover "
            "the server, or pick a working endpoint below.",
        )
    if SOURCE_ENV in sources and SOURCE_DEFAULT not in sources:
        return Text(
            ko="OLLAMA_HOST가 가리키는 곳에서 아무것도 응답하지 않습니다. "
            "환경 변수를 고치거나 지우세요.",
            en="Nothing answers where OLLAMA_HOST points. Fix or remove the environment variable.",
        )
    if result.windows and any(p.ok and p.candidate.distro for p in result.probes):
        return Text(
            ko="Windows → WSL localhost 전달이 고장 났습니다 (절전·빠른 시작 후 흔함). "
            "`wsl --shutdown` 후 WSL을 다시 시작하거나, 아래의 WSL 주소를 쓰세요.",
            en="Localhost forwarding from Windows into WSL is broken (common after "
            "sleep or Fast Startup). Run `wsl --shutdown` and start WSL again, or use "
            "the WSL address below.",
        )
    return Text(
        ko="여기서 Ollama가 실행되고 있지 않습니다. `ollama serve` 나 Ollama 앱을 실행하세요.",
        en="Ollama is not running here. Start `ollama serve` or the Ollama app.",
    )


def _findings(
    result: DiscoveryResult,
    features: Sequence[Feature],
    platform: str,
    embedded_models: str | None,
) -> list[Finding]:
    found: list[Finding] = []
    best = result.best()
    localhost = result.probe_for(SOURCE_DEFAULT)
    wsl_ok = [p for p in result.probes if p.ok and p.candidate.distro]
    if embedded_models is not None:
        found.append(
            Finding(
                "embedded_engine",
                "info",
                Text(
                    ko="내장 엔진을 쓰고 있습니다: Ollama 없이, 이 폴더의 GGUF 모델로 답합니다: "
                    f"{embedded_models}",
                    en="The embedded engine is in use: it answers without Ollama, with the GGUF "
                    f"models in {embedded_models}",
                ),
            )
        )
    if best is None:
        found.append(_no_server(result, "win32" if result.windows else platform, embedded_models))
    configured = result.probe_for(SOURCE_CONFIGURED)
    if configured and not configured.ok and best:
        found.append(
            Finding(
                "configured_unreachable",
                "warning",
                Text(
                    ko=f"설정한 주소 {configured.url or configured.candidate.raw} 는 응답하지 "
                    f"않지만 {best.url} 는 응답합니다.",
                    en=f"The configured {configured.url or configured.candidate.raw} does not "
                    f"answer, but {best.url} does.",
                ),
                Text(
                    ko=f'"이 주소 사용"으로 {best.url} 를 설정하세요.',
                    en=f'Set the endpoint to {best.url} ("Use this endpoint").',
                ),
            )
        )
    if localhost and not localhost.ok and wsl_ok and result.networking_mode != "mirrored":
        found.append(
            Finding(
                "forwarding_broken",
                "warning",
                Text(
                    ko="WSL의 Ollama는 WSL 주소로만 닿고 127.0.0.1로는 닿지 않습니다.",
                    en="Ollama in WSL answers on the WSL address but not on 127.0.0.1.",
                ),
                Text(
                    ko=f"`wsl --shutdown` 후 WSL을 다시 열면 localhost 전달이 돌아옵니다. 또는 "
                    f"{wsl_ok[0].url} 를 쓰세요 (WSL을 다시 시작하면 주소가 바뀝니다).",
                    en=f"`wsl --shutdown` and reopening WSL restores localhost forwarding. Or "
                    f"use {wsl_ok[0].url} (the address changes when WSL restarts).",
                ),
            )
        )
    if result.networking_mode == "mirrored":
        found.append(
            Finding(
                "mirrored",
                "info",
                Text(
                    ko="WSL이 미러 네트워킹 모드입니다: 127.0.0.1이 WSL과 공유됩니다.",
                    en="WSL uses mirrored networking: 127.0.0.1 is shared with WSL.",
                ),
                Text(
                    ko="127.0.0.1:11434 를 쓰세요. 막히면 관리자 PowerShell에서 "
                    f"`{WSL_HYPERV_FIREWALL}`. Windows와 WSL의 Ollama가 동시에 11434를 쓸 수는 "
                    "없습니다.",
                    en="Use 127.0.0.1:11434. If it is blocked, run "
                    f"`{WSL_HYPERV_FIREWALL}` in an admin PowerShell. Windows and WSL cannot "
                    "both run Ollama on port 11434.",
                ),
            )
        )
    if result.shadowing:
        found.append(_shadowing(result))
    if result.wsl_error:
        found.append(
            Finding(
                "wsl_error",
                "warning",
                Text(
                    ko=f"wsl.exe가 제대로 응답하지 않았습니다: {result.wsl_error}",
                    en=f"wsl.exe did not answer properly: {result.wsl_error}",
                ),
                Text(
                    ko="WSL이 멈춘 것 같습니다. `wsl --shutdown` 후 다시 시도하세요.",
                    en="WSL may be hung. Run `wsl --shutdown` and try again.",
                ),
            )
        )
    env = result.probe_for(SOURCE_ENV)
    if env and env.candidate.raw.split("://")[-1].startswith(("0.0.0.0", "[::]", "::")):
        found.append(
            Finding(
                "env_wildcard",
                "info",
                Text(
                    ko=f"OLLAMA_HOST={env.candidate.raw} 는 듣기 주소입니다. kodesk는 "
                    f"{env.url} 로 접속합니다.",
                    en=f"OLLAMA_HOST={env.candidate.raw} is a listen address; kodesk dials "
                    f"{env.url} instead.",
                ),
            )
        )
    if best and best.version:
        found.extend(_version_findings(best, features))
    return found


def _no_server(result: DiscoveryResult, platform: str, embedded_models: str | None) -> Finding:
    offers = result.start_offers()
    if offers:
        fix = Text(
            ko=f'"WSL에서 Ollama 시작"으로 {offers[0]}에서 실행하거나, WSL 터미널에서 '
            "`OLLAMA_HOST=0.0.0.0:11434 ollama serve` 를 실행하세요.",
            en=f'Press "Start Ollama in WSL" to run it in {offers[0]}, or run '
            "`OLLAMA_HOST=0.0.0.0:11434 ollama serve` in a WSL terminal.",
        )
    else:
        install = install_ollama(platform).text
        fix = Text(
            ko=f"Ollama가 설치되어 있지 않다면: {install.ko} 또는 Ollama 없이 내장 엔진을 "
            f"쓰세요 ({ENGINE_SETTING.ko}).",
            en=f"If Ollama is not installed: {install.en} Or use the embedded engine without "
            f"Ollama ({ENGINE_SETTING.en}).",
        )
    if embedded_models is not None:  # nothing is wrong: Ollama is not needed now
        return Finding(
            "no_server",
            "info",
            Text(
                ko="응답하는 Ollama 서버가 없습니다 (내장 엔진에는 필요 없습니다).",
                en="No Ollama server answers (the embedded engine does not need one).",
            ),
            fix,
        )
    return Finding(
        "no_server",
        "error",
        Text(ko="응답하는 Ollama 서버가 없습니다.", en="No Ollama server answers."),
        fix,
    )


def _shadowing(result: DiscoveryResult) -> Finding:
    distro = result.wsl_with_ollama[0].name
    wsl_url = next((p.url for p in result.probes if p.ok and p.candidate.distro), None)
    use = (
        Text(ko=f", 또는 주소를 {wsl_url} 로 설정", en=f", or set the endpoint to {wsl_url}")
        if wsl_url
        else Text(ko="", en="")
    )
    return Finding(
        "windows_shadows_wsl",
        "warning",
        Text(
            ko=f"Windows의 Ollama가 127.0.0.1:11434를 차지해 {distro}의 Ollama가 가려집니다.",
            en=f"A Windows Ollama holds 127.0.0.1:11434 and hides the Ollama in {distro}.",
        ),
        Text(
            ko="WSL의 Ollama를 쓰려면 Windows Ollama를 종료하고(트레이 아이콘 → Quit) "
            f"자동 시작을 끄세요{use.ko}. 또는 WSL 쪽을 다른 포트로 실행하세요 "
            "(OLLAMA_HOST=0.0.0.0:11435).",
            en="To use the WSL one, quit the Windows Ollama (tray icon → Quit) and turn off "
            f"its start at login{use.en}; or run the WSL one on another port "
            "(OLLAMA_HOST=0.0.0.0:11435).",
        ),
    )


def _version_findings(best: Probe, features: Sequence[Feature]) -> list[Finding]:
    version = parse_version(best.version or "")
    if version is None:
        return [
            Finding(
                "version_unknown",
                "info",
                Text(
                    ko=f"서버 버전 {best.version}: 개발 빌드라 기능을 확인할 수 없습니다.",
                    en=f"Server version {best.version} is a development build; "
                    "features cannot be checked.",
                ),
            )
        ]
    found = []
    for feature in features:
        if version < feature.minimum:
            need = ".".join(map(str, feature.minimum))
            found.append(
                Finding(
                    f"too_old_{feature.name}",
                    "warning",
                    Text(
                        ko=f"Ollama {best.version} 는 {feature.what.ko}을(를) 지원하지 않습니다 "
                        f"({need} 이상 필요).",
                        en=f"Ollama {best.version} lacks {feature.what.en} (needs {need} or "
                        "newer).",
                    ),
                    Text(
                        ko="Ollama를 업데이트하세요 (WSL: install.sh를 다시 실행, Windows: "
                        "새 설치 파일).",
                        en="Update Ollama (WSL: run install.sh again; Windows: the new installer).",
                    ),
                )
            )
    return found


def _text_json(text: Text | None) -> dict[str, str] | None:
    return {"en": text.en, "ko": text.ko} if text else None


def _candidate_json(row: CandidateReport) -> dict[str, Any]:
    probe = row.probe
    return {
        "url": probe.url or None,
        "raw": probe.candidate.raw or None,
        "sources": list(probe.candidate.sources),
        "distro": probe.candidate.distro,
        "status": probe.status,
        "version": probe.version,
        "served_by": probe.served_by or None,
        "elapsed_ms": probe.elapsed_ms,
        "detail": probe.detail or None,
        "summary": _text_json(row.summary),
        "fix": _text_json(row.fix),
    }
