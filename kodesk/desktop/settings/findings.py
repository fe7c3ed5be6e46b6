"""Modelfile doctor findings shown in a list: severity, message, and the fix."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from kodesk.core.errors import Text
from kodesk.core.modelfile_doctor import Finding
from kodesk.core.settings_labels import Labels

SEVERITY = {
    "error": (Text("오류", "Error"), "#c62828"),
    "warning": (Text("주의", "Warning"), "#a15c00"),
    "info": (Text("참고", "Note"), "#1565c0"),
}


def finding_text(finding: Finding, labels: Labels) -> str:
    name, _color = SEVERITY[finding.severity]
    where = labels(f" ({finding.line}번째 줄)", f" (line {finding.line})") if finding.line else ""
    return (
        f"[{labels.text(name)}]{where} {labels.text(finding.message)}\n→ {labels.text(finding.fix)}"
    )


def show_findings(view: QListWidget, findings: list[Finding], labels: Labels) -> None:
    """Fill `view`; an empty list says that nothing was found."""
    view.clear()
    if not findings:
        view.addItem(labels("문제를 찾지 못했습니다.", "No problems found."))
        return
    for finding in findings:
        item = QListWidgetItem(finding_text(finding, labels))
        item.setForeground(QColor(SEVERITY[finding.severity][1]))
        item.setToolTip(finding.code)
        view.addItem(item)
