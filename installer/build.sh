#!/usr/bin/env bash
# Build kodesk's frozen app and/or its Windows installer.
#
#   installer/build.sh app                 PyInstaller onedir for THIS platform → dist/kodesk
#   installer/build.sh installer PAYLOAD   NSIS installer from a WINDOWS onedir (PAYLOAD, e.g.
#                                          the dist/kodesk artifact of build.ps1 or CI)
#                                          → installer/out/kodesk-VERSION-setup.exe
#
# PyInstaller does not cross-compile: the Windows payload must be built on Windows
# (installer/build.ps1, .github/workflows/windows-installer.yml). makensis itself runs
# on Linux (Debian package nsis); installer/test_installer_wine.sh tests the result.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$root/kodesk/__init__.py")"
python="${PYTHON:-python3}"

case "${1:-}" in
  app)
    "$python" -m PyInstaller --noconfirm --distpath "$root/dist" --workpath "$root/build" \
      "$root/installer/kodesk.spec"
    echo "built $root/dist/kodesk (run: $root/dist/kodesk/kodesk-cli self-test)"
    ;;
  installer)
    payload="$(cd "${2:?usage: build.sh installer PAYLOAD_DIR}" && pwd)"
    [[ -e "$payload/kodesk.exe" ]] || { echo "$payload has no kodesk.exe" >&2; exit 1; }
    mkdir -p "$root/installer/out"
    out="$root/installer/out/kodesk-$version-setup.exe"
    makensis -V2 -WX -DVERSION="$version" -DPAYLOAD="$payload" -DOUTFILE="$out" \
      "$root/installer/kodesk.nsi"
    echo "built $out"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
