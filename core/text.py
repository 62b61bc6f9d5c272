"""Vietnamese text helpers shared by every app."""

import unicodedata


def fold_vietnamese(text: str) -> str:
    """Lower-case ``text`` and strip its diacritics, so "Nguyễn Thị Hiếu" matches "nguyen thi hieu".

    "đ"/"Đ" is a separate letter, not a base letter with a mark, so it is mapped by hand.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
