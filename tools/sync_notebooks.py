"""Write the current Colab cell and badge into every notebook (run after changing helpers.notebook.REPO_URL).

    python tools/sync_notebooks.py            # rewrite notebooks/*.ipynb in place
    python tools/sync_notebooks.py --check    # exit 1 if a notebook is out of date (a test runs this check)

The first code cell of each notebook becomes ``helpers.notebook.COLAB_CELL``; in the first markdown cell, a line
holding a Colab badge is replaced by the badge for that notebook. The lesson table of ``notebooks/00_index.ipynb``
is copied into README.md between its ``BEGIN LESSONS`` / ``END LESSONS`` markers.
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
README_LESSONS = re.compile(r"(<!-- BEGIN LESSONS[^\n]*-->\n)(.*?)(<!-- END LESSONS -->)", re.DOTALL)


def index_table(index: nbformat.NotebookNode) -> str:
    """The lesson table of the index notebook, with links made relative to the repository root."""
    for cell in index.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## The lessons"):
            rows = [line for line in cell.source.splitlines() if line.startswith("|")]
            return "\n".join(re.sub(r"\]\((\d\d_[a-z_]+\.ipynb)\)", r"](notebooks/\1)", row) for row in rows) + "\n"
    raise SystemExit("notebooks/00_index.ipynb has no '## The lessons' cell")


def synced_readme(readme: str, index: nbformat.NotebookNode) -> str:
    if not README_LESSONS.search(readme):
        raise SystemExit("README.md lacks the BEGIN LESSONS / END LESSONS markers")
    return README_LESSONS.sub(lambda m: m.group(1) + index_table(index) + m.group(3), readme)


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
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    synced = synced_readme(readme, nbformat.read(ROOT / "notebooks" / "00_index.ipynb", as_version=4))
    if synced != readme:
        if args.check:
            print("README.md: the lesson table differs from notebooks/00_index.ipynb. Fix: python tools/sync_notebooks.py")
            status = 1
        else:
            readme_path.write_text(synced, encoding="utf-8")
            print("README.md: updated the lesson table")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
