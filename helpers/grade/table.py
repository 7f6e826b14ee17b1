"""The class's table: printed for the teacher, written as CSV (one row per submission, one column per step)."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from typing import Any

from helpers.grade.results import Grade

__all__ = ["format_table", "rows", "step_keys", "tried", "write_csv"]


def step_keys(grades: Sequence[Grade]) -> list[str]:
    """Every step of the class, in the order the exercises were created (q1, q2, ...)."""
    keys: list[str] = []
    for grade in grades:
        for key in [*grade.names, *grade.steps]:
            if key not in keys:
                keys.append(key)
    return keys


def tried(grade: Grade) -> str:
    """What the submission tried outside its folder, and what became of it ('' when nothing)."""
    commands = [a for a in grade.attempts if a.startswith("running ")]
    others = [a for a in grade.attempts if not a.startswith("running ")]
    if grade.sandbox:
        parts = ([f"refused by the sandbox: {'; '.join(others)}"] if others else []) + (
            [f"ran inside the sandbox: {'; '.join(commands)}"] if commands else [])
        return "; ".join(parts)
    if not grade.attempts:
        return ""
    return "not sandboxed, so it ran with your permissions: " + "; ".join(grade.attempts)


def rows(grades: Sequence[Grade]) -> tuple[list[str], list[dict[str, Any]]]:
    """The table as CSV columns and rows: submission, one column per step (status: reason), total, time, notes,
    what the notebook tried outside its folder (``tried``) and the isolation it ran in (``sandbox``)."""
    keys = step_keys(grades)
    header = ["submission", *keys, "total", "out_of", "seconds", "notes", "tried", "sandbox"]
    table = []
    for grade in grades:
        row: dict[str, Any] = {"submission": grade.submission}
        row.update({key: str(grade.result(key)) for key in keys})
        row.update(total=grade.correct, out_of=len(keys), seconds=round(grade.seconds, 1), notes="; ".join(grade.notes))
        row.update(tried=tried(grade), sandbox=grade.sandbox or "none")
        table.append(row)
    return header, table


def write_csv(grades: Sequence[Grade], out: str | os.PathLike) -> None:
    header, table = rows(grades)
    with open(out, "w", newline="", encoding="utf-8") as sink:
        writer = csv.DictWriter(sink, fieldnames=header)
        writer.writeheader()
        writer.writerows(table)


def format_table(grades: Sequence[Grade]) -> str:
    """The printed table (statuses only; the reasons follow under "Details") and the details."""
    keys = step_keys(grades)
    header = ["submission", *keys, "total", "time (s)"]
    body = [
        [g.submission, *(g.result(k).status for k in keys), f"{g.correct}/{len(keys)}", f"{g.seconds:.0f}"]
        for g in grades
    ]
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    names: dict[str, str] = {}
    clash = sorted({k for g in grades for k, title in g.names.items() if names.setdefault(k, title) != title})
    if any(names.get(k, k) != k for k in keys):
        lines += ["", "Steps: " + ", ".join(f"{k} = {names.get(k, k)}" for k in keys)]
    if clash:
        lines.append(f"Warning: {', '.join(clash)} name(s) different steps in different submissions: these are not all "
                     "the same assignment. Grade each assignment in a run of its own.")
    details = []
    for g in grades:
        # The reasons worth reading: what was wrong and what raised ("not attempted" says it all by itself).
        why = [f"  {k}: {g.result(k)}" for k in keys if g.result(k).status in ("incorrect", "error")]
        why += [f"  note: {note}" for note in g.notes]
        if g.attempts:
            why.append(f"  tried: {tried(g)}")
        if why:
            details += [f"{g.submission}:", *why]
    if details:
        lines += ["", "Details:", *details]
    return "\n".join(lines)
