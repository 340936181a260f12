"""The rows of a plan version's authors (编制人、审核人、审批人) on the upload and revision forms, and who of them
is an expert of the pool (shown to the office and regulators only: a project team must not learn the pool)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from expert_pool.experts import queries as expert_queries
from expert_pool.experts.identity import IdentityVault
from expert_pool.experts.models import Expert
from knowledge.accounts.permissions import Scope
from knowledge.plans.authors import AUTHORS_MAX, AuthorInput
from knowledge.plans.models import AuthorKind, PlanAuthor
from webapp.experts import vault as expert_vault
from webapp.extensions import db

ROWS_SHOWN = 6  # blank rows on a new form; more can be sent (up to AUTHORS_MAX) by the API
FIELDS = ("kind", "name", "unit", "credit_code", "id_number")
# The kinds the blank rows start with: a plan names its compiler, its checker and its approver.
DEFAULT_KINDS = (AuthorKind.COMPILER, AuthorKind.CHECKER, AuthorKind.APPROVER)


def vault() -> IdentityVault:
    """The expert pool's key: a plan author's ID hash must equal the pool's hash of the same number."""
    return expert_vault()


def field_name(i: int, name: str) -> str:
    return f"authors-{i}-{name}"


def authors_from(form: Mapping[str, str]) -> tuple[AuthorInput, ...]:
    """The filled rows of the form, in order; rows left blank are skipped."""
    rows = (AuthorInput(*(form.get(field_name(i, f), "") for f in FIELDS)) for i in range(AUTHORS_MAX))
    return tuple(r for r in rows if not r.is_blank)


def form_rows(values: Mapping[str, str]) -> list[dict[str, str]]:
    """The rows to show: what was sent (on an error), else ROWS_SHOWN blank rows with the usual kinds."""
    sent = max((i + 1 for i in range(AUTHORS_MAX) for f in FIELDS if values.get(field_name(i, f))), default=0)
    rows = []
    for i in range(max(sent, ROWS_SHOWN)):
        row = {f: values.get(field_name(i, f), "") for f in FIELDS}
        row["kind"] = row["kind"] or DEFAULT_KINDS[min(i, len(DEFAULT_KINDS) - 1)].value
        rows.append(row)
    return rows


def author_fields(values: Mapping[str, str]) -> dict[str, object]:
    """What ``works/_authors.html``'s ``author_rows`` needs, for a template's context."""
    return {"author_form_rows": form_rows(values), "author_kinds": list(AuthorKind)}


def pool_experts(authors: Iterable[PlanAuthor], scope: Scope) -> dict[int, Expert]:
    """The pool expert each author is (by the keyed ID hash), by author id; empty for roles that do not read
    the pool."""
    found = expert_queries.experts_by_id_hash(
        db.session, (a.id_hash for a in authors if a.id_hash), scope=scope
    )
    return {a.id: found[a.id_hash] for a in authors if a.id_hash in found}
