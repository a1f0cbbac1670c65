"""Texts the system writes to people: kept as a message key and its parameters, read in the reader's language.

A notice, a reminder's label or a reminder's message is written once and read later by someone whose
language may not be the one it was written in. So it is stored as what it *means* — the English message key
of the translation catalogue (marked with ``gettext_noop`` where it is written, so that ``makemessages``
finds it) and its parameters — and translated when it is read::

    title = text(gettext_noop("%(licence)s: apply for renewal by %(date)s"), licence=named(licence), date=day)
    str(title)          # in the active language
    render(title, "en")  # in English

A parameter is plain text (a name, a plate, what someone typed: never translated), another text, a name the
catalogue keeps in each language (:func:`named`), or a list of parts (:func:`joined`). A text is a ``dict``,
stored as it is in a ``JSONField``; one read back from the database is rendered with :func:`render`.

The shapes, kept short because millions of reminders carry one: ``{"k": key, "p": params, "c": context}``;
with ``"pl"`` (the plural key) and ``"n"`` (the count) for a plural; ``{"l": {language: text}}`` for a name in
each language; ``{"j": [parts], "s": separator}`` for parts joined.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

Spec = str | dict | None


class Text(dict):
    """A stored text: printed (``str``, a template) in the active language."""

    def __str__(self) -> str:
        return render(self)


def text(key: str, *, context: str = "", **params: Any) -> Text:
    """The message ``key`` (an English msgid) with its ``%(name)s`` parameters."""
    spec = Text(k=key)
    if params:
        spec["p"] = {name: _param(value) for name, value in params.items()}
    if context:
        spec["c"] = context
    return spec


def plural(singular: str, plural_key: str, count: int, **params: Any) -> Text:
    """``ngettext`` kept for later: the form chosen by ``count`` in the reader's language."""
    spec = text(singular, count=count, **params)
    spec["pl"], spec["n"] = plural_key, count
    return spec


def named(thing: Any) -> Text:
    """``str(thing)`` in each of the product's languages: for a name the catalogue keeps in both (a licence
    type, an obligation, a material), read now, when it is written, in every language at once. A function
    is called in each language instead."""
    return Text(l=in_each_language(thing if callable(thing) else lambda: str(thing)))


def joined(parts: Iterable[Any], separator: str | dict = "\n") -> Text:
    """Parts (texts or plain strings) printed one after another, empty ones left out; the separator may be a
    text too (a list's "; " is "；" in Chinese)."""
    return Text(j=[_param(part) for part in parts if part], s=separator)


def about(owner: str, thing: Any) -> Text:
    """A reminder's label: whose it is (a company's name, as written) · what (read in each language)."""
    return joined([owner, thing if isinstance(thing, dict) else named(thing)], " · ")


def listed(parts: Iterable[Any]) -> Text:
    """Items of a list in a sentence: "a, b" in English, "a、b" in Chinese."""
    return joined(parts, text(gettext_noop(", ")))


def clauses(parts: Iterable[Any]) -> Text:
    """Parts of one sentence: "a; b" in English, "a；b" in Chinese (what a text is about, whom to call)."""
    return joined(parts, text(gettext_noop("; ")))


def in_each_language(make: Callable[[], str]) -> dict[str, str]:
    """What ``make`` returns with each of the product's languages active."""
    written = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            written[code] = str(make())
    return written


def render(spec: Spec, language: str | None = None) -> str:
    """The text in ``language`` (by default the active one). A plain string is printed as it is."""
    if language is not None:
        with translation.override(language):
            return render(spec)
    if not spec:
        return ""
    if isinstance(spec, str):
        return spec
    if "l" in spec:
        written = spec["l"]
        current = translation.get_language() or settings.LANGUAGE_CODE
        return written.get(current) or written.get(settings.LANGUAGE_CODE) or next(iter(written.values()), "")
    if "j" in spec:
        separator = spec.get("s", "\n")
        separator = render(separator) if isinstance(separator, dict) else separator
        return separator.join(filter(None, (render(part) for part in spec["j"])))
    params = {name: _rendered(value) for name, value in spec.get("p", {}).items()}
    if "pl" in spec:
        if spec.get("c"):
            words = translation.npgettext(spec["c"], spec["k"], spec["pl"], spec["n"])
        else:
            words = translation.ngettext(spec["k"], spec["pl"], spec["n"])
    elif spec.get("c"):
        words = translation.pgettext(spec["c"], spec["k"])
    else:
        words = translation.gettext(spec["k"])
    return words % params if params else words


def template_values(spec: Spec, language: str) -> dict[str, str]:
    """Every named parameter of the text and of the texts inside it, each in ``language``: the variables of
    an operator's SMS template."""
    values: dict[str, str] = {}

    def collect(part: Any) -> None:
        if not isinstance(part, dict):
            return
        for name, value in part.get("p", {}).items():
            values[name] = render(value, language) if isinstance(value, dict) else str(value)
            collect(value)
        for inner in part.get("j", []):
            collect(inner)

    collect(spec)
    return values


def in_window_language(spec: Spec) -> str:
    """The text as the window reads it (the product's default language): what a plain column keeps."""
    return render(spec, settings.LANGUAGE_CODE)


def _param(value: Any) -> Any:
    if isinstance(value, dict | int | float):
        return value
    if value is None:
        return ""
    return str(value)


def _rendered(value: Any) -> Any:
    return render(value) if isinstance(value, dict) else value
