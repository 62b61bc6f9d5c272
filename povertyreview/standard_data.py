"""The standards the product ships with, loaded by a data migration (and by ``load_demo``).

Sources: legal-reference.md §1–2. Income lines and the classification rule are confirmed. The
deprivation definitions of 2022–2025 come from secondary sources (the decree's appendix wording
was not retrieved); the 2027–2030 indicator set follows the September 2025 draft and its
thresholds are unconfirmed. Both are editable by an administrator (audited), which is why they
are data and not code.
"""

STANDARD_2022 = "2022-2025"
STANDARD_2027 = "2027-2030"

# code, dimension, name_vi, name_en, definition_vi, definition_en, registry source
INDICATORS_2022 = [
    ("employment", "employment", "Việc làm", "Employment",
     "Hộ có ít nhất 1 người trong độ tuổi lao động thất nghiệp, hoặc làm công hưởng lương không có hợp đồng lao động.",
     "At least 1 member of working age is unemployed, or works for wages without a labour contract.", ""),
    ("dependants", "employment", "Người phụ thuộc trong hộ gia đình", "Dependants in the household",
     "Người phụ thuộc (trẻ em dưới 16 tuổi, người cao tuổi, người khuyết tật hưởng trợ cấp hằng tháng) chiếm trên 50% số thành viên.",
     "Dependants (children under 16; elderly or disabled people on monthly allowances) are more than 50% of members.", ""),
    ("nutrition", "health", "Dinh dưỡng", "Nutrition",
     "Hộ có ít nhất 1 trẻ em dưới 16 tuổi bị suy dinh dưỡng chiều cao theo tuổi hoặc cân nặng theo tuổi.",
     "At least 1 child under 16 is stunted (height for age) or underweight (weight for age).", ""),
    ("health_insurance", "health", "Bảo hiểm y tế", "Health insurance",
     "Hộ có ít nhất 1 thành viên từ đủ 6 tuổi trở lên không có bảo hiểm y tế.",
     "At least 1 member aged 6 or older has no health insurance.", "health_insurance"),
    ("adult_education", "education", "Trình độ giáo dục của người lớn", "Adult education level",
     "Hộ có ít nhất 1 người từ 16 đến 30 tuổi không đạt trình độ giáo dục, đào tạo phù hợp với độ tuổi.",
     "At least 1 person aged 16–30 lacks the schooling or training expected for their age.", ""),
    ("school_attendance", "education", "Tình trạng đi học của trẻ em", "Children's school attendance",
     "Hộ có ít nhất 1 trẻ em từ 3 đến dưới 16 tuổi không được học đúng bậc, cấp học phù hợp với độ tuổi.",
     "At least 1 child aged 3 to under 16 does not attend the school level that fits their age.", ""),
    ("housing_quality", "housing", "Chất lượng nhà ở", "Housing quality",
     "Hộ đang sống trong nhà ở thiếu kiên cố hoặc đơn sơ (ít nhất 2 trong 3 kết cấu chính: tường, cột, mái làm bằng vật liệu không bền chắc).",
     "The household lives in a non-durable house (at least 2 of walls, columns and roof of non-durable materials).", ""),
    ("housing_area", "housing", "Diện tích nhà ở bình quân đầu người", "Housing area per person",
     "Diện tích nhà ở bình quân đầu người của hộ nhỏ hơn 8 m².",
     "Less than 8 m² of housing per person.", "housing_area"),
    ("water", "water_sanitation", "Nguồn nước sinh hoạt", "Domestic water source",
     "Hộ không tiếp cận được nguồn nước sinh hoạt an toàn (nước máy, giếng khoan, giếng đào được bảo vệ, nước mưa, nước đóng chai…).",
     "No access to safe domestic water (piped, drilled well, protected dug well or spring, rain or bottled water).", ""),
    ("latrine", "water_sanitation", "Nhà tiêu hợp vệ sinh", "Hygienic latrine",
     "Hộ không sử dụng nhà tiêu hợp vệ sinh (tự hoại, bán tự hoại, dội nước…).",
     "The household has no hygienic latrine (septic, semi-septic, pour-flush…).", ""),
    ("telecom", "information", "Sử dụng dịch vụ viễn thông", "Use of telecom services",
     "Hộ không có thành viên nào sử dụng dịch vụ internet.",
     "No member of the household uses internet services.", ""),
    ("information_assets", "information", "Phương tiện phục vụ tiếp cận thông tin", "Assets for information access",
     "Hộ không có phương tiện tiếp cận thông tin (ti vi, radio, máy tính, điện thoại…) và phương tiện tiếp cận thị trường (ô tô, xe máy, ghe thuyền…).",
     "No information device (TV, radio, computer, phone…) and no market-access asset (car, motorbike, boat…).", ""),
]  # fmt: skip

_UNCONFIRMED_VI = " (Ngưỡng chưa được xác nhận: kiểm tra văn bản hướng dẫn chính thức.)"
_UNCONFIRMED_EN = " (Threshold not confirmed: check the official guidance.)"


def _indicators_2027():
    keep = [row for row in INDICATORS_2022 if row[0] != "information_assets"]
    telecom = ("telecom", "information", "Sử dụng dịch vụ viễn thông, dịch vụ số", "Use of digital and internet services",
               "Hộ không có thành viên nào sử dụng dịch vụ internet hoặc dịch vụ số.",
               "No member of the household uses internet or digital services.", "")  # fmt: skip
    waste = ("waste_treatment", "water_sanitation", "Xử lý chất thải sinh hoạt", "Domestic waste treatment",
             "Chất thải rắn sinh hoạt của hộ không được thu gom, xử lý theo quy định.",
             "The household's domestic solid waste is not collected or treated as required.", "")  # fmt: skip
    rows = [telecom if row[0] == "telecom" else row for row in keep] + [waste]
    return [
        (code, dimension, name_vi, name_en, definition_vi + _UNCONFIRMED_VI, definition_en + _UNCONFIRMED_EN, source)
        for code, dimension, name_vi, name_en, definition_vi, definition_en, source in rows
    ]


STANDARDS = [
    {
        "code": STANDARD_2022,
        "name": "Chuẩn nghèo đa chiều giai đoạn 2022–2025",
        "legal_basis": "Nghị định 07/2021/NĐ-CP; kéo dài đến hết năm 2026 theo Nghị định 351/2025/NĐ-CP",
        "poor_min_deprivations": 3,
        "notes": "Deprivation definitions from secondary sources; verify against the decree's appendix.",
        "lines": {"rural": (1_500_000, 2_250_000), "urban": (2_000_000, 3_000_000)},
        "indicators": INDICATORS_2022,
    },
    {
        "code": STANDARD_2027,
        "name": "Chuẩn nghèo đa chiều giai đoạn 2027–2030",
        "legal_basis": "Nghị định 351/2025/NĐ-CP",
        "poor_min_deprivations": 3,
        "notes": (
            "Income lines confirmed. The indicator set follows the September 2025 draft and its thresholds are "
            "not confirmed; no middle-income band has been published. Edit when the guidance appears."
        ),
        "lines": {"rural": (2_200_000, None), "urban": (2_800_000, None)},
        "indicators": _indicators_2027(),
    },
]

# Review year -> standard. The review held late in year Y makes the list for Y + 1, so the review
# of 2026 (lists for 2027) is the first under 2027–2030. Which review first uses the new standard
# is unconfirmed (legal-reference.md §2): an administrator changes the period if needed.
PERIODS = dict.fromkeys(range(2021, 2026), STANDARD_2022) | dict.fromkeys(range(2026, 2030), STANDARD_2027)


def load_standards(apps=None) -> None:
    """Create the shipped standards and periods where missing; never overwrite an edited one."""
    if apps is None:
        from django.apps import apps as django_apps

        apps = django_apps
    standard_model = apps.get_model("povertyreview", "PovertyStandard")
    line_model = apps.get_model("povertyreview", "IncomeLine")
    indicator_model = apps.get_model("povertyreview", "Indicator")
    period_model = apps.get_model("povertyreview", "ReviewPeriod")
    for spec in STANDARDS:
        standard, created = standard_model.objects.get_or_create(
            code=spec["code"],
            defaults={key: spec[key] for key in ("name", "legal_basis", "poor_min_deprivations", "notes")},
        )
        if not created:
            continue
        line_model.objects.bulk_create(
            line_model(standard=standard, area=area, poverty_line=line, middle_income_ceiling=ceiling)
            for area, (line, ceiling) in spec["lines"].items()
        )
        indicator_model.objects.bulk_create(
            indicator_model(
                standard=standard,
                code=code,
                dimension=dimension,
                position=position,
                name_vi=name_vi,
                name_en=name_en,
                definition_vi=definition_vi,
                definition_en=definition_en,
                registry_source=source,
            )
            for position, (code, dimension, name_vi, name_en, definition_vi, definition_en, source) in enumerate(
                spec["indicators"], start=1
            )
        )
    standards = {standard.code: standard for standard in standard_model.objects.all()}
    for year, code in PERIODS.items():
        period_model.objects.get_or_create(year=year, defaults={"standard": standards[code]})
