"""Start-up, idle memory and idle wake-ups of kodesk against a bare PySide6 tray app.

Both run under Xvfb with a tray host (trayer), in the same run, several times each.
"Tray shown" is the moment the process reports that `QSystemTrayIcon.show()` returned
(kodesk logs "tray shown"; the baseline prints the same). Idle starts one second after
the app reports "ready"; memory is VmRSS after 5 s of it, and wake-ups are the
process's context switches (all threads) during those 5 s. The start-up ratio is the
median of the ratios of each kodesk start to the bare start run just before it. Both
apps also report the CPU time they used until the icon was shown: on a busy machine
the wall-clock ratio swings with the load, the CPU ratio much less.

`--python` runs both apps with another interpreter, e.g. a virtualenv with the user
install (`pip install kodesk`, no dev extras), which is what the aims are about; the
default is the interpreter running the benchmark.

    python benchmarks/bench_startup.py [--runs 5] [--python PATH] [--short] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.report import add_output_options, verdict, write_json
from tests.e2e.xsession import AppProcess, x_session
from tests.fake_ollama import FakeOllama

AIM_SHOWN = 1.5
AIM_MEMORY_MB = 40.0

BARE_APP = """
import sys, time
from PySide6.QtGui import QIcon, QPixmap, QColor
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon
app = QApplication(sys.argv)
app.setQuitOnLastWindowClosed(False)
pixmap = QPixmap(32, 32); pixmap.fill(QColor("#2E6BE6"))
tray = QSystemTrayIcon(QIcon(pixmap)); menu = QMenu(); menu.addAction("Quit", app.quit)
tray.setContextMenu(menu); tray.show()
print(f"kodesk: tray shown ({time.process_time() * 1000:.0f} ms CPU)", flush=True)
print("kodesk: ready", flush=True)
sys.exit(app.exec())
"""


def proc_stats(pid: int) -> tuple[float, int]:
    """(RSS in MB, total context switches of all threads)."""
    rss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    switches = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                switches += int(line.split()[1])
    return rss, switches


def measure(
    env: dict[str, str], program: list[str], idle: float
) -> tuple[float, float, float, float]:
    started = time.perf_counter()
    app = AppProcess([], env, program)
    line = app.wait_line("tray shown", timeout=60)
    shown = time.perf_counter() - started
    cpu = re.search(r"\((\d+) ms CPU\)", line)
    app.wait_line("ready", timeout=60)  # deferred start-up work is done
    time.sleep(1.0)
    _, before = proc_stats(app.proc.pid)
    time.sleep(idle)
    rss, after = proc_stats(app.proc.pid)
    app.stop()
    return shown * 1000, rss, (after - before) / idle, float(cpu.group(1)) if cpu else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--python", default=sys.executable, help="interpreter of both apps")
    add_output_options(parser)
    opts = parser.parse_args()
    if opts.short:
        opts.runs = min(opts.runs, 2)
    fake = FakeOllama().start()  # the usual case: Ollama is running
    fake.add_model("exaone3.5:2.4b")
    with tempfile.TemporaryDirectory() as tmp, x_session() as xs:
        bare = Path(tmp) / "bare_tray.py"
        bare.write_text(BARE_APP)
        env = {
            **xs.env,
            "HOME": tmp,
            "XDG_CONFIG_HOME": f"{tmp}/config",
            "XDG_CACHE_HOME": f"{tmp}/cache",
            "XDG_DATA_HOME": f"{tmp}/data",
            "KODESK_LOG": "info",
            "OLLAMA_HOST": fake.url,
        }
        results: dict[str, list[tuple[float, float, float]]] = {"bare": [], "kodesk": []}
        for _ in range(opts.runs):
            results["bare"].append(measure(env, [opts.python, str(bare)], opts.idle))
            results["kodesk"].append(measure(env, [opts.python, "-m", "kodesk"], opts.idle))
    fake.stop()
    print(
        f"{'':8} {'tray shown (ms)':>16} {'RSS after idle (MB)':>20} {'wake-ups/s':>11} "
        f"{'CPU to tray (ms)':>17}"
    )
    med: dict[str, list[float]] = {}
    for name, rows in results.items():
        med[name] = [statistics.median(col) for col in zip(*rows, strict=True)]
        print(
            f"{name:8} {med[name][0]:16.0f} {med[name][1]:20.1f} {med[name][2]:11.1f} "
            f"{med[name][3]:17.0f}"
        )
    # Each kodesk start is compared with the bare start just before it: the machine's
    # load drifts between runs far more than within a pair.
    shown = statistics.median(
        k[0] / b[0] for b, k in zip(results["bare"], results["kodesk"], strict=True)
    )
    cpu = med["kodesk"][3] / med["bare"][3]
    memory = med["kodesk"][1] - med["bare"][1]
    wakeups = med["kodesk"][2] - med["bare"][2]
    print(f"ratio    {shown:16.2f} {memory:+19.1f}MB {wakeups:+10.1f} {cpu:17.2f}")
    print(
        f"aims: tray ≤ {AIM_SHOWN}× bare ({verdict(shown <= AIM_SHOWN)}), "
        f"RSS ≤ bare + {AIM_MEMORY_MB:.0f} MB ({verdict(memory <= AIM_MEMORY_MB)}), "
        f"no idle wake-ups ({verdict(wakeups <= 0)})"
    )
    columns = ("tray_shown_ms", "rss_mb", "wakeups_per_s", "cpu_to_tray_ms")
    write_json(
        opts.json,
        "startup",
        {
            "runs": opts.runs,
            "python": opts.python,
            "median": {name: dict(zip(columns, row, strict=True)) for name, row in med.items()},
            "each_run": {
                name: [dict(zip(columns, row, strict=True)) for row in rows]
                for name, rows in results.items()
            },
            "tray_shown_ratio": shown,
            "cpu_to_tray_ratio": cpu,
            "rss_extra_mb": memory,
            "extra_wakeups_per_s": wakeups,
            "aims_met": {
                "tray_shown": shown <= AIM_SHOWN,
                "rss": memory <= AIM_MEMORY_MB,
                "wakeups": wakeups <= 0,
            },
        },
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    raise SystemExit(main())
