"""The confirmation step before an irreversible action (drawing a panel, signing, requesting a review,
submitting an opinion): a plain page that says what will happen and posts the same fields once more with
``confirmed=1``. It works without JavaScript; a view calls ``is_confirmed`` first and, when not yet
confirmed, returns ``confirm_page``."""

from __future__ import annotations

from collections.abc import Sequence

from flask import render_template, request
from flask.typing import ResponseReturnValue

CONFIRM_FIELD = "confirmed"
NOT_REPOSTED = {"csrf_token", CONFIRM_FIELD}


def is_confirmed() -> bool:
    return request.form.get(CONFIRM_FIELD) == "1"


def reposted_fields() -> list[tuple[str, str]]:
    """Every submitted field but the token and the confirmation flag, in order, repeated keys kept."""
    return [(k, v) for k, values in request.form.lists() if k not in NOT_REPOSTED for v in values]


def confirm_page(
    *, title: str, consequences: Sequence[str], back_url: str, button: str = "确认", warning: str = "",
    acknowledge: tuple[str, str] | None = None, undoable: bool = False,
) -> ResponseReturnValue:  # fmt: skip
    """The page that asks once more: what will happen, the same fields hidden, a confirm and a back button.

    ``consequences`` are plain sentences (escaped by the template); ``warning`` is shown above them when an
    input looks contradictory (for example 通过 with a failed checklist item). ``acknowledge`` is
    (field name, sentence): a box the user must tick on this page, posted as ``name=1`` (the service
    checks it; the browser's ``required`` is only a convenience). ``undoable`` drops the "cannot be undone"
    line for actions that can be (disabling an account, which can be enabled again).
    """
    return render_template(
        "_confirm.html", title=title, consequences=list(consequences), back_url=back_url, button=button,
        warning=warning, fields=[f for f in reposted_fields() if not acknowledge or f[0] != acknowledge[0]],
        action=request.path, acknowledge=acknowledge, undoable=undoable,
    )  # fmt: skip
