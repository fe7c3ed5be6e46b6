"""Text from a model or a server made safe to write to a terminal.

A terminal obeys escape sequences in what it prints: CSI (`ESC [`, or the one-byte
C1 `0x9B`) moves the cursor, clears the screen or recolours it; OSC (`ESC ]`) sets the
window title and, in many terminals, writes the clipboard (OSC 52) or makes links. A
model's answer or a server's error message must not be able to do any of that, so
`printable_for_terminal` drops every control character but newline and tab (all of
C0, DEL and C1, which covers ESC and carriage return); complete CSI and OSC sequences
go as a whole, so no half of one (`[2J`) is left as noise. Hangul and every other
printable character are kept as they are.
"""

from __future__ import annotations

import re

#: CSI: ESC [ (or C1 CSI) parameters, intermediates, one final byte. OSC, DCS, SOS, PM
#: and APC strings: ESC ] (or P X ^ _, or their C1 forms) up to BEL or ST (ESC \\ or
#: C1 ST), bounded so that an unterminated string does not swallow the answer.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,512}(?:\x07|\x1b\\|\x9c)"
)
#: Every C0 control but tab and newline, DEL, and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable_for_terminal(text: str) -> str:
    """`text` without escape sequences and control characters, newlines and tabs kept."""
    return _CONTROL.sub("", _SEQUENCE.sub("", text))
