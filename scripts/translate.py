"""Maintainers: refresh the catalogues and fill translations from JSON files.

    .venv/bin/python scripts/translate.py                      # extract, merge, compile; list gaps
    .venv/bin/python scripts/translate.py de de.json more.json  # also fill German from JSON dicts
    .venv/bin/python scripts/translate.py all bundle.json       # {"de": {...}, "fr": {...}}

A dict maps an English msgid to its translation (a list of forms for plural msgids).
Catalogues of new languages in config.LANGUAGES are created. Prints what is still missing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
BABEL = [sys.executable, "-m", "babel.messages.frontend"]
EXTRACT = ["-F", "babel.cfg", "-k", "_l", "-k", "N_", "--ignore-dirs", ".* .venv node_modules"]


def languages() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from config import Config

    return [code for code in Config.LANGUAGES if code != "en"]


def run(*args: str) -> None:
    subprocess.run([*BABEL, *args], cwd=ROOT, check=True, capture_output=True)


def refresh() -> None:
    """Extract the source's strings and merge them into every catalogue, creating new ones."""
    run(
        "extract",
        *EXTRACT,
        "-o",
        "translations/messages.pot",
        "--no-location",
        "--sort-output",
        ".",
    )
    for code in languages():
        if not (ROOT / "translations" / code / "LC_MESSAGES" / "messages.po").exists():
            run("init", "-i", "translations/messages.pot", "-d", "translations", "-l", code)
    run(
        "update",
        "-i",
        "translations/messages.pot",
        "-d",
        "translations",
        "--no-fuzzy-matching",
        "--ignore-obsolete",
    )


def fill(code: str, translations: dict) -> list[str]:
    """Fill one catalogue from `translations`; returns the msgids still untranslated."""
    path = ROOT / "translations" / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(value, list) else value
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if not all(strings):
            missing.append(key)
        message.flags.discard("fuzzy")
    with path.open("wb") as f:
        write_po(f, catalog, sort_output=True)
    return missing


def main(argv: list[str]) -> None:
    refresh()
    target = argv[0] if argv else None
    dicts = [json.loads(Path(p).read_text(encoding="utf-8")) for p in argv[1:]]
    for code in languages():
        merged: dict = {}
        for d in dicts:
            if target == "all":
                merged.update(d.get(code, {}))
            elif target == code:
                merged.update(d)
        missing = fill(code, merged)
        if missing:
            print(f"{code}: {len(missing)} missing")
            print(json.dumps(missing, ensure_ascii=False, indent=0))
    run("compile", "-d", "translations")


if __name__ == "__main__":
    main(sys.argv[1:])
