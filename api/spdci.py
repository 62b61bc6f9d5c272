"""The SPDCI social-registry search criteria read as the household list's filters: a translation of the
protocol, no rule of its own. What the registry may answer, and how a name or a number is matched, stays
the list's (``api.scoping``: the same selectors, scope, refusal of partial numbers for masked roles).

Supported (docs/api-spdci.md): ``idtype-value`` with our identifier types ``NATIONAL_ID`` and ``PHONE``,
and ``predicate``: expressions ``name``, ``national_id``, ``phone`` and ``birth_date``, operator ``eq``,
joined by ``and``. ``expression`` (a query language of the registry's choosing) and ``sort`` are not:
they are refused with the spec's reason codes, never ignored, so a caller never reads an answer to a
question it did not ask.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from households.identity import normalise_phone
from households.searching import NATIONAL_ID_LENGTH, identifier_digits

# The spec's SearchStatusReasonCode values we answer with.
CRITERIA_INVALID = "rjct.search_criteria.invalid"
SORT_INVALID = "rjct.sort.invalid"
PAGINATION_INVALID = "rjct.pagination.invalid"
REFERENCE_DUPLICATE = "rjct.reference_id.duplicate"
TIMESTAMP_INVALID = "rjct.timestamp.invalid"

# Our identifier types (the spec leaves the names to the registry: "defined as per implementation context").
NATIONAL_ID = "NATIONAL_ID"  # the 12-digit CCCD
PHONE = "PHONE"  # E.164 (+84…)
HEALTH_INSURANCE = "HEALTH_INSURANCE"  # the health-insurance card number (shown, not searched)
PERSON_UUID = "PERSON_UUID"  # our person's id (member_identifier)
HOUSEHOLD_UUID = "HOUSEHOLD_UUID"  # our household's id (group_identifier)
HOUSEHOLD_CODE = "HOUSEHOLD_CODE"  # the household's code in its commune (group_identifier)
SEARCHABLE_ID_TYPES = (NATIONAL_ID, PHONE)

# Predicate attributes: the text ones go to the list's search box, one at a time.
TEXT_ATTRIBUTES = {"name": "name", "national_id": NATIONAL_ID, "phone": PHONE}
BIRTH_DATE = "birth_date"

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PREDICATES = 4


class Rejected(Exception):
    """A request of the batch the registry does not answer: the spec's reason code and a message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message[:999]  # the spec's maxLength


@dataclass
class Criteria:
    """A search request as the list's filters: the search box's text (a name or a whole number) and a
    birth date; what kind of record is answered; the page asked for."""

    search: str = ""
    born_on: date | None = None
    entity: str = "Group"
    page_size: int = DEFAULT_PAGE_SIZE
    page_number: int = 1
    log: dict = field(default_factory=dict)

    def filters(self) -> dict:
        return {"search": self.search, "born_on": self.born_on}


def _text(value, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Rejected(CRITERIA_INVALID, f"The value of {what} must be a string.")
    text = str(value).strip()
    if not text or len(text) > 100:
        raise Rejected(CRITERIA_INVALID, f"The value of {what} must have 1 to 100 characters.")
    return text


def _identifier(id_type: str, value) -> str:
    """The whole number an identifier search names, as the list's search box takes it. Part of a number
    is refused here for everyone: an identifier is matched whole (a masked role is refused before, by the
    list's own refusal, with its message and its count)."""
    text = _text(value, id_type)
    digits = identifier_digits(text)
    if id_type == NATIONAL_ID:
        if digits is None or len(digits) != NATIONAL_ID_LENGTH:
            raise Rejected(CRITERIA_INVALID, "A national ID is searched with its 12 digits.")
        return digits
    try:
        phone = normalise_phone(text) if digits is not None else ""
    except ValueError:
        phone = ""
    if not phone:
        raise Rejected(CRITERIA_INVALID, "A phone is searched with its whole number (0987654321 or +84987654321).")
    return phone


def _birth_date(value) -> date:
    text = _text(value, BIRTH_DATE)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", text):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise Rejected(CRITERIA_INVALID, "A birth date is a date, YYYY-MM-DD.")


def _id_type_value(query) -> tuple[str, str]:
    if not isinstance(query, dict) or set(query) - {"type", "value"} or "type" not in query or "value" not in query:
        raise Rejected(CRITERIA_INVALID, 'An idtype-value query is {"type": …, "value": …}.')
    id_type = query["type"]
    if id_type not in SEARCHABLE_ID_TYPES:
        raise Rejected(CRITERIA_INVALID, f"The identifier types searched are {', '.join(SEARCHABLE_ID_TYPES)}.")
    return id_type, query["value"]


def _predicates(query) -> list[tuple[str, object]]:
    """The (attribute, value) pairs of a predicate list, every one joined by "and" and compared by "eq"."""
    if not isinstance(query, list) or not 1 <= len(query) <= MAX_PREDICATES:
        raise Rejected(CRITERIA_INVALID, f"A predicate query is a list of 1 to {MAX_PREDICATES} predicates.")
    pairs = []
    for predicate in query:
        if not isinstance(predicate, dict) or "expression1" not in predicate:
            raise Rejected(CRITERIA_INVALID, "Each predicate has an expression1.")
        if set(predicate) - {"seq_num", "expression1", "condition", "expression2"}:
            raise Rejected(CRITERIA_INVALID, "A predicate has seq_num, expression1, condition and expression2.")
        expressions = [predicate["expression1"]]
        if predicate.get("expression2") is not None:
            expressions.append(predicate["expression2"])
        if predicate.get("condition", "and") not in ("and", None):
            raise Rejected(CRITERIA_INVALID, 'Predicates are joined by "and" only.')
        for expression in expressions:
            if not isinstance(expression, dict) or set(expression) != {"attribute_name", "operator", "attribute_value"}:
                raise Rejected(CRITERIA_INVALID, "An expression is {attribute_name, operator, attribute_value}.")
            name = expression["attribute_name"]
            if name not in (*TEXT_ATTRIBUTES, BIRTH_DATE):
                raise Rejected(
                    CRITERIA_INVALID, f"The attributes searched are {', '.join([*TEXT_ATTRIBUTES, BIRTH_DATE])}."
                )
            if expression["operator"] != "eq":
                raise Rejected(CRITERIA_INVALID, 'The operator is "eq" only.')
            pairs.append((name, expression["attribute_value"]))
    return pairs


def _page(pagination) -> tuple[int, int]:
    if pagination in (None, "", {}):
        return DEFAULT_PAGE_SIZE, 1
    if not isinstance(pagination, dict) or set(pagination) - {"page_size", "page_number"}:
        raise Rejected(PAGINATION_INVALID, "Pagination is {page_size, page_number}.")
    size, number = pagination.get("page_size"), pagination.get("page_number", 1)
    for value in (size, number):
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())  # not inf, not NaN
        if isinstance(value, bool) or not whole:
            raise Rejected(PAGINATION_INVALID, "page_size and page_number are whole numbers.")
    if not 1 <= size <= MAX_PAGE_SIZE or not 1 <= number <= 10_000:
        raise Rejected(PAGINATION_INVALID, f"page_size is 1 to {MAX_PAGE_SIZE}; page_number from 1.")
    return int(size), int(number)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text(data) -> bool:
    """Whether a JSON value holds a string PostgreSQL cannot store or compare (a NUL, a lone surrogate),
    in a key or a value at any depth: such a request is refused whole, before it reaches a query."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def read_criteria(criteria: dict) -> Criteria:
    """``search_criteria`` (already of the right shape: ``SearchCriteriaSerializer``) as the list's
    filters; raises ``Rejected`` with the spec's reason code."""
    if criteria.get("sort"):
        raise Rejected(SORT_INVALID, "Sorting is not supported: records come in the household list's order.")
    page_size, page_number = _page(criteria.get("pagination"))
    query_type, query = criteria["query_type"], criteria["query"]
    if query_type == "idtype-value":
        id_type, value = _id_type_value(query)
        pairs = [({NATIONAL_ID: "national_id", PHONE: "phone"}[id_type], value)]
    elif query_type == "predicate":
        pairs = _predicates(query)
    else:
        raise Rejected(CRITERIA_INVALID, "Expression queries are not supported: use idtype-value or predicate.")
    texts = [(name, value) for name, value in pairs if name in TEXT_ATTRIBUTES]
    dates = [value for name, value in pairs if name == BIRTH_DATE]
    if len(texts) > 1 or len(dates) > 1:
        raise Rejected(CRITERIA_INVALID, "One of name, national_id or phone, and one birth_date, at most.")
    result = Criteria(entity=criteria.get("response_entity") or "Group", page_size=page_size, page_number=page_number)
    if texts:
        name, value = texts[0]
        if name == "name":
            result.search = _text(value, "name")
            if not re.search(r"[^\W\d_]", result.search):
                raise Rejected(CRITERIA_INVALID, "A name has letters: search a number as national_id or phone.")
        else:
            result.search = _identifier(TEXT_ATTRIBUTES[name], value)
        result.log[name] = result.search
    if dates:
        result.born_on = _birth_date(dates[0])
        result.log[BIRTH_DATE] = result.born_on.isoformat()
    result.log["response_entity"] = result.entity
    return result


def raw_search_text(criteria: dict) -> str:
    """The text the caller typed for a name or a number, before our own checks: what the list's refusal
    of partial numbers for masked roles must see (so it answers with its message, and counts the search)."""
    query = criteria.get("query")
    if criteria.get("query_type") == "idtype-value" and isinstance(query, dict):
        value = query.get("value")
        return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if criteria.get("query_type") == "predicate" and isinstance(query, list):
        for predicate in query:
            for key in ("expression1", "expression2"):
                expression = predicate.get(key) if isinstance(predicate, dict) else None
                if isinstance(expression, dict) and expression.get("attribute_name") in TEXT_ATTRIBUTES:
                    value = expression.get("attribute_value")
                    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    return ""
