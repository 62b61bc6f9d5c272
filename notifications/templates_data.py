"""The message templates the product ships (loaded by migration 0002; an administrator edits the
wording afterwards in /admin/, and reloading never overwrites an edited template).

Placeholders are str.format fields filled by the code that asks for the message; dates arrive
formatted dd/mm/yyyy, months mm/yyyy and amounts with thousands separators (``rendering.render``).
Keep the Vietnamese SMS texts short: with diacritics an SMS part holds 70 characters (67 when
split), so every character counts.
"""

TEMPLATES = [
    {
        "code": "bhyt_renewal",
        "name": "Nhắc gia hạn thẻ BHYT",
        "description": "SMS to a person whose health-insurance card expires soon (daily reminder job).",
        "placeholders": "name, date, commune",
        "subject_vi": "Nhắc gia hạn thẻ BHYT",
        "subject_en": "Health-insurance card renewal",
        "body_vi": "Thẻ BHYT của {name} hết hạn ngày {date}. Mời đến UBND {commune} để gia hạn thẻ.",
        "body_en": "The health-insurance card of {name} expires on {date}. Please renew it at the {commune} "
        "People's Committee.",
    },
    {
        "code": "run_awaiting_approval",
        "name": "Danh sách chi trả chờ phê duyệt",
        "description": "Email to the commune chair when a monthly payment run has been computed.",
        "placeholders": "commune, month, count, amount, url",
        "subject_vi": "Danh sách chi trả tháng {month} chờ phê duyệt",
        "subject_en": "Payment run for {month} awaits approval",
        "body_vi": "Danh sách chi trả trợ cấp tháng {month} của {commune} ({count} người, {amount} đồng) "
        "đang chờ Chủ tịch phê duyệt: {url}",
        "body_en": "The allowance payment run for {month} of {commune} ({count} people, {amount} đồng) awaits "
        "the chair's approval: {url}",
    },
    {
        "code": "review_awaiting_approval",
        "name": "Kết quả rà soát chờ công nhận",
        "description": "Email to the commune chair when a poverty review reaches the approval step.",
        "placeholders": "commune, year, url",
        "subject_vi": "Kết quả rà soát hộ nghèo năm {year} chờ công nhận",
        "subject_en": "Poverty review {year} awaits approval",
        "body_vi": "Kết quả rà soát hộ nghèo, hộ cận nghèo năm {year} của {commune} đang chờ Chủ tịch công nhận: {url}",
        "body_en": "The {year} poverty review of {commune} awaits the chair's approval: {url}",
    },
    {
        "code": "complaint_received",
        "name": "Khiếu nại mới về rà soát",
        "description": "Email to the steering committee when a complaint about the review is registered.",
        "placeholders": "commune, year, household, complainant, deadline, url",
        "subject_vi": "Khiếu nại mới về rà soát hộ nghèo năm {year}",
        "subject_en": "New complaint about the {year} poverty review",
        "body_vi": "{commune}: có khiếu nại mới của {complainant} về hộ {household} (rà soát năm {year}), "
        "hạn trả lời {deadline}: {url}",
        "body_en": "{commune}: a new complaint from {complainant} about household {household} ({year} review), "
        "to be answered by {deadline}: {url}",
    },
    {
        "code": "posting_dates",
        "name": "Lịch niêm yết công khai",
        "description": "Email to the steering committee when the review's list is posted publicly.",
        "placeholders": "commune, year, start, end, place, url",
        "subject_vi": "Niêm yết danh sách rà soát hộ nghèo năm {year}",
        "subject_en": "Public posting of the {year} poverty review",
        "body_vi": "{commune}: danh sách rà soát hộ nghèo năm {year} được niêm yết công khai từ {start} đến {end} "
        "tại {place}. {url}",
        "body_en": "{commune}: the {year} poverty review list is posted publicly from {start} to {end} at {place}. "
        "{url}",
    },
    {
        "code": "amount_paid",
        "name": "Thông báo số tiền đã chi trả",
        "description": "SMS to a beneficiary when the payer reports their allowance of the month paid "
        "(only in communes that switch it on).",
        "placeholders": "name, month, amount, commune",
        "subject_vi": "Trợ cấp tháng {month}",
        "subject_en": "Allowance for {month}",
        "body_vi": "UBND {commune}: trợ cấp tháng {month} của {name} đã được chi trả {amount} đồng.",
        "body_en": "{commune} People's Committee: the allowance of {name} for {month} has been paid, {amount} đồng.",
    },
]


def load_templates(apps=None) -> int:
    """Create the shipped templates that are missing; never overwrite one an administrator edited.
    Returns how many were created."""
    if apps is None:
        from django.apps import apps as django_apps

        apps = django_apps
    model = apps.get_model("notifications", "MessageTemplate")
    existing = set(model.objects.values_list("code", flat=True))
    missing = [model(**spec) for spec in TEMPLATES if spec["code"] not in existing]
    model.objects.bulk_create(missing)
    return len(missing)
