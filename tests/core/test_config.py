from __future__ import annotations

from chronos import config


def test_env_overrides_yaml_values(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("server:\n  port: 9000\n  host: 127.0.0.1\n")
    data, errors = config.load(path, environ={"CHRONOS_PORT": "8181"})
    assert errors == []
    assert config.get(data, "server.port") == 8181
    assert config.get(data, "server.host") == "127.0.0.1"


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
    assert config.get(data, "telegram.allowed_chats") == ["1", "-100200"]
