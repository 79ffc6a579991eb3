"""The submission form as flat fields (``authors.1.email``): read into a draft, written back, rows added or removed.

Authors add and remove author rows with submit buttons (``action=add-author`` or
``action=remove-<row>``), so this works without JavaScript: the page comes back with
everything typed so far and one row more or less. With JavaScript the page does the same
in place (see templates/submit.html). ``first_error_id`` names the field that gets the
focus when a page comes back with mistakes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData

from services.abstracts.domain import submission

AUTHOR_FIELDS = ("given_name", "family_name", "email", "affiliation", "country")
MAX_FORM_ROWS = 50
ADD_AUTHOR = "add-author"
REMOVE_AUTHOR = "remove-"


def author_draft(raw: Mapping[str, Any]) -> submission.AuthorDraft:
    texts = {k: submission.nfc(str(raw.get(k, ""))) for k in AUTHOR_FIELDS}
    return submission.AuthorDraft(
        **texts | {"country": texts["country"].upper()}, presenting=bool(raw.get("presenting"))
    )


def small_number(raw: str) -> int | None:
    """A form's small whole number (ASCII digits, at most 6), else None: never int() of '²' or of 5,000 digits."""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else None


def asked_rows(form: FormData) -> int:
    rows = small_number(str(form.get("rows", "3")))
    return min(rows, MAX_FORM_ROWS) if rows is not None else 10


def draft_from_form(form: FormData, drop_row: int | None = None) -> submission.Draft:
    """The form's fields as a draft; author rows left wholly blank (and ``drop_row``) are dropped."""
    authors = []
    for i in range(asked_rows(form)):
        raw = {k: str(form.get(f"authors.{i}.{k}", "")) for k in AUTHOR_FIELDS}
        if i != drop_row and any(v.strip() for k, v in raw.items() if k != "country"):
            authors.append(author_draft(raw | {"presenting": bool(form.get(f"authors.{i}.presenting"))}))
    return submission.Draft(
        format=str(form.get("format", "")),
        network=str(form.get("network", "")),
        title=submission.nfc(str(form.get("title", ""))),
        text=submission.nfc(str(form.get("text", "")), multiline=True),
        keywords=submission.parse_keywords(str(form.get("keywords", ""))),
        language=str(form.get("language", "en")),
        authors=tuple(authors),
        submitter_email=str(form.get("submitter_email", "")).strip(),
        notice_version=str(form.get("notice_version", "")).strip() or None,
    )


def form_values(draft: submission.Draft) -> dict[str, str]:
    """A draft as the form's flat field values (so errors' indices match the rows shown)."""
    values = {
        "format": draft.format,
        "network": draft.network,
        "title": draft.title,
        "text": draft.text,
        "keywords": ", ".join(draft.keywords),
        "language": draft.language,
        "submitter_email": draft.submitter_email,
        "notice_version": draft.notice_version or "",
    }
    for i, author in enumerate(draft.authors):
        values |= {f"authors.{i}.{k}": getattr(author, k) for k in AUTHOR_FIELDS}
        values[f"authors.{i}.presenting"] = "on" if author.presenting else ""
    return values


def rows_for(draft: submission.Draft | None, asked: int = 3, most: int = 10) -> int:
    filled = len(draft.authors) if draft else 0
    return max(1, min(max(asked, filled + 1), most))


def row_edit(form: FormData, most: int) -> tuple[submission.Draft, int, str] | None:
    """For an add/remove-row button: the draft kept so far, the rows to show and the field to focus; else None."""
    action = str(form.get("action", ""))
    if action == ADD_AUTHOR:
        draft = draft_from_form(form)
        rows = max(1, min(max(asked_rows(form), len(draft.authors)) + 1, most))
        return draft, rows, f"authors-{min(len(draft.authors), rows - 1)}-given_name"
    if action.startswith(REMOVE_AUTHOR) and (row := small_number(action.removeprefix(REMOVE_AUTHOR))) is not None:
        draft = draft_from_form(form, drop_row=row)
        rows = max(1, min(asked_rows(form) - 1, most), len(draft.authors))
        return draft, rows, "add-author"
    return None


def first_error_id(
    errors: Mapping[str, str], draft: submission.Draft | None = None, aliases: Mapping[str, str] | None = None
) -> str:
    """The id of the element to focus for the first error (errors come in the order the fields are shown).

    ``aliases`` maps an error that belongs to a group (a fieldset of checkboxes) to its first control.
    """
    if not errors:
        return ""
    name = next(iter(errors))
    if aliases and name in aliases:
        return aliases[name]
    if name == "authors":  # no field of its own: the fix is in the first row
        return "authors-0-presenting" if draft and draft.authors else "authors-0-given_name"
    if name.startswith("scores."):
        return f"{name.removeprefix('scores.')}-1"  # the first radio button of the criterion
    return name.replace(".", "-")
