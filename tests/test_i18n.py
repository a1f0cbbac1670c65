"""Simplified Chinese is complete: every string the code and templates mark has a translation."""

import re
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


# The "Terms" of the field (one concept, one Chinese word): words that must not stand for these concepts, and
# the word each colliding English word takes in its own context.
NOT_THE_TERM = {
    r"(?<!核)发证": "the authority issues: 核发",
    r"许可类型": "a catalogue entry: 事项",
    r"跑腿|跑次": "trips: 跑动次数",
    r"已申请": "application accepted: 已受理",
    r"上报|升级": "escalation to the manager: 督办提醒",
    r"(?<!装卸)管理人员": "the manager: 科室负责人 / 窗口负责人",
    r"在服(?!务)": "the company's current butler: 服务管家",
}
IN_CONTEXT = {
    ("reminder status", "Cancelled"): "已取消",
    (None, "Cancelled"): "已注销",  # a licence cancelled by the authority
    (None, "subject"): "主题",  # a message thread's
    ("licence", "subject"): "办理对象",
    ("contact", "channel"): "联系方式",
    (None, "channel"): "办理渠道",  # how an application went in
}


def test_the_chinese_catalogue_keeps_to_the_terms():
    catalogue = polib.pofile(str(CATALOGUE))
    wrong = [
        (entry.msgid, text, why)
        for entry in catalogue
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        for pattern, why in NOT_THE_TERM.items()
        if re.search(pattern, text)
    ]
    assert wrong == []
    by_context = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in catalogue}
    assert {key: by_context.get(key) for key in IN_CONTEXT} == IN_CONTEXT
