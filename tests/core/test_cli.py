"""The `flask` commands: seed-demo, users create/import."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import City, Theme, User
from tests.conftest import login
from tests.helpers import is_signed_in, mail_link, row, rows

EXPECTED_CITIES = {
    "Guangzhou": ("CN", "Asia/Shanghai"),
    "Gwangju": ("KR", "Asia/Seoul"),
    "Jakarta": ("ID", "Asia/Jakarta"),
    "Mannheim": ("DE", "Europe/Berlin"),
    "Stuttgart": ("DE", "Europe/Berlin"),
    "Barcelona": ("ES", "Europe/Madrid"),
    "Granada": ("ES", "Europe/Madrid"),
    "Nice": ("FR", "Europe/Paris"),
    "Rome": ("IT", "Europe/Rome"),
    "Bologna": ("IT", "Europe/Rome"),
    "Changsha": ("CN", "Asia/Shanghai"),
    "Liuzhou": ("CN", "Asia/Shanghai"),
}
PASSWORD = "river walk 2020 spring"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (City, Theme, User)
        )


def test_seed_demo_is_idempotent(app, cli):
    first = cli("seed-demo")
    assert first.exit_code == 0, first.output
    assert "12 cities" in first.output
    after_first = counts(app)
    assert after_first[0] == 12 and after_first[1] >= 12 and after_first[2] >= 3

    second = cli("seed-demo")
    assert second.exit_code == 0, second.output
    assert "0 cities, 0 themes, 0 people" in second.output
    assert counts(app) == after_first

    with app.app_context():
        cities = {c.name: c for c in db.session.scalars(select(City))}
        assert {n: (c.country_code, c.timezone) for n, c in cities.items()} == EXPECTED_CITIES
        assert cities["Rome"].is_eu and cities["Nice"].is_eu and cities["Mannheim"].is_eu
        assert not cities["Gwangju"].is_eu and not cities["Guangzhou"].is_eu
        assert db.session.scalar(select(User).where(User.email == "moderator@example.org"))


@pytest.mark.parametrize("role", ["participant", "official", "moderator", "admin"])
def test_users_create_makes_a_confirmed_account_that_logs_in(app, cli, city, make_client, role):
    args = ["users", "create", f"{role}@example.org", "--password", PASSWORD, "--role", role]
    if role == "official":
        args += ["--city", "Rome"]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    user = row(app, User, email=f"{role}@example.org")
    assert user.role == role and user.confirmed_at is not None
    assert user.city_id == (city.id if role == "official" else None)
    c = make_client()
    login(c, user, password=PASSWORD)
    assert is_signed_in(c)


def test_users_create_refuses_an_official_without_a_city(app, cli):
    result = cli("users", "create", "o@example.org", "--password", PASSWORD, "--role", "official")
    assert result.exit_code != 0
    assert "an official needs a city" in result.output
    assert rows(app, User) == []


def test_users_create_refuses_a_duplicate_address(app, cli, users):
    result = cli("users", "create", "PAULA@example.net", "--password", PASSWORD)
    assert result.exit_code != 0
    assert "an account with this e-mail address already exists" in result.output
    assert len(rows(app, User)) == 5


def test_users_create_refuses_a_weak_password(app, cli):
    result = cli("users", "create", "w@example.org", "--password", "short")
    assert result.exit_code != 0
    assert "weak password" in result.output
    assert rows(app, User) == []


def test_users_import_imports_every_row_and_invites_those_without_password(
    app, cli, city, tmp_path, smtp_server, send_mail, make_client
):
    csv = tmp_path / "delegation.csv"
    csv.write_text(
        "email,name,role,city,password\n"
        f"a.rossi@comune.roma.it,Anna Rossi,official,Rome,{PASSWORD}\n"
        "b.verdi@comune.roma.it,Bruno Verdi,participant,Rome,\n"
        "c.neri@example.org,Carla Neri,participant,,\n",
        encoding="utf-8",
    )
    result = cli("users", "import", str(csv))
    assert result.exit_code == 0, result.output
    assert "Imported 3 account(s); 2 will receive a mail" in result.output
    imported = {u.email: u for u in rows(app, User)}
    assert set(imported) == {
        "a.rossi@comune.roma.it",
        "b.verdi@comune.roma.it",
        "c.neri@example.org",
    }
    assert all(u.confirmed_at is not None for u in imported.values())
    assert imported["a.rossi@comune.roma.it"].role == "official"
    login(make_client(), imported["a.rossi@comune.roma.it"], password=PASSWORD)

    send_mail()
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "b.verdi@comune.roma.it",
        "c.neri@example.org",
    ]
    c = make_client()
    path = mail_link(smtp_server, "b.verdi@comune.roma.it", "/auth/reset/")
    assert c.get(path).status_code == 200
    chosen = c.post(
        path, data={"password": "my own 55 password", "password_confirm": "my own 55 password"}
    )
    assert chosen.status_code == 302
    person = imported["b.verdi@comune.roma.it"]
    login(make_client(), person, password="my own 55 password")


def test_users_import_with_a_bad_row_imports_nothing(app, cli, city, users, tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "email,name,role,city,password\n"
        "good@example.org,Good Person,participant,,\n"
        "not-an-address,Bad Address,participant,,\n"
        "x@example.org,No City,official,,\n"
        "paula@example.net,Taken,participant,,\n"
        "y@example.org,Somewhere,participant,Atlantis,\n"
        "z@example.org,Weak,participant,,short\n"
        "good@example.org,Twice,participant,,\n",
        encoding="utf-8",
    )
    result = cli("users", "import", str(csv))
    assert result.exit_code != 0
    output = result.output
    assert "Nothing was imported" in output
    assert "line 2" not in output
    for line, reason in [
        (3, "invalid e-mail address"),
        (4, "an official needs a city"),
        (5, "already exists"),
        (6, "unknown city 'Atlantis'"),
        (7, "weak password"),
        (8, "appears twice"),
    ]:
        [reported] = [text for text in output.splitlines() if f"line {line}:" in text]
        assert reason in reported, (line, output)
    assert len(rows(app, User)) == 5
    assert row(app, User, email="good@example.org") is None


def test_users_import_refuses_a_file_without_the_columns(app, cli, tmp_path):
    csv = tmp_path / "columns.csv"
    csv.write_text("email,name\nq@example.org,Q\n", encoding="utf-8")
    result = cli("users", "import", str(csv))
    assert result.exit_code != 0
    assert "missing column(s): city, role" in result.output
    assert rows(app, User) == []
