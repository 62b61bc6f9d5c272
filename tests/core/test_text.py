from hypothesis import given
from hypothesis import strategies as st

from core.months import add_months, first_of_month
from core.text import fold_vietnamese


def test_fold_vietnamese_strips_every_diacritic_and_d_bar():
    assert fold_vietnamese("Nguyễn Thị Hiếu Trang") == "nguyen thi hieu trang"
    assert fold_vietnamese("ĐẶNG  Văn   Đức") == "dang van duc"
    assert fold_vietnamese("Ấp Đông Hà") == "ap dong ha"


VIETNAMESE_LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"


@given(
    st.lists(
        st.text(alphabet=VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper(), min_size=1, max_size=8),
        min_size=1,
        max_size=5,
    )
)
def test_folded_text_is_plain_ascii_lowercase_and_idempotent(words):
    folded = fold_vietnamese(" ".join(words))

    assert folded.isascii()
    assert folded == folded.lower()
    assert fold_vietnamese(folded) == folded
    assert len(folded.split()) == len(words)


def test_month_helpers():
    from datetime import date

    assert first_of_month(date(2026, 2, 28)) == date(2026, 2, 1)
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
