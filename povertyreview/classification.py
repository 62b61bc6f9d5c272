"""The classification rule of a poverty standard (rules.md §3), as one pure function.

A standard is read once into ``StandardRules`` (one query for lines, one for indicators); after
that, classifying 100,000 households is plain arithmetic with no database access.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.formatting import number
from households.models import PovertyStatus


@dataclass(frozen=True)
class AreaRule:
    poverty_line: int
    middle_income_ceiling: int | None


@dataclass(frozen=True)
class StandardRules:
    code: str
    poor_min_deprivations: int
    areas: dict[str, AreaRule]
    # code -> display name, in the standard's order
    indicators: dict[str, str]

    def counted(self, deprived) -> list[str]:
        """The deprivations this standard counts (another standard's indicators are ignored)."""
        deprived = set(deprived)
        return [code for code in self.indicators if code in deprived]

    def classify(self, area: str, income_per_capita: int, deprived) -> str:
        return classify(income_per_capita, len(self.counted(deprived)), self.areas[area], self.poor_min_deprivations)

    def explain(self, area: str, income_per_capita: int, deprived) -> str:
        """'income 1.350.000 ≤ 1.500.000 rural line; deprived on 4: health insurance, …'"""
        rule = self.areas[area]
        counted = self.counted(deprived)
        area_label = _("rural") if area == "rural" else _("urban")
        values = {"income": number(income_per_capita), "line": number(rule.poverty_line), "area": area_label}
        if income_per_capita <= rule.poverty_line:
            income_part = _("income %(income)s ≤ %(line)s %(area)s line") % values
        else:
            income_part = _("income %(income)s > %(line)s %(area)s line") % values
            if rule.middle_income_ceiling is not None:
                values["ceiling"] = number(rule.middle_income_ceiling)
                if income_per_capita <= rule.middle_income_ceiling:
                    income_part += "; " + _("within the middle-income band (≤ %(ceiling)s)") % values
                else:
                    income_part += "; " + _("above the middle-income band (> %(ceiling)s)") % values
        if not counted:
            return income_part + "; " + _("no deprivation")
        names = ", ".join(self.indicators[code] for code in counted)
        return income_part + "; " + _("deprived on %(count)d: %(names)s") % {"count": len(counted), "names": names}


def classify(income_per_capita: int, deprivation_count: int, rule: AreaRule, poor_min_deprivations: int) -> str:
    """Decree 07/2021 Art. 3(2): at or below the line, poor with enough deprivations, else
    near-poor; in the band above it, middle-income; above the band (or with no band), none."""
    if income_per_capita <= rule.poverty_line:
        return PovertyStatus.POOR if deprivation_count >= poor_min_deprivations else PovertyStatus.NEAR_POOR
    if rule.middle_income_ceiling is not None and income_per_capita <= rule.middle_income_ceiling:
        return PovertyStatus.MIDDLE_INCOME
    return PovertyStatus.NONE


def rules_for(standard) -> StandardRules:
    return StandardRules(
        code=standard.code,
        poor_min_deprivations=standard.poor_min_deprivations,
        areas={
            line.area: AreaRule(line.poverty_line, line.middle_income_ceiling) for line in standard.income_lines.all()
        },
        indicators={indicator.code: indicator.name for indicator in standard.indicators.all()},
    )
