from __future__ import annotations

import dataclasses

from chronos import config


def test_env_overrides_yaml_values(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("server:\n  port: 9000\n  host: 127.0.0.1\n")
    data, errors = config.load(path, environ={"CHRONOS_PORT": "8181"})
    assert errors == []
    typed = config.build(data)[0]
    assert (typed.server.port, typed.server.host) == (8181, "127.0.0.1")


def test_invalid_yaml_is_one_readable_error_with_the_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("server:\n  port: [8080\n")
    _, errors = config.load(path, environ={})
    assert len(errors) == 1
    assert "invalid YAML at line" in errors[0]


def test_non_integer_port_from_env_is_reported_not_raised(tmp_path):
    _, errors = config.load(tmp_path / "missing.yaml", environ={"CHRONOS_PORT": "eighty"})
    assert errors == ["CHRONOS_PORT='eighty' is not an integer"]


def test_missing_config_named_by_env_is_an_error(tmp_path):
    _, errors = config.load(None, environ={"CHRONOS_CONFIG": str(tmp_path / "nope.yaml")})
    assert "does not exist" in errors[0]


def test_allowed_chats_env_is_split_into_a_list(tmp_path):
    data, _ = config.load(tmp_path / "x.yaml", environ={"CHRONOS_TELEGRAM_ALLOWED_CHATS": "1, -100200"})
    assert config.build(data)[0].telegram.allowed_chats == (1, -100200)


def test_the_shipped_yaml_and_the_declared_defaults_agree():
    """Every key in config/chronos.yaml is declared, and its value there is the declared default,
    so reading the file or leaving a key out gives the same instance."""
    shipped, errors = config.load(config.DEFAULT_CONFIG_PATH, environ={})
    assert errors == []
    typed, problems = config.build(shipped)
    assert problems == []
    defaults, _ = config.build({})
    assert dataclasses.replace(typed, path="") == defaults


def test_a_value_of_the_wrong_type_names_its_key_and_keeps_the_default():
    typed, problems = config.build({"commands": {"lease_seconds": "five"}})
    assert problems == ["commands.lease_seconds: expected an integer, got 'five'"]
    assert typed.commands.lease_seconds == config.build({})[0].commands.lease_seconds


def test_an_unknown_key_is_reported_with_its_path():
    _, problems = config.build({"integrations": {"outbox": {"max_attemps": 3}}})
    assert problems == ["integrations.outbox.max_attemps: unknown key (see config/chronos.yaml for the keys there are)"]


def test_cross_checks_catch_values_that_only_fail_together():
    _, problems = config.build({"worker": {"task_timeout_seconds": 600, "task_retry_seconds": 300}})
    assert len(problems) == 1 and problems[0].startswith("worker.task_retry_seconds")


def test_a_bad_value_stops_check_and_start_with_one_line_naming_the_key(tmp_path):
    import os
    import subprocess
    import sys

    bad = tmp_path / "chronos.yaml"
    bad.write_text("commands:\n  lease_seconds: five\n")
    env = {**os.environ, "CHRONOS_CONFIG": str(bad), "CHRONOS_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    for argv in (["check"], ["start", "--no-worker"]):
        done = subprocess.run([sys.executable, "manage.py", *argv], cwd=config.BASE_DIR, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode != 0, argv
        output = done.stdout + done.stderr
        assert "commands.lease_seconds: expected an integer, got 'five'" in output, argv
        assert "Traceback" not in output, argv
