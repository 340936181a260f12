"""A review page's similar past conclusions (issue 22 item 9): kept per model and grant until a change passes the
search outbox, so each view of a review does not read thousands of documents again; another grant is another
entry (nothing kept leaks across scopes); an index that cannot answer is not kept."""

from __future__ import annotations

from typing import Any

from knowledge import outbox
from knowledge.accounts.models import Role
from knowledge.accounts.permissions import Scope
from knowledge.regions import City
from search_index.query import Hit
from webapp.search.hits import similar_conclusions


class CountingIndex:
    def __init__(self) -> None:
        self.asked: list[Any] = []
        self.broken = False

    def more_like_this(self, doc_id: str, **kwargs: Any) -> list[Hit]:
        if self.broken:
            raise OSError("index unreadable")
        self.asked.append(kwargs["allowed"])
        return [Hit(f"review:{n}", "review", f"结论{n}", f"/reviews/{n}", "nanjing", "excavation", "", 1.0, [])
                for n in (len(self.asked), 99)]  # fmt: skip


def test_kept_until_a_change_passes_the_outbox_and_per_grant(app, session):
    app.config["SIMILAR_FRESH_SECONDS"] = 600
    index = CountingIndex()
    nanjing = Scope(1, Role.REGULATOR, City.NANJING)
    suzhou = Scope(2, Role.REGULATOR, City.SUZHOU)
    with app.test_request_context("/reviews/1"):
        first = similar_conclusions(index, "review:7", nanjing, skip="review:99")
        assert [h.doc_id for h in first] == ["review:1"]
        assert similar_conclusions(index, "review:7", nanjing, skip="review:99") == first
        assert len(index.asked) == 1  # kept
        similar_conclusions(index, "review:7", suzhou, skip="review:99")
        assert len(index.asked) == 2 and index.asked[0] != index.asked[1]  # another grant, asked again
        outbox.record(session, "review:8")
        session.commit()
        again = similar_conclusions(index, "review:7", nanjing, skip="review:99")
        assert len(index.asked) == 3 and [h.doc_id for h in again] == ["review:3"]  # a change: asked again
        index.broken = True
        assert similar_conclusions(index, "review:8", nanjing) == []  # not kept: asked again once it reads
        index.broken = False
        assert [h.doc_id for h in similar_conclusions(index, "review:8", nanjing)] == [
            "review:4",
            "review:99",
        ]
    app.config["SIMILAR_FRESH_SECONDS"] = 0
    with app.test_request_context("/reviews/1"):
        similar_conclusions(index, "review:7", nanjing, skip="review:99")
        assert len(index.asked) == 5  # 0: asked on every view
