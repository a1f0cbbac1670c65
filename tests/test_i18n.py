"""Simplified Chinese is complete: every string the code and templates mark has a translation."""

import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _missing(catalogue: polib.POFile) -> list[str]:
    return [
        entry.msgid for entry in catalogue if not entry.obsolete and (not entry.translated() or entry.fuzzy)
    ]


def test_chinese_catalogue_is_complete():
    assert _missing(polib.pofile(str(CATALOGUE))) == []


def test_every_marked_string_is_in_the_catalogue(tmp_path, monkeypatch):
    if not shutil.which("xgettext"):
        pytest.fail(
            "GNU gettext is needed to extract strings: apt-get install gettext (make test installs it)."
        )
    for name in ("butler", "companies", "reminders", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["zh_Hans"], verbosity=0, no_obsolete=True)
    extracted = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert _missing(extracted) == [], "run `manage.py makemessages -l zh_Hans -l en` and translate these"
