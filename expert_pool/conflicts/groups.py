"""Dated group membership for rule 3 (DOMAIN.md 5): which parent–subsidiary links are in force on a day, and
whether two units were in one group on some day of a job; pure, over plain ``GroupLink`` records."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from expert_pool.conflicts.records import GraphData, GroupLink
from knowledge.errors import ValidationError

Links = Mapping[int, tuple[GroupLink, ...]]  # enterprise -> its links to a parent, oldest first
ALWAYS = date.min  # the day an undated link is checked on: it holds on every day


class ConflictDataError(ValidationError):
    """The rows cannot make a graph: a parent cycle, an unknown code, a job that ends before it starts."""

    code = "conflict_data"


def links_of(data: GraphData) -> dict[int, tuple[GroupLink, ...]]:
    """Each enterprise's links, oldest first. Its dated links when it has any; otherwise its ``parent_id`` as
    an undated link (the enterprise was always in that group: rows from before the links had dates)."""
    dated: dict[int, list[GroupLink]] = {}
    for link in data.group_links:
        dated.setdefault(link.enterprise_id, []).append(link)
    links = {e: tuple(sorted(ls, key=lambda k: (k.start or ALWAYS, k.parent_id))) for e, ls in dated.items()}
    for e in data.enterprises:
        if e.parent_id is not None and e.id not in links:
            links[e.id] = (GroupLink(e.id, e.parent_id),)
    return links


def holds_on(link: GroupLink, day: date) -> bool:
    """Both ends included; a None end is open."""
    return (link.start is None or link.start <= day) and (link.end is None or day <= link.end)


def current_parents(links: Links) -> dict[int, int]:
    """The parent of each enterprise now: its link without an end (there is at most one)."""
    return {e: ls[-1].parent_id for e, ls in links.items() if ls[-1].end is None}


def check_links(links: Links) -> list[str]:
    """What is wrong with the links, in words: an end before its start, one's own parent, two links of one
    enterprise in force on the same day, or a cycle on some day (checked on every dated link's first day: all
    links of a cycle hold on the latest of their first days)."""
    bad: list[str] = []
    for e, ls in links.items():
        bad += [f"集团关系 企业#{e} 结束早于开始" for k in ls if k.start and k.end and k.end < k.start]
        bad += [f"集团关系 企业#{e} 以自身为上级" for k in ls if k.parent_id == e]
        for a, b in zip(ls, ls[1:], strict=False):
            if a.end is None or (b.start is not None and a.end >= b.start) or b.start is None:
                bad.append(f"集团关系 企业#{e} 同一天有两个上级单位")
    if bad:
        return bad
    for e, ls in links.items():
        for link in ls:
            if link.start is not None:
                try:
                    chain_on(links, e, link.start)
                except ConflictDataError as exc:
                    return [str(exc)]
    return []


def chain_on(links: Links, enterprise: int, day: date) -> tuple[tuple[int, ...], tuple[GroupLink, ...]]:
    """The enterprise and its ancestors on ``day``, and the link from each to the next (one fewer)."""
    up, ties, node = [enterprise], [], enterprise
    while (link := next((k for k in links.get(node, ()) if holds_on(k, day)), None)) is not None:
        if link.parent_id in up:
            path = " → ".join(f"企业#{e}" for e in (*up, link.parent_id))
            raise ConflictDataError(f"企业上级关系成环（{day.isoformat()}）：{path}")
        up.append(link.parent_id)
        ties.append(link)
        node = link.parent_id
    return tuple(up), tuple(ties)


def ever_above(links: Links, enterprise: int) -> set[int]:
    """The enterprise and every enterprise it was ever under, on any day, through any link."""
    seen, todo = {enterprise}, [enterprise]
    while todo:
        for link in links.get(todo.pop(), ()):
            if link.parent_id not in seen:
                seen.add(link.parent_id)
                todo.append(link.parent_id)
    return seen


class GroupHistory:
    """The links by subsidiary, and for each enterprise the days on which a link ever above it starts or
    stops holding (the day after its end), worked out once when first asked for."""

    __slots__ = ("_days", "links")

    def __init__(self, links: Links) -> None:
        self.links = links
        self._days: dict[int, tuple[date, ...]] = {}

    def days_above(self, enterprise: int) -> tuple[date, ...]:
        if enterprise not in self.links:
            return ()
        days = self._days.get(enterprise)
        if days is None:
            found: set[date] = set()
            for e in ever_above(self.links, enterprise):
                for link in self.links.get(e, ()):
                    found.update(d for d in (link.start, link.end and link.end + timedelta(days=1)) if d)
            days = self._days[enterprise] = tuple(sorted(found))
        return days

    def change_days(self, enterprises: Iterable[int], first: date, last: date) -> list[date]:
        """``first`` and every later day up to ``last`` on which a link above these enterprises starts or ends.

        Membership only changes on such days, so the chains as of these days are every chain of the span."""
        days = {first}
        for e in enterprises:
            above = self.days_above(e)
            days.update(above[bisect_right(above, first) : bisect_right(above, last)])
        return sorted(days)


@dataclass(frozen=True, slots=True)
class GroupTie:
    """One unit of a group chain and its tie to the next: "子公司" (its parent is next) or "母公司"."""

    enterprise_id: int
    tie: str
    link: GroupLink


def tie_label(t: GroupTie) -> str:
    """The tie with the dates of its link, e.g. "2023-05起 母公司", "2019-03至2022-06 子公司"."""
    start, end = t.link.start, t.link.end
    if start is None and end is None:
        return t.tie
    span = (
        f"{_month(start) if start else ''}至{_month(end)}" if end else f"{_month(start) if start else ''}起"
    )
    return f"{span} {t.tie}"


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def chain_between(
    up_a: Sequence[int], ties_a: Sequence[GroupLink], up_b: Sequence[int], ties_b: Sequence[GroupLink],
    depth: int | None,
) -> list[GroupTie] | None:  # fmt: skip
    """The ties a → … → b through their lowest common ancestor, b omitted; None when they share no ancestor
    or are more than ``depth`` links apart (siblings are two)."""
    at = {e: j for j, e in enumerate(up_b)}
    for i, e in enumerate(up_a):
        if e in at:
            j = at[e]
            if depth is not None and i + j > depth:
                return None
            going_up = [GroupTie(up_a[k], "子公司", ties_a[k]) for k in range(i)]
            # Down from the common ancestor to b: each unit is the parent in its child's link.
            going_down = [GroupTie(up_b[k + 1], "母公司", ties_b[k]) for k in reversed(range(j))]
            return going_up + going_down
    return None


def group_ties(
    history: GroupHistory, a: int, b: int, first: date, last: date, depth: int | None
) -> list[GroupTie] | None:
    """The chain between units ``a`` and ``b`` on the first day of [first, last] on which they were in one
    group (within ``depth`` links), or None if there is no such day."""
    if first > last:
        return None
    links = history.links
    for day in history.change_days((a, b), first, last):
        up_a, ties_a = chain_on(links, a, day)
        up_b, ties_b = chain_on(links, b, day)
        found = chain_between(up_a, ties_a, up_b, ties_b, depth)
        if found is not None:
            return found
    return None
