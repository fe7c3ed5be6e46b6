"""`kodesk models --recommended [--json]`: the catalog of recommended Korean models, with
whether each fits this machine and how fast it should answer (see `core.model_catalog`)."""

from __future__ import annotations

import json

from kodesk.core.human_format import human_size


def print_recommended(as_json: bool) -> int:
    from kodesk.core.model_catalog import RULE, load_catalog, this_machine

    catalog, machine = load_catalog(), this_machine()
    rows = [entry.to_json(machine) for entry in catalog.entries]
    if as_json:
        data = {"checked": catalog.checked, "rule": RULE.en, "models": rows}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        mark = "" if row["confirmed"] else "  (unconfirmed)"
        licence = row["licence"] + ("" if row["commercial_use"] else ", non-commercial")
        print(
            f"{row['kind']:<6} {row['name']:<58} {human_size(row['size']):>8}  "
            f"fits: {row['fits']:<3}  speed: {row['speed']:<9} {licence}{mark}"
        )
        print(f"       {row['good_at']['en']}")
    print(f"checked {catalog.checked}; {RULE.en}")
    return 0
