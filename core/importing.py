"""The steps every import command shares: who imports, reading the file, printing the report.

Each app keeps its own reader and importer (``read_rows`` / ``import_households``,
``read_survey`` / ``import_survey``, …); a command strings them together with these helpers so that
all of them answer the same way: every bad line as "line N, column C: message", a non-zero exit
when anything is wrong, and nothing saved then.
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from core.tabular import operator_file


def command_user(username: str, capability: str, refused: str):
    """The active user called ``username`` who has ``capability``; else a CommandError."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user {username!r}.")
    if not user.is_active or not getattr(user, capability):
        raise CommandError(f"{username} {refused}.")
    return user


def command_read(path: str, reader: Callable):
    """``reader(stream, name)`` over the file at ``path``; unreadable or malformed: CommandError. The
    file is the operator's, on the server: the upload limits of the pages do not apply."""
    try:
        with open(path, "rb") as stream, operator_file():
            return reader(stream, path)
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from error


def command_report_errors(report, write: Callable[[str], object]) -> None:
    """Print every error of a report; if there is any, stop with a CommandError (exit code 1)."""
    for error in report.errors:
        line = f"line {error.row} ({error.person})" if error.person else f"line {error.row}"
        where = f"{line}, column {error.column}" if error.column else line
        write(f"{where}: {error.message}" if error.row else error.message)
    if not report.ok:
        raise CommandError(f"{len(report.errors)} errors: nothing was imported.")
