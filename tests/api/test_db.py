from api import db


def credentials(url: str) -> dict:
    (connection,) = db.tortoise_config(url)["connections"].values()
    return connection["credentials"]


def test_postgres_url_options_override_the_defaults_and_passwords_are_decoded():
    given = credentials("postgres://ann:p%40ss@db.example:6543/crm?maxsize=20&ssl=true")

    assert given["host"] == "db.example"
    assert given["port"] == 6543
    assert given["user"] == "ann"
    assert given["password"] == "p@ss"
    assert given["database"] == "crm"
    assert given["ssl"] is True
    assert given["maxsize"] == "20"
    assert given["minsize"] == db.POSTGRES_DEFAULTS["minsize"]


def test_postgres_url_without_user_or_password_connects_as_postgres():
    given = credentials("postgresql://127.0.0.1/crm")

    assert (given["user"], given["password"], given["port"]) == ("postgres", "", 5432)


def test_sqlite_url_names_a_relative_or_absolute_file_and_waits_when_busy():
    assert credentials("sqlite://propflow.db")["file_path"] == "propflow.db"
    assert credentials("sqlite:///var/lib/propflow.db")["file_path"] == "/var/lib/propflow.db"
    assert credentials("sqlite://x.db")["busy_timeout"] == db.SQLITE_BUSY_TIMEOUT_MS
