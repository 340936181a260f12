"""How a workbench task names what it is about: the project, then the work, as a person recognises them."""

from __future__ import annotations

from knowledge.workbench.subjects import subject


def of_work(project_name: str, work_name: str, detail: str = "") -> str:
    """``项目名 · 工作名``, with a short note in brackets where one helps (how many, which version); the same
    wording as the registry's and the site's tasks (``knowledge.workbench.subjects``)."""
    return subject(project_name, work_name, detail=detail)
