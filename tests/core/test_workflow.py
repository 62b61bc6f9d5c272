"""The workflow mechanism on its own: which row allows an act, in which order the refusals come,
and what a user is offered."""

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.workflow import Transition, Workflow


@dataclass
class Thing:
    status: str
    commune_id: str = "A"


@dataclass
class Person:
    can_file: bool = False
    can_sign: bool = False
    communes: tuple = ("A",)


def door(user, capability, commune_id):
    if not getattr(user, capability) or commune_id not in user.communes:
        raise PermissionDenied


WORKFLOW = Workflow(
    [
        Transition("file", ("draft",), "filed", "can_file"),
        Transition("sign", ("filed",), "signed", "can_sign", guard=lambda thing: thing.commune_id != "X"),
        Transition("withdraw", ("draft", "filed"), "withdrawn", "can_file", refusals={"signed": "Too late."}),
        Transition("withdraw", ("signed",), "withdrawn", "can_sign"),
    ],
    door=door,
    refusal=lambda thing: f"It is {thing.status}.",
)
CLERK, CHIEF = Person(can_file=True), Person(can_sign=True)


def refusal(call) -> dict:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.message_dict


def test_check_returns_the_row_that_allows_the_act():
    assert WORKFLOW.check(CLERK, Thing("draft"), "file").target == "filed"
    assert WORKFLOW.check(CHIEF, Thing("signed"), "withdraw").capability == "can_sign"


def test_one_capability_the_role_and_scope_come_before_the_status():
    with pytest.raises(PermissionDenied):
        WORKFLOW.check(CHIEF, Thing("signed"), "file")
    with pytest.raises(PermissionDenied):
        WORKFLOW.check(Person(can_file=True, communes=("B",)), Thing("draft"), "file")
    assert refusal(lambda: WORKFLOW.check(CLERK, Thing("filed"), "file")) == {"status": ["It is filed."]}


def test_several_capabilities_the_status_comes_first_then_its_rows_role():
    assert refusal(lambda: WORKFLOW.check(CHIEF, Thing("withdrawn"), "withdraw")) == {"status": ["It is withdrawn."]}
    with pytest.raises(PermissionDenied):
        WORKFLOW.check(CLERK, Thing("signed"), "withdraw")
    with pytest.raises(PermissionDenied):
        WORKFLOW.check(CHIEF, Thing("draft"), "withdraw")


def test_a_guard_and_a_refusal_of_its_own():
    chief_of_x = Person(can_sign=True, communes=("A", "X"))
    assert refusal(lambda: WORKFLOW.check(chief_of_x, Thing("filed", "X"), "sign")) == {"status": ["It is filed."]}
    stricter = Workflow(WORKFLOW.transitions[2:3], door=door, refusal=lambda thing: "Generic.")
    assert refusal(lambda: stricter.check(CLERK, Thing("signed"), "withdraw")) == {"status": ["Too late."]}


def test_available_lists_the_acts_in_the_tables_order():
    assert WORKFLOW.available(CLERK, Thing("draft")) == ["file", "withdraw"]
    assert WORKFLOW.available(CHIEF, Thing("filed")) == ["sign"]
    assert WORKFLOW.available(CHIEF, Thing("signed")) == ["withdraw"]
    assert WORKFLOW.available(Person(can_file=True, communes=()), Thing("draft")) == []
    with pytest.raises(KeyError):
        WORKFLOW.check(CLERK, Thing("draft"), "unknown")
