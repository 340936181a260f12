"""The persons a plan version names as its compilers, checkers and approvers (编制人、审核人、审批人).

Each is kept with his unit and, when his ID number is given, its keyed hash: the conflict rules match that hash
to the pool's experts (DOMAIN 5, rule 4), never the name, which two people may share and one may spell two ways.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.enterprises import creditcode
from knowledge.errors import ValidationError
from knowledge.identity import IdentityVault, mask, normalize_id_number
from knowledge.plans.models import AuthorKind, PlanAuthor

NAME_MAX = 64
UNIT_MAX = 200
AUTHORS_MAX = 30


@dataclass(frozen=True)
class AuthorInput:
    """One row as typed on the upload form or sent to the API; ``kind`` a code (compiler) or label (编制人)."""

    kind: str
    name: str
    unit: str
    credit_code: str = ""
    id_number: str = ""

    @property
    def is_blank(self) -> bool:
        return not any(v.strip() for v in (self.name, self.unit, self.credit_code, self.id_number))


def author_kind(raw: str) -> AuthorKind | None:
    raw = raw.strip()
    return next((k for k in AuthorKind if raw in (k.value, k.label)), None)


def build_authors(rows: Sequence[AuthorInput], vault: IdentityVault) -> list[PlanAuthor]:
    """The checked rows, not yet tied to a version; a new version names at least one compiler (编制人).

    :raises ValidationError: (field "authors") naming the row and what is wrong with it.
    """
    if len(rows) > AUTHORS_MAX:
        raise ValidationError(f"编制人员最多登记{AUTHORS_MAX}人", field="authors")
    authors = [_author(i, row, vault) for i, row in enumerate(rows, start=1)]
    if not any(a.kind is AuthorKind.COMPILER for a in authors):
        raise ValidationError("请至少登记一名编制人（姓名、单位、身份证号码）", field="authors")
    seen: set[tuple[AuthorKind, str]] = set()
    for a in authors:
        if a.id_hash is not None:
            if (a.kind, a.id_hash) in seen:
                raise ValidationError(f"同一人（{a.id_masked}）重复登记为{a.kind.label}", field="authors")
            seen.add((a.kind, a.id_hash))
    return authors


def _author(i: int, row: AuthorInput, vault: IdentityVault) -> PlanAuthor:
    where = f"编制人员第{i}行"
    kind = author_kind(row.kind)
    if kind is None:
        raise ValidationError(f"{where}：身份应为编制人、审核人或审批人", field="authors")
    name, unit = row.name.strip(), row.unit.strip()
    if not name or not unit:
        raise ValidationError(f"{where}：请填写姓名和所在单位", field="authors")
    if len(name) > NAME_MAX or len(unit) > UNIT_MAX:
        raise ValidationError(f"{where}：姓名不超过{NAME_MAX}字，单位不超过{UNIT_MAX}字", field="authors")
    code = ""
    if row.credit_code.strip():
        try:
            code = creditcode.validate(row.credit_code)
        except creditcode.CreditCodeError as exc:
            raise ValidationError(f"{where}：{exc}", field="authors") from exc
    number = None
    if row.id_number.strip():
        try:
            number = normalize_id_number(row.id_number, field="authors")
        except ValidationError as exc:
            raise ValidationError(f"{where}：{exc}", field="authors") from exc
    return PlanAuthor(
        kind=kind, name=name, unit_name=unit, unit_credit_code=code,
        id_hash=vault.lookup_hash(number) if number else None, id_masked=mask(number) if number else "",
    )  # fmt: skip
