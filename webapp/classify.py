"""The classification tool page: fill a sub-type's parameters, see the verdict and the clauses that fired."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from knowledge.errors import DomainError
from knowledge.registry.rules import classify
from knowledge.registry.verdicts import classification_json
from webapp.works.params import CATALOGUE, find_kind, raw_parameters

bp = Blueprint("classify", __name__, url_prefix="/classify")


@bp.route("/", methods=["GET"])
@login_required
def page() -> ResponseReturnValue:
    """A GET form, so a result can be bookmarked or shared as a link; nothing is stored."""
    kind = request.args.get("kind", "")
    chosen = find_kind(kind)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    result = None
    if chosen and request.args.get("go"):
        category, sub_type = chosen
        values = raw_parameters(request.args, sub_type)
        try:
            result = classification_json(classify(category.code, values, sub_type.code))
        except DomainError as exc:
            errors[exc.field or "parameters"] = str(exc)
    return render_template(
        "classify.html",
        catalogue=CATALOGUE,
        kind=kind,
        chosen=chosen,
        values=values,
        errors=errors,
        result=result,
    )
