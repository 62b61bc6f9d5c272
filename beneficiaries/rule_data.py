"""The allowance rules the product ships with (rules.md §1–2; legal-reference.md §4), loaded by a
data migration. Administrators edit them in /admin/ (with history); a new base level (e.g. a 2026
rise) is a new row from its month, and the engine pays arrears for months already passed.
"""

from datetime import date

BASE_LEVELS = [
    (date(2021, 7, 1), 360_000, "Nghị định 20/2021/NĐ-CP"),
    (date(2024, 7, 1), 500_000, "Nghị định 76/2024/NĐ-CP"),
]
RULES_FROM = date(2021, 7, 1)

# code, name_vi, name_en, legal basis, per-child addition, registry checks, declarations (vi, en),
# bands [(min_age, max_age, coefficient)] with max_age exclusive and None for no bound.
CATEGORIES = [
    ("5.1", "Trẻ em dưới 16 tuổi không có nguồn nuôi dưỡng", "Child under 16 with no source of support",
     "NĐ 20/2021 Điều 5 khoản 1", False, [],
     ("Mồ côi, bị bỏ rơi hoặc cha mẹ mất tích, đang chấp hành án…", "Orphaned, abandoned, or parents missing or imprisoned…"),
     [(None, 4, "2.5"), (4, 16, "1.5")]),
    ("5.2", "Người từ 16 đến 22 tuổi thuộc khoản 1 đang đi học", "Person of 5.1 aged 16–22 still in education",
     "NĐ 20/2021 Điều 5 khoản 2", False, [],
     ("Đang học phổ thông, nghề, trung cấp, cao đẳng hoặc đại học văn bằng thứ nhất", "In school, vocational training, college or a first degree"),
     [(16, 23, "1.5")]),
    ("5.3", "Trẻ em nhiễm HIV/AIDS thuộc hộ nghèo", "Child with HIV in a poor household",
     "NĐ 20/2021 Điều 5 khoản 3", False, ["poor"], ("", ""),
     [(None, 4, "2.5"), (4, 16, "2.0")]),
    ("5.4", "Người đơn thân nghèo đang nuôi con", "Single parent in a poor household raising children",
     "NĐ 20/2021 Điều 5 khoản 4", True, ["poor_or_near_poor"],
     ("Không có chồng hoặc vợ; có chồng hoặc vợ đã chết hoặc mất tích", "Unmarried, or spouse dead or missing"),
     [(None, None, "1.0")]),
    ("5.5a", "Người cao tuổi thuộc hộ nghèo không có người phụng dưỡng", "Elderly in a poor household with no one to support them",
     "NĐ 20/2021 Điều 5 khoản 5 điểm a", False, ["poor"],
     ("Không có người có nghĩa vụ và quyền phụng dưỡng", "No one obliged and entitled to support them"),
     [(60, 80, "1.5"), (80, None, "2.0")]),
    ("5.5b", "Người từ 75 đến 80 tuổi thuộc hộ nghèo, cận nghèo ở vùng dân tộc thiểu số đặc biệt khó khăn",
     "Aged 75–80, poor or near-poor, in an extremely difficult ethnic-minority area",
     "NĐ 20/2021 Điều 5 khoản 5 điểm b", False, ["poor_or_near_poor"],
     ("Sống ở xã, thôn vùng đồng bào dân tộc thiểu số và miền núi đặc biệt khó khăn", "Lives in an extremely difficult ethnic-minority and mountain commune or village"),
     [(75, 80, "1.0")]),
    ("5.5c", "Người từ đủ 80 tuổi không có lương hưu, trợ cấp bảo hiểm xã hội", "Aged 80 or more with no pension or social-insurance allowance",
     "NĐ 20/2021 Điều 5 khoản 5 điểm c", False, [],
     ("Không hưởng lương hưu, trợ cấp bảo hiểm xã hội hằng tháng, trợ cấp xã hội hằng tháng", "No pension, monthly social-insurance or social allowance"),
     [(80, None, "1.0")]),
    ("5.5d", "Người cao tuổi thuộc hộ nghèo không có người phụng dưỡng, được nhận chăm sóc tại cộng đồng",
     "Poor elderly with no supporter, taken in by a carer in the community",
     "NĐ 20/2021 Điều 5 khoản 5 điểm d", False, ["poor"],
     ("Có người nhận chăm sóc tại cộng đồng", "A carer in the community takes them in"),
     [(60, None, "3.0")]),
    ("5.6es", "Người khuyết tật đặc biệt nặng", "Person with extremely severe disability",
     "NĐ 20/2021 Điều 5 khoản 6", False, ["extremely_severe_disability"], ("", ""),
     [(None, 16, "2.5"), (16, 60, "2.0"), (60, None, "2.5")]),
    ("5.6s", "Người khuyết tật nặng", "Person with severe disability",
     "NĐ 20/2021 Điều 5 khoản 6", False, ["severe_disability"], ("", ""),
     [(None, 16, "2.0"), (16, 60, "1.5"), (60, None, "2.0")]),
    ("5.7", "Trẻ em dưới 3 tuổi thuộc hộ nghèo, cận nghèo ở vùng dân tộc thiểu số đặc biệt khó khăn",
     "Child under 3, poor or near-poor, in an extremely difficult ethnic-minority area",
     "NĐ 20/2021 Điều 5 khoản 7", False, ["poor_or_near_poor"],
     ("Sống ở xã, thôn vùng đồng bào dân tộc thiểu số và miền núi đặc biệt khó khăn", "Lives in an extremely difficult ethnic-minority and mountain commune or village"),
     [(None, 3, "1.5")]),
    ("5.8", "Người nhiễm HIV/AIDS thuộc hộ nghèo không có nguồn thu nhập ổn định", "Person with HIV in a poor household with no stable income",
     "NĐ 20/2021 Điều 5 khoản 8", False, ["poor"],
     ("Không có thu nhập ổn định hằng tháng", "No stable monthly income"),
     [(None, None, "1.5")]),
]  # fmt: skip

ONE_OFF_RATES = [
    ("funeral", "Hỗ trợ chi phí mai táng", "Funeral support", "20", False, "NĐ 20/2021 Điều 11"),
    ("care_child_under_4", "Nhận nuôi dưỡng, chăm sóc trẻ em dưới 4 tuổi", "Caring for a child of 5.1 under 4", "2.5", True,
     "NĐ 20/2021 Điều 20"),
    ("care_child_4_16", "Nhận nuôi dưỡng trẻ em từ 4 đến dưới 16 tuổi hoặc người cao tuổi 5.5d",
     "Caring for a child of 5.1 aged 4–16 or an elderly person of 5.5d", "1.5", True, "NĐ 20/2021 Điều 20"),
    ("care_own_disabled", "Hộ gia đình trực tiếp chăm sóc người khuyết tật đặc biệt nặng",
     "Household caring for its own extremely severely disabled member", "1.0", True, "NĐ 20/2021 Điều 20"),
    ("care_disabled_parent", "Người khuyết tật nặng, đặc biệt nặng đang mang thai hoặc nuôi con dưới 36 tháng",
     "Severely disabled person pregnant or raising a child under 36 months", "1.5", True, "NĐ 20/2021 Điều 20"),
    ("care_disabled_parent_two", "Người khuyết tật mang thai và nuôi con dưới 36 tháng, hoặc nuôi từ 2 con",
     "Disabled person pregnant and raising a child under 36 months, or raising two or more", "2.0", True,
     "NĐ 20/2021 Điều 20"),
    ("care_take_in_disabled", "Nhận nuôi dưỡng người khuyết tật đặc biệt nặng", "Taking in an extremely severely disabled person",
     "1.5", True, "NĐ 20/2021 Điều 20"),
    ("care_take_in_disabled_child", "Nhận nuôi dưỡng trẻ em khuyết tật đặc biệt nặng",
     "Taking in an extremely severely disabled child", "2.5", True, "NĐ 20/2021 Điều 20"),
]  # fmt: skip


def load_rules(apps=None) -> None:
    """Create the shipped rules where missing; never overwrite an administrator's edit."""
    if apps is None:
        from django.apps import apps as django_apps

        apps = django_apps
    base_level = apps.get_model("beneficiaries", "BaseLevel")
    category_model = apps.get_model("beneficiaries", "Category")
    band_model = apps.get_model("beneficiaries", "CoefficientBand")
    rate_model = apps.get_model("beneficiaries", "OneOffRate")
    for effective_from, amount, basis in BASE_LEVELS:
        base_level.objects.get_or_create(
            province=None, effective_from=effective_from, defaults={"amount": amount, "legal_basis": basis}
        )
    for position, (code, name_vi, name_en, basis, per_child, checks, (decl_vi, decl_en), bands) in enumerate(
        CATEGORIES, start=1
    ):
        category, created = category_model.objects.get_or_create(
            code=code,
            defaults={
                "position": position,
                "name_vi": name_vi,
                "name_en": name_en,
                "legal_basis": basis,
                "per_child_addition": per_child,
                "conditions": checks,
                "declarations_vi": decl_vi,
                "declarations_en": decl_en,
            },
        )
        if created:
            band_model.objects.bulk_create(
                band_model(
                    category=category, min_age=low, max_age=high, coefficient=coefficient, effective_from=RULES_FROM
                )
                for low, high, coefficient in bands
            )
    for code, name_vi, name_en, coefficient, monthly, basis in ONE_OFF_RATES:
        rate_model.objects.get_or_create(
            code=code,
            defaults={
                "name_vi": name_vi,
                "name_en": name_en,
                "coefficient": coefficient,
                "monthly": monthly,
                "legal_basis": basis,
            },  # fmt: skip
        )
