"""The course's environment variables: one parser of "true", readers that take an explicit environment."""

import re
from pathlib import Path

import pytest

from helpers import config


@pytest.mark.parametrize(
    "value,expected",
    [("1", True), ("true", True), (" ON ", True), ("Yes", True), ("0", False), ("", False), ("no", False),
     ("2", False)],
)
def test_every_flag_shares_one_parser(value, expected):
    env = {config.SMOKE_ENV: value, config.OFFLINE_ENV: value}
    assert config.smoke_mode(env) is expected
    assert config.offline(env) is expected


def test_readers_use_the_given_environment_not_the_process_one(monkeypatch):
    monkeypatch.setenv(config.SMOKE_ENV, "1")
    assert config.smoke_mode() is True
    assert config.smoke_mode({}) is False
    assert config.data_dir_override({config.DATA_ENV: "  "}) is None
    assert config.data_dir_override({config.DATA_ENV: "/tmp/x"}) == Path("/tmp/x")
    assert config.grade_record_path({config.RECORD_ENV: "r.jsonl"}) == Path("r.jsonl")
    assert config.grade_record_path({}) is None


def test_no_other_module_spells_a_course_variable_itself():
    # A quoted name outside config.py is a second place that reads (or could misparse) the variable.
    root = Path(config.__file__).resolve().parent
    offenders = []
    for path in root.rglob("*.py"):
        if path.name != "config.py" and re.search(r"[\"']LSTM_COURSE_\w+[\"']", path.read_text(encoding="utf-8")):
            offenders.append(path.name)
    assert not offenders, f"read the LSTM_COURSE_* variables through helpers.config: {offenders}"
