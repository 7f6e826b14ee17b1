"""Write the current Colab cell and badge into every notebook (run after changing helpers.notebook.REPO_URL).

    python tools/sync_notebooks.py            # rewrite notebooks/*.ipynb in place
    python tools/sync_notebooks.py --check    # exit 1 if a notebook is out of date (a test runs this check)

The first code cell of each notebook becomes ``helpers.notebook.COLAB_CELL``; in the first markdown cell, a line
holding a Colab badge is replaced by the badge for that notebook.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers.notebook import COLAB_CELL, colab_badge  # noqa: E402

BADGE_LINE = re.compile(r"^\[!\[Open In Colab\].*$", re.MULTILINE)


def expected_changes(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Apply the sync to ``nb`` in place; return what changed."""
    changed = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not code or code[0].source != COLAB_CELL:
        if code and "google.colab" in code[0].source:
            code[0].source = COLAB_CELL
        else:
            nb.cells.insert(_first_code_index(nb), nbformat.v4.new_code_cell(COLAB_CELL))
        changed.append("Colab cell")
    markdown = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if markdown is not None:
        badge = colab_badge(name)
        if BADGE_LINE.search(markdown.source):
            new = BADGE_LINE.sub(lambda _: badge, markdown.source)
        else:
            new = markdown.source.rstrip() + "\n\n" + badge
        if new != markdown.source:
            markdown.source = new
            changed.append("badge")
    return changed


def _first_code_index(nb: nbformat.NotebookNode) -> int:
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    status = 0
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        changed = expected_changes(nb, path.name)
        if changed and args.check:
            print(f"{path.name}: out of date ({', '.join(changed)}). Fix: python tools/sync_notebooks.py")
            status = 1
        elif changed:
            text = nbformat.writes(nb, version=4)
            path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
            print(f"{path.name}: updated {', '.join(changed)}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
