"""Write the current Colab cell and badge into every notebook (run after changing REPO_URL below).

    python tools/sync_notebooks.py            # rewrite notebooks/*.ipynb in place
    python tools/sync_notebooks.py --check    # exit 1 if a notebook is out of date (a test runs this check)

The first code cell of each notebook becomes :data:`COLAB_CELL`; in the first markdown cell, a line
holding a Colab badge is replaced by the badge for that notebook. The lesson table of ``notebooks/00_index.ipynb``
is copied into README.md between its ``BEGIN LESSONS`` / ``END LESSONS`` markers.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent

#: The course's repository. This is the one address to change when you fork the course: the Colab cell, the badges
#: in the notebooks and the README are generated from it (run this script after changing it).
REPO_URL = "https://github.com/lstm-course/lstm-time-series-course"
#: The branch that Colab badges and the Colab install point at.
REPO_BRANCH = "main"

#: Packages that Colab lacks, installed by the first cell, in the ranges of requirements.txt (a test checks that they
#: agree). TensorFlow and Keras are deliberately absent: Colab's own build matches its CUDA, protobuf and h5py, and
#: reinstalling it breaks them. ``pandas<3`` (tighter than requirements.txt) keeps meteostat from upgrading Colab's
#: pandas to 3.x (meteostat 2 needs pandas >= 2.3, so Colab ends up on 2.3). LightGBM (the gradient-boosted
#: baseline) is absent too: Colab ships it (4.x, within requirements.txt's range).
COLAB_PACKAGES = ("meteostat>=2.1,<3", "pandas>=2.3,<3", "yfinance>=0.2.66,<2", "keras-tuner>=1.4.8,<2")

#: Where the first cell clones the course on Colab.
COLAB_DIR = "/content/lstm-course"


def colab_cell_source(repo_url: str = REPO_URL, branch: str = REPO_BRANCH) -> str:
    """The source of every notebook's first code cell.

    It is plain Python (no ``!`` magics) so that a test can run it with a simulated ``google.colab`` module.
    """
    packages = ", ".join(f'"{p}"' for p in COLAB_PACKAGES)
    return f'''\
# On Colab: fetch the course (helpers + offline data) and install only what Colab lacks. Elsewhere: nothing.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    if not os.path.isdir("{COLAB_DIR}"):
        repo = "{repo_url}"
        subprocess.run(["git", "clone", "--depth", "1", "--branch", "{branch}", repo, "{COLAB_DIR}"], check=True)
    packages = [{packages}]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)
    sys.path.insert(0, "{COLAB_DIR}")'''


#: The first code cell of every notebook.
COLAB_CELL = colab_cell_source()


def colab_badge(notebook: str, repo_url: str = REPO_URL, branch: str = REPO_BRANCH) -> str:
    """Markdown for the 'Open in Colab' badge of ``notebook`` (a file name under ``notebooks/``)."""
    path = repo_url.removeprefix("https://github.com/")
    link = f"https://colab.research.google.com/github/{path}/blob/{branch}/notebooks/{notebook}"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({link})"

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
            print(
                "README.md: the lesson table differs from notebooks/00_index.ipynb. Fix: python tools/sync_notebooks.py"
            )
            status = 1
        else:
            readme_path.write_text(synced, encoding="utf-8")
            print("README.md: updated the lesson table")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
