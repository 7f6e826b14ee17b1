"""Notebook setup: smoke flag, seeding, the Colab path simulated without Colab, and versions that agree."""

import re
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import maintainer_tools
import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from helpers import notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

sync = maintainer_tools.load("sync_notebooks")


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


def test_setup_without_tensorflow_seeds_python_and_numpy_and_never_starts_it(monkeypatch, capsys):
    import random

    import numpy as np

    def no_tensorflow(*args, **kwargs):
        raise AssertionError("setup(tensorflow=False) started TensorFlow")

    monkeypatch.setattr(notebook, "import_tensorflow", no_tensorflow)
    monkeypatch.setattr(notebook, "seed_everything", no_tensorflow)
    notebook.setup(seed=3, tensorflow=False)
    first = (random.random(), np.random.rand())  # noqa: NPY002 (the global generator that setup seeds)
    notebook.setup(seed=3, tensorflow=False)
    assert first == (random.random(), np.random.rand())  # noqa: NPY002 (the global generator that setup seeds)
    line = capsys.readouterr().out
    assert "| seed 3 | Python " in line and "TensorFlow" not in line


def _run_colab_cell(monkeypatch, tmp_path, clone_exists: bool):
    """Execute the first cell as Colab would, with google.colab present and subprocess.run recorded."""
    calls = []
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    target = tmp_path / "lstm-course"
    if clone_exists:
        target.mkdir()
    source = sync.colab_cell_source().replace(sync.COLAB_DIR, str(target))
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
    assert clone[:2] == ["git", "clone"] and sync.REPO_URL in clone and str(target) in clone
    assert pip[:4] == [sys.executable, "-m", "pip", "install"]
    packages = " ".join(pip[4:])
    assert "meteostat" in packages and "pandas>=2.3,<3" in packages
    names = set(_requirements("\n".join(arg for arg in pip[4:] if not arg.startswith("-"))))
    for forbidden in ("tensorflow", "tensorflow-cpu", "keras", "protobuf", "h5py"):
        assert forbidden not in names, f"the Colab cell must never install {forbidden}"
    assert added == [str(target)]


def test_colab_cell_does_not_clone_twice(monkeypatch, tmp_path):
    calls, _, _ = _run_colab_cell(monkeypatch, tmp_path, clone_exists=True)
    assert len(calls) == 1 and "pip" in calls[0]


def test_colab_cell_does_nothing_outside_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("must not run anything outside Colab"))
    exec(sync.COLAB_CELL, {})


def test_repo_url_is_the_one_constant():
    assert sync.colab_badge("01_x.ipynb").endswith(
        f"{sync.REPO_URL.removeprefix('https://github.com/')}/blob/{sync.REPO_BRANCH}/notebooks/01_x.ipynb)"
    )


def test_every_notebook_has_the_current_colab_cell_and_badge():
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
    runner = maintainer_tools.load("run_notebooks")
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert runner.problems(nb) == [], f"{path.name}: run tools/run_notebooks.py --clean"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{path.name} is not fully executed: commit it run in full mode"
        assert "mode: full" in "".join(
            o.get("text", "") for c in code for o in c.outputs if o.get("output_type") == "stream"
        ), f"{path.name} was not executed in full mode"


def _requirements(text: str) -> dict[str, SpecifierSet]:
    """``{name: specifier}`` of the requirement lines in ``text`` (comments, blanks and ``-e .`` skipped)."""
    found = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip().removeprefix("- ").strip()
        if line and not line.startswith("-") and line != "pip" and not line.endswith(":"):
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = requirement.specifier
    return found


def _bounds(specifier: SpecifierSet) -> tuple[str | None, str | None]:
    lower = [s.version for s in specifier if s.operator == ">="]
    upper = [s.version for s in specifier if s.operator == "<"]
    return (lower[0] if lower else None, upper[0] if upper else None)


def test_versions_agree_in_requirements_environment_and_colab_cell():
    runtime = _requirements((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    dev = _requirements((ROOT / "requirements-dev.txt").read_text(encoding="utf-8"))
    conda = _requirements((ROOT / "environment.yml").read_text(encoding="utf-8").split("dependencies:", 1)[1])
    python = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert conda.pop("python") == SpecifierSet(python), "environment.yml's python differs from pyproject.toml's"
    # environment.yml installs the same runtime packages in the same ranges, and its test tools in dev's ranges.
    assert set(runtime) <= set(conda), f"missing from environment.yml: {sorted(set(runtime) - set(conda))}"
    for name, specifier in conda.items():
        expected = runtime.get(name, dev.get(name))
        assert expected is not None, f"environment.yml lists {name}, which no requirements file has"
        assert specifier == expected, f"{name}: environment.yml says {specifier}, the requirements file {expected}"
    # The Colab cell installs within requirements.txt's ranges: the same lowest version, an upper bound no higher.
    colab = _requirements("\n".join(sync.COLAB_PACKAGES))
    assert "keras-tuner" in colab, "lesson 08 needs keras-tuner on Colab (Colab ships the tensorboard it imports)"
    for name, specifier in colab.items():
        (low, high), (req_low, req_high) = _bounds(specifier), _bounds(runtime[name])
        assert low == req_low, f"{name}: the Colab cell needs >={low}, requirements.txt >={req_low}"
        assert high is not None and Version(high) <= Version(req_high), (
            f"{name}: the Colab cell allows <{high}, requirements.txt only <{req_high}"
        )
