"""Notebook setup: smoke flag, seeding, and the Colab path simulated without Colab."""

import importlib
import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from helpers import notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("value,expected", [("1", True), ("true", True), ("ON", True), ("0", False), ("", False)])
def test_smoke_flag(monkeypatch, value, expected):
    monkeypatch.setenv(notebook.SMOKE_ENV, value)
    assert notebook.smoke_mode() is expected


def test_seed_gives_the_same_numbers():
    import keras

    notebook.seed_everything(7)
    a = keras.random.normal((4,)).numpy()
    notebook.seed_everything(7)
    b = keras.random.normal((4,)).numpy()
    assert (a == b).all()


def _run_colab_cell(monkeypatch, tmp_path, clone_exists: bool):
    """Execute the first cell as Colab would, with google.colab present and subprocess.run recorded."""
    calls = []
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    target = tmp_path / "lstm-course"
    if clone_exists:
        target.mkdir()
    source = notebook.colab_cell_source().replace(notebook.COLAB_DIR, str(target))
    path_before = list(sys.path)
    try:
        exec(compile(source, "<colab cell>", "exec"), {})
        added = [p for p in sys.path if p not in path_before]
    finally:
        sys.path[:] = path_before
    return calls, added, target


def test_colab_cell_installs_only_what_colab_lacks(monkeypatch, tmp_path):
    calls, added, target = _run_colab_cell(monkeypatch, tmp_path, clone_exists=False)
    clone, pip = calls
    assert clone[:2] == ["git", "clone"] and notebook.REPO_URL in clone and str(target) in clone
    assert pip[:4] == [sys.executable, "-m", "pip", "install"]
    packages = " ".join(pip[4:])
    assert "meteostat" in packages and "pandas>=2.3,<3" in packages
    names = {_bounds(arg)[0] for arg in pip[4:] if not arg.startswith("-")}
    for forbidden in ("tensorflow", "tensorflow-cpu", "keras", "protobuf", "h5py"):
        assert forbidden not in names, f"the Colab cell must never install {forbidden}"
    assert added == [str(target)]


def _bounds(requirement: str) -> tuple[str, dict[str, str]]:
    from packaging.requirements import Requirement

    parsed = Requirement(requirement)
    return parsed.name.lower(), {spec.operator: spec.version for spec in parsed.specifier}


def test_colab_packages_agree_with_requirements():
    from packaging.version import Version

    declared = dict(
        _bounds(line.split("#")[0])
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.split("#")[0].strip()
    )
    for package in notebook.COLAB_PACKAGES:
        name, colab = _bounds(package)
        assert name in declared, f"the Colab cell installs {name}, which requirements.txt does not declare"
        assert colab.get(">=") == declared[name].get(">="), f"{name}: the lower bounds differ ({colab} vs requirements)"
        if "<" in colab:  # Colab may stay below requirements' upper bound (pandas<3), never above it
            assert Version(colab["<"]) <= Version(declared[name]["<"]), f"{name}: Colab allows more than requirements"
    assert "keras-tuner" in {_bounds(p)[0] for p in notebook.COLAB_PACKAGES}, "lesson 08 needs keras-tuner on Colab"


def test_colab_cell_does_not_clone_twice(monkeypatch, tmp_path):
    calls, _, _ = _run_colab_cell(monkeypatch, tmp_path, clone_exists=True)
    assert len(calls) == 1 and "pip" in calls[0]


def test_colab_cell_does_nothing_outside_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("must not run anything outside Colab"))
    exec(notebook.COLAB_CELL, {})


def test_repo_url_is_the_one_constant():
    assert notebook.colab_badge("01_x.ipynb").endswith(
        f"{notebook.REPO_URL.removeprefix('https://github.com/')}/blob/{notebook.REPO_BRANCH}/notebooks/01_x.ipynb)"
    )


def _tool(name: str):
    """Import one of the maintainer scripts in tools/."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(ROOT / "tools"))


def test_every_notebook_has_the_current_colab_cell_and_badge():
    sync = _tool("sync_notebooks")
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert sync.expected_changes(nb, path.name) == [], f"{path.name} is out of date: run tools/sync_notebooks.py"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = nbformat.read(ROOT / "notebooks" / "00_index.ipynb", as_version=4)
    assert sync.synced_readme(readme, index) == readme, "README's lesson table differs: run tools/sync_notebooks.py"
    listed = set(re.findall(r"\]\((\d\d_[a-z_]+\.ipynb)\)", sync.index_table(index).replace("notebooks/", "")))
    assert listed == {p.name for p in NOTEBOOKS} - {"00_index.ipynb"}, "the index must list every lesson"


def test_notebooks_are_clean_and_executed():
    runner = _tool("run_notebooks")
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert runner.problems(nb) == [], f"{path.name}: run tools/run_notebooks.py --clean"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{path.name} is not fully executed: commit it run in full mode"
        assert "mode: full" in "".join(
            o.get("text", "") for c in code for o in c.outputs if o.get("output_type") == "stream"
        ), f"{path.name} was not executed in full mode"
