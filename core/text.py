"""Vietnamese text helpers shared by every app."""

import unicodedata

from django.utils.translation import get_language


def fold_vietnamese(text: str) -> str:
    """Lower-case ``text`` and strip its diacritics, so "Nguyễn Thị Hiếu" matches "nguyen thi hieu".

    "đ"/"Đ" is a separate letter, not a base letter with a mark, so it is mapped by hand.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def in_language(vietnamese: str, english: str) -> str:
    """The text for the active language, for data kept in both (rules, categories, indicators)."""
    return vietnamese if (get_language() or "vi").startswith("vi") else english
