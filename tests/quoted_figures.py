"""Check that the figures a lesson's prose quotes are printed by its cells (the course's rule: a number in prose is
printed by a cell of the same notebook).

A *quoted figure* is a number in a markdown cell written with a decimal point (``0.214``, ``23.2``), in scientific
notation (``3e-11``) or with thousands separators (``22,891``); whole numbers without separators (``30 minutes``,
``3 seeds``) are settings, not results, and are not checked. Code spans, LaTeX and link targets are skipped.

A quoted figure is *printed* when some number in the outputs of the notebook's code cells (text, tables) rounds to
it at the precision it is quoted with: ``0.21`` is printed by an output ``0.214``; a sign is ignored, since prose
says "behind by 0.016" of an output ``-0.016``. Percentages quoted as ``95 %`` are whole numbers and not checked.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat

NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+\.\d+(?:e[-+]?\d+)?|\d+e[-+]?\d+)(?![\w])")
SKIP = [
    re.compile(r"```.*?```", re.S),  # code blocks
    re.compile(r"`[^`]*`"),  # code spans
    re.compile(r"\$\$.*?\$\$", re.S),  # display maths
    re.compile(r"\$[^$]*\$"),  # inline maths
    re.compile(r"\]\([^)]*\)"),  # link targets
]


def _numbers(text: str) -> list[str]:
    return [m.group(1) for m in NUMBER.finditer(text)]


def quoted(nb: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(cell index, figure as written) for every figure quoted in the markdown cells."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        for pattern in SKIP:
            text = pattern.sub(" ", text)
        out += [(i, figure) for figure in _numbers(text)]
    return out


def printed(nb: nbformat.NotebookNode) -> list[float]:
    """Every number in the text outputs of the code cells (streams, text/plain and text/html), as floats."""
    values = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")]
            data = output.get("data", {})
            texts += [data.get("text/plain", ""), data.get("text/html", "")]
            for text in texts:
                text = "".join(text) if isinstance(text, list) else text
                for figure in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?", text):
                    values.append(float(figure.replace(",", "")))
    return values


def _matches(figure: str, values: list[float]) -> bool:
    target = float(figure.replace(",", ""))
    if "e" in figure:  # scientific: the same mantissa at the quoted precision
        mantissa, _, _ = figure.partition("e")
        digits = len(mantissa.partition(".")[2])
        return any(v > 0 and math.isclose(float(f"{v:.{digits}e}"), target, rel_tol=1e-9) for v in values)
    decimals = len(figure.partition(".")[2]) if "." in figure else 0
    return any(math.isclose(round(v, decimals), target, abs_tol=1e-9) for v in values)


def unprinted(path: Path, allowed: tuple[str, ...] = ()) -> list[str]:
    """The quoted figures of the notebook at ``path`` that no output prints (``allowed``: figures exempt by name,
    such as a significance level), as ``"cell N: figure"``."""
    nb = nbformat.read(path, as_version=4)
    values = printed(nb)
    return [f"cell {i}: {figure}" for i, figure in quoted(nb) if figure not in allowed and not _matches(figure, values)]
