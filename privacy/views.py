"""The access log's answers for the administrator: the log filtered by person, user or date, and a
person's data report for a data-subject request (their records and who processed them)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from core.pdf import pdf_response, render_pdf
from privacy.access import require_access_log_reader
from privacy.forms import AccessFilterForm, SubjectForm
from privacy.log import Purpose, record_view
from privacy.selectors import accesses
from privacy.subjects import find_subject, records_for_subject

PAGE_SIZE = 50
# A report lists at most this many accesses (the newest); the log page pages through all of them.
REPORT_LIMIT = 2000


@login_required
def access_log(request):
    require_access_log_reader(request.user)
    form = AccessFilterForm(request.GET or None)
    subject = None
    rows, has_next, not_found = [], False, False
    page = _page_number(request)
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        national_id = data.get("national_id", "")
        subject = find_subject(national_id) if national_id else None
        not_found = bool(national_id) and subject is None
        if not not_found:
            records = accesses(
                person_id=subject.person_id if subject else None,
                communes=subject.commune_ids if subject else (),
                username=data.get("username", ""),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
            rows = list(records[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
            has_next = len(rows) > PAGE_SIZE
            rows = rows[:PAGE_SIZE]
        if national_id:
            # Looking a person up in the log is itself a look at their data.
            record_view(
                request,
                purpose=Purpose.SEARCH,
                person_ids=[subject.person_id] if subject else [],
                count=len(rows),
                filters={"national_id": national_id},
            )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/access_log.html",
        {
            "form": form,
            "subject": subject,
            "not_found": not_found,
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "querystring": query.urlencode(),
        },
    )


@login_required
def subject_report(request):
    """A printable report for a data-subject request: who the person is, what each app holds on them,
    and every recorded access to their data within the retention period."""
    require_access_log_reader(request.user)
    form = SubjectForm(request.GET or None)
    subject = None
    if form.is_bound and form.is_valid():
        subject = find_subject(form.cleaned_data["national_id"])
    if subject is None:
        return render(
            request,
            "privacy/subject_report_form.html",
            {"form": form, "not_found": form.is_bound and form.is_valid()},
            status=404 if form.is_bound and form.is_valid() else 200,
        )
    records = list(accesses(person_id=subject.person_id, communes=subject.commune_ids)[: REPORT_LIMIT + 1])
    as_pdf = request.GET.get("format") == "pdf"
    record_view(
        request,
        purpose=Purpose.PRINT,
        person_ids=[subject.person_id],
        commune_ids=subject.commune_ids,
        filters={"format": "pdf"} if as_pdf else None,
    )
    context = {
        "subject": subject,
        "sections": records_for_subject(subject.person_id),
        "accesses": records[:REPORT_LIMIT],
        "truncated": len(records) > REPORT_LIMIT,
        "report_limit": REPORT_LIMIT,
        "printed_at": timezone.localtime(),
        "retention_days": settings.PERSONAL_DATA_ACCESS_RETENTION_DAYS,
        "pdf": as_pdf,
    }
    if as_pdf:
        pdf = render_pdf("privacy/subject_report.html", context)
        return pdf_response(pdf, f"personal-data-report-{subject.national_id}.pdf")
    return render(request, "privacy/subject_report.html", context)


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1
