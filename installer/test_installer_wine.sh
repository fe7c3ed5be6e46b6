#!/usr/bin/env bash
# Compile the NSIS installer on Linux and check a silent install and uninstall under wine.
#
# The payload is a PLACEHOLDER with the layout of the real PyInstaller onedir
# (kodesk.exe, kodesk-cli.exe, _internal/): a Windows PyInstaller build cannot be made on
# Linux, and the real payload comes from the Windows build (build.ps1 / the
# windows-installer workflow). What is tested here is the installer's own logic:
# install folder, Start-menu shortcuts, the Run entry, the uninstall registration,
# and the uninstaller keeping or purging the user's settings.
#
# Needs: makensis (Debian package nsis) and 64-bit wine (packages wine, wine64).
# Usage: installer/test_installer_wine.sh [WORKDIR]      (default: a new temp folder)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$here/../kodesk/__init__.py")"
started=$SECONDS

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($((SECONDS - started)) s)"; }

step "placeholder payload"
payload="$work/payload"
rm -rf "$payload"
mkdir -p "$payload/_internal/PySide6"
printf 'placeholder for the PyInstaller kodesk.exe\n' > "$payload/kodesk.exe"
printf 'placeholder for the PyInstaller kodesk-cli.exe\n' > "$payload/kodesk-cli.exe"
printf 'placeholder\n' > "$payload/_internal/PySide6/Qt6Core.dll"

step "makensis"
setup="$work/kodesk-$version-setup.exe"
makensis -V2 -WX -DVERSION="$version" -DPAYLOAD="$payload" -DOUTFILE="$setup" "$here/kodesk.nsi"
[[ "$(head -c 2 "$setup")" == "MZ" ]] || fail "$setup is not a Windows executable"

export WINEPREFIX="$work/prefix" WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
step "wine prefix"
wineboot -i >/dev/null 2>&1 || true
wineserver -w

user="$(id -un)"
home="$WINEPREFIX/drive_c/users/$user"
appdir="$home/AppData/Local/Programs/kodesk"
win_appdir="C:\\users\\$user\\AppData\\Local\\Programs\\kodesk"
menu="$home/AppData/Roaming/Microsoft/Windows/Start Menu/Programs"
userdata="$home/AppData/Local/kodesk"
run_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Run'
uninstall_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\kodesk'

wine_run() { wine "$@"; wineserver -w; }
reg_value() { wine reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | sed -n "s/^ *$2 *REG_[A-Z_]* *//p"; }
expect_file() { [[ -e "$1" ]] || fail "missing $1"; }
expect_gone() { [[ ! -e "$1" ]] || fail "still there: $1"; }

step "silent install with /AUTOSTART"
wine_run "$setup" /S /AUTOSTART
for f in kodesk.exe kodesk-cli.exe uninstall.exe _internal/PySide6/Qt6Core.dll; do
  expect_file "$appdir/$f"
done
expect_file "$menu/kodesk.lnk"
expect_file "$menu/kodesk connection doctor.lnk"
[[ "$(reg_value "$run_key" kodesk)" == "\"$win_appdir\\kodesk.exe\"" ]] \
  || fail "Run entry is '$(reg_value "$run_key" kodesk)'"
[[ "$(reg_value "$uninstall_key" DisplayVersion)" == "$version" ]] || fail "no uninstall entry"
[[ "$(reg_value "$uninstall_key" QuietUninstallString)" == "\"$win_appdir\\uninstall.exe\" /S" ]] \
  || fail "QuietUninstallString is '$(reg_value "$uninstall_key" QuietUninstallString)'"

step "silent uninstall keeps settings and history"
mkdir -p "$userdata"
printf 'schema_version = 1\n' > "$userdata/settings.toml"
printf 'history\n' > "$userdata/history.sqlite3"
wine_run "$appdir/uninstall.exe" /S
expect_gone "$appdir"
expect_gone "$menu/kodesk.lnk"
expect_gone "$menu/kodesk connection doctor.lnk"
[[ -z "$(reg_value "$run_key" kodesk)" ]] || fail "Run entry left behind"
wine reg query "$uninstall_key" >/dev/null 2>&1 && fail "uninstall entry left behind"
expect_file "$userdata/settings.toml"
expect_file "$userdata/history.sqlite3"

step "silent install without /AUTOSTART into a chosen folder"
# /D= must be last and unquoted; wine quotes arguments with spaces, so none here.
wine_run "$setup" /S '/D=C:\kodesk-test'
custom="$WINEPREFIX/drive_c/kodesk-test"
expect_file "$custom/kodesk.exe"
[[ -z "$(reg_value "$run_key" kodesk)" ]] || fail "Run entry written without /AUTOSTART"
printf 'mine\n' > "$custom/notes-the-user-left.txt"

step "silent uninstall with /PURGE"
wine_run "$custom/uninstall.exe" /S /PURGE
expect_gone "$custom/kodesk.exe"
expect_gone "$custom/_internal"
expect_file "$custom/notes-the-user-left.txt"
expect_gone "$userdata"

echo "installer test passed in $((SECONDS - started)) s ($setup)"
