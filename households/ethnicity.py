"""Vietnam's 54 ethnic groups with their official codes (GSO list of 1979, still in use)."""

from core.text import fold_vietnamese

ETHNIC_GROUPS = [
    ("01", "Kinh"), ("02", "Tày"), ("03", "Thái"), ("04", "Hoa"), ("05", "Khmer"), ("06", "Mường"),
    ("07", "Nùng"), ("08", "Mông"), ("09", "Dao"), ("10", "Gia Rai"), ("11", "Ngái"), ("12", "Ê Đê"),
    ("13", "Ba Na"), ("14", "Xơ Đăng"), ("15", "Sán Chay"), ("16", "Cơ Ho"), ("17", "Chăm"),
    ("18", "Sán Dìu"), ("19", "Hrê"), ("20", "Mnông"), ("21", "Raglai"), ("22", "Xtiêng"),
    ("23", "Bru Vân Kiều"), ("24", "Thổ"), ("25", "Giáy"), ("26", "Cơ Tu"), ("27", "Giẻ Triêng"),
    ("28", "Mạ"), ("29", "Khơ Mú"), ("30", "Co"), ("31", "Tà Ôi"), ("32", "Chơ Ro"), ("33", "Kháng"),
    ("34", "Xinh Mun"), ("35", "Hà Nhì"), ("36", "Chu Ru"), ("37", "Lào"), ("38", "La Chí"),
    ("39", "La Ha"), ("40", "Phù Lá"), ("41", "La Hủ"), ("42", "Lự"), ("43", "Lô Lô"), ("44", "Chứt"),
    ("45", "Mảng"), ("46", "Pà Thẻn"), ("47", "Cờ Lao"), ("48", "Cống"), ("49", "Bố Y"), ("50", "Si La"),
    ("51", "Pu Péo"), ("52", "Brâu"), ("53", "Ơ Đu"), ("54", "Rơ Măm"),
]  # fmt: skip
ETHNICITY_CHOICES = ETHNIC_GROUPS
KINH = "01"

# Other spellings met in real files, folded.
_ALIASES = {"hmong": "08", "h'mong": "08", "h mong": "08", "ede": "12", "e de": "12", "bana": "13",
            "gia-rai": "10", "jrai": "10", "ra glai": "21", "stieng": "22", "co lao": "47", "bru van kieu": "23",
            "bru-van kieu": "23", "ta oi": "31", "kho mu": "29", "khmu": "29", "gie trieng": "27"}  # fmt: skip
_BY_FOLDED_NAME = {fold_vietnamese(name): code for code, name in ETHNIC_GROUPS} | _ALIASES


def ethnicity_code(name: str) -> str | None:
    """The official code for a name as written in a file ("Khmer", "kinh", "H'Mông"), or None."""
    folded = fold_vietnamese(name)
    return _BY_FOLDED_NAME.get(folded) or _BY_FOLDED_NAME.get(folded.replace("'", "").replace("-", " "))


def ethnicity_name(code: str) -> str:
    return dict(ETHNIC_GROUPS).get(code, "")
