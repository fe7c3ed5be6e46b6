# Build kodesk on Windows: the PyInstaller onedir (dist\kodesk), its self-test, and the
# per-user NSIS installer (installer\out\kodesk-VERSION-setup.exe).
#
#   pwsh installer\build.ps1 [-SkipSelfTest]
#
# Needs Python with kodesk and its dev extra installed (pip install ".[dev]") and NSIS 3
# (makensis on PATH, in "Program Files (x86)\NSIS", or installed here with Chocolatey).
param([switch]$SkipSelfTest)
$ErrorActionPreference = "Stop"

$root = Split-Path -Parent $PSScriptRoot
Set-Location $root
$version = (Select-String -Path "kodesk\__init__.py" -Pattern '__version__ = "(.+)"').Matches[0].Groups[1].Value

python -m PyInstaller --noconfirm --distpath dist --workpath build installer\kodesk.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

if (-not $SkipSelfTest) {
    & "dist\kodesk\kodesk-cli.exe" self-test
    if ($LASTEXITCODE -ne 0) { throw "the frozen app failed its self-test" }
}

$makensis = Get-Command makensis -ErrorAction SilentlyContinue
if ($makensis) {
    $makensis = $makensis.Source
} else {
    $makensis = Join-Path ${env:ProgramFiles(x86)} "NSIS\makensis.exe"
    if (-not (Test-Path $makensis)) {
        choco install nsis -y --no-progress
        if ($LASTEXITCODE -ne 0) { throw "could not install NSIS" }
    }
}

New-Item -ItemType Directory -Force "installer\out" | Out-Null
$out = Join-Path $root "installer\out\kodesk-$version-setup.exe"
& $makensis /V2 /WX "/DVERSION=$version" "/DPAYLOAD=$root\dist\kodesk" "/DOUTFILE=$out" installer\kodesk.nsi
if ($LASTEXITCODE -ne 0) { throw "makensis failed" }
Write-Host "built $out"
