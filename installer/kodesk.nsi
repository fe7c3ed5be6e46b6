; kodesk installer (NSIS 3, Unicode, 64-bit): per-user, no admin rights.
;
; Build:  makensis -DVERSION=0.1.0 -DPAYLOAD=<PyInstaller onedir> -DOUTFILE=<setup.exe> kodesk.nsi
;         (installer/build.sh and installer/build.ps1 do this).
; Silent: kodesk-setup.exe /S [/AUTOSTART] [/D=C:\path]      (/D must come last)
;         uninstall.exe /S [/PURGE]   (/PURGE also deletes settings and history)

Unicode true
Target amd64-unicode
RequestExecutionLevel user
SetCompressor /SOLID lzma
ManifestDPIAware true

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef PAYLOAD
  !error "define PAYLOAD: the PyInstaller onedir folder (dist/kodesk)"
!endif
!ifndef OUTFILE
  !define OUTFILE "kodesk-${VERSION}-setup.exe"
!endif
!ifndef ICON
  !define ICON "..\resources\icons\kodesk.ico"
!endif

!define APP "kodesk"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\kodesk"
; platformdirs puts kodesk's settings, history and cache here (appauthor=False).
!define USER_DATA "$LOCALAPPDATA\kodesk"

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "${APP}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=0 "LegalCopyright" "kodesk developers, MIT license"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "Sections.nsh"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\kodesk.exe"
!define MUI_FINISHPAGE_SHOWREADME "$INSTDIR\kodesk.exe"
!define MUI_FINISHPAGE_SHOWREADME_PARAMETERS "connection"
!define MUI_FINISHPAGE_SHOWREADME_TEXT "$(DoctorCheckbox)"
!define MUI_FINISHPAGE_SHOWREADME_NOTCHECKED

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "Korean"
!insertmacro MUI_LANGUAGE "English"

LangString SecAppName ${LANG_KOREAN} "kodesk (필수)"
LangString SecAppName ${LANG_ENGLISH} "kodesk (required)"
LangString SecMenuName ${LANG_KOREAN} "시작 메뉴 바로 가기"
LangString SecMenuName ${LANG_ENGLISH} "Start menu shortcuts"
LangString SecLoginName ${LANG_KOREAN} "로그인할 때 kodesk 시작"
LangString SecLoginName ${LANG_ENGLISH} "Start kodesk when I log in"
LangString DoctorCheckbox ${LANG_KOREAN} "Ollama 연결 점검 열기"
LangString DoctorCheckbox ${LANG_ENGLISH} "Open the Ollama connection doctor"
LangString DoctorShortcut ${LANG_KOREAN} "kodesk 연결 점검"
LangString DoctorShortcut ${LANG_ENGLISH} "kodesk connection doctor"
LangString NoOllama ${LANG_KOREAN} "Ollama를 찾지 못했습니다.$\r$\n$\r$\nkodesk는 Windows의 Ollama(https://ollama.com) 또는 WSL 안의 Ollama를 씁니다. 설치한 뒤 시작 메뉴의 'kodesk 연결 점검'으로 연결을 확인하세요. 내장 엔진(GGUF 파일)만 써도 됩니다."
LangString NoOllama ${LANG_ENGLISH} "Ollama was not found.$\r$\n$\r$\nkodesk uses Ollama on Windows (https://ollama.com) or inside WSL. Install it, then check the connection with 'kodesk connection doctor' in the Start menu. The embedded engine (GGUF files) works without it."
LangString KeepData ${LANG_KOREAN} "설정과 기록을 남겨 둘까요?$\r$\n$\r$\n'예'를 누르면 다시 설치할 때 그대로 쓸 수 있습니다. '아니요'를 누르면 ${USER_DATA} 를 지웁니다."
LangString KeepData ${LANG_ENGLISH} "Keep your settings and history?$\r$\n$\r$\nYes keeps them for a later install. No deletes ${USER_DATA}."

Var Purge

Section "!$(SecAppName)" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "kodesk developers"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\kodesk.exe"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" $0
SectionEnd

Section "$(SecMenuName)" SecMenu
  CreateShortcut "$SMPROGRAMS\kodesk.lnk" "$INSTDIR\kodesk.exe"
  CreateShortcut "$SMPROGRAMS\$(DoctorShortcut).lnk" "$INSTDIR\kodesk.exe" "connection"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DoctorShortcut" "$SMPROGRAMS\$(DoctorShortcut).lnk"
SectionEnd

; The same value kodesk's own "start at login" setting writes (kodesk/desktop/autostart.py).
Section /o "$(SecLoginName)" SecLogin
  WriteRegStr HKCU "${RUN_KEY}" "kodesk" '"$INSTDIR\kodesk.exe"'
SectionEnd

Function .onInit
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/AUTOSTART" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecLogin}
  ${EndIf}
FunctionEnd

; First-run check: a Windows Ollama (default install folder) or WSL to run one in.
Function .onInstSuccess
  ${If} ${Silent}
    Return
  ${EndIf}
  ${IfNot} ${FileExists} "$LOCALAPPDATA\Programs\Ollama\ollama.exe"
  ${AndIfNot} ${FileExists} "$SYSDIR\wsl.exe"
    MessageBox MB_OK|MB_ICONINFORMATION "$(NoOllama)"
  ${EndIf}
FunctionEnd

Function un.onInit
  StrCpy $Purge "0"
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/PURGE" $R1
  ${IfNot} ${Errors}
    StrCpy $Purge "1"
  ${ElseIfNot} ${Silent}
    ${If} ${Cmd} `MessageBox MB_YESNO|MB_ICONQUESTION "$(KeepData)" /SD IDYES IDNO`
      StrCpy $Purge "1"
    ${EndIf}
  ${EndIf}
FunctionEnd

Section "Uninstall"
  ReadRegStr $0 HKCU "${UNINSTALL_KEY}" "DoctorShortcut"
  ${If} $0 != ""
    Delete "$0"
  ${EndIf}
  Delete "$SMPROGRAMS\kodesk.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "kodesk"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  ; Only what the installer laid down: never a recursive delete of a folder the user chose.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\kodesk.exe"
  Delete "$INSTDIR\kodesk-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  ${If} $Purge == "1"
    RMDir /r "${USER_DATA}"
  ${EndIf}
SectionEnd
