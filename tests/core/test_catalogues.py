"""The message catalogues are complete, consistent with the source, and used when rendering."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
# The keywords and options of `make extract-messages`.
EXTRACT_ARGS = [
    "-F",
    "babel.cfg",
    "-k",
    "_l",
    "-k",
    "N_",
    "--no-location",
    "--sort-output",
    "--ignore-dirs",
    ".* .venv node_modules",
]
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _pybabel(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run pybabel with the interpreter running the tests, whatever the virtualenv's layout."""
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _forms(value) -> list[str]:
    """msgid or msgstr as a list: one item, or one per plural form."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER_RE.findall(text or ""))


def _label(message) -> str:
    return _forms(message.id)[0]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The msgids marked in the source today, extracted as `make extract-messages` does."""
    pot = tmp_path_factory.mktemp("babel") / "messages.pot"
    _pybabel("extract", *EXTRACT_ARGS, "-o", str(pot), ".")
    return {m.id if isinstance(m.id, str) else m.id[0]: m for m in _read(pot) if m.id}


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """Compile every .po into its .mo (git-ignored; `make` does the same) before rendering.

    Only when a .mo is missing or older: other test workers may be reading it right now."""
    stale = [
        po
        for po in CATALOGUES
        if not po.with_suffix(".mo").exists()
        or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        _pybabel("compile", "-d", str(TRANSLATIONS))


def test_there_is_a_french_catalogue():
    assert TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_is_complete_and_consistent(path):
    catalog = _read(path)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        label = _label(message)
        if message.fuzzy:
            problems.append(f"fuzzy: {label!r}")
        strings = _forms(message.string)
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(
                f"{len(strings)} plural forms instead of {catalog.num_plurals}: {label!r}"
            )
        if any(not s for s in strings):
            problems.append(f"untranslated: {label!r}")
            continue
        ids = _forms(message.id)
        if message.pluralizable:
            allowed = _placeholders(ids[0]) | _placeholders(ids[1])
            for s in strings:
                if not _placeholders(s) <= allowed:
                    problems.append(f"unknown placeholder in {s!r} for {label!r}")
            if _placeholders(strings[-1]) != _placeholders(ids[1]):
                problems.append(f"placeholders differ in the last plural form of {label!r}")
        elif _placeholders(strings[0]) != _placeholders(ids[0]):
            problems.append(
                f"placeholders differ: {label!r} {sorted(_placeholders(ids[0]))} "
                f"vs {strings[0]!r} {sorted(_placeholders(strings[0]))}"
            )
        # A stray '%' in a python-format translation would raise at render time.
        if message.python_format or _placeholders(ids[0]):
            values = {name: "x" for name in _placeholders(" ".join(ids))}
            for s in strings:
                try:
                    s % values
                except (KeyError, ValueError, TypeError) as error:
                    problems.append(f"{s!r} does not format: {error}")
    for message, errors in catalog.check():
        for error in errors:
            problems.append(f"{_label(message)!r}: {error}")
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_covers_every_string_in_the_source(path, extracted):
    catalog = _read(path)
    translated = {_label(m) for m in catalog if m.id and all(_forms(m.string))}
    missing = sorted(set(extracted) - translated)
    assert not missing, (
        f"{len(missing)} string(s) in the source are missing or untranslated in "
        f"{path.relative_to(ROOT)}; run `make extract-messages` and translate them:\n"
        + "\n".join(f"  {msgid!r}" for msgid in missing)
    )


def test_template_is_up_to_date(extracted):
    template = {_label(m) for m in _read(TRANSLATIONS / "messages.pot") if m.id}
    missing = sorted(set(extracted) - template)
    stale = sorted(template - set(extracted))
    assert not (missing or stale), (
        "translations/messages.pot is out of date; run `make extract-messages`.\n"
        f"missing: {missing}\nstale: {stale}"
    )


def _fresh_translations(app):
    """Forget translations the session's app may have loaded before the .mo files existed."""
    from app.extensions import babel

    with app.app_context():
        babel.domain_instance.cache.clear()


def test_login_page_is_rendered_in_french(app, client):
    _fresh_translations(app)
    response = client.get("/auth/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert '<html lang="fr"' in body
    assert "<h1>Se connecter</h1>" in body
    assert "Mot de passe" in body  # a lazy form label
    assert "Log in" not in body


def test_login_page_stays_in_english_by_default(app, client):
    _fresh_translations(app)
    response = client.get("/auth/login", headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert '<html lang="en"' in body
    assert "<h1>Log in</h1>" in body
    assert "Se connecter" not in body
