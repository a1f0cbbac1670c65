"""Catalogue rows carry their words in both languages; the reader's language picks one."""

from django.utils.translation import get_language


def in_english() -> bool:
    return (get_language() or "").startswith("en")


class BilingualName:
    """``name``: ``name_en`` for a reader in English, else ``name_zh`` (the window's language)."""

    @property
    def name(self) -> str:
        return self.name_en if in_english() else self.name_zh
