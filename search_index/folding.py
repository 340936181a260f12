"""One hit per plan: a plan's versions are documents of their own (``plan_key`` names the plan, ``plan_version``
its number); a result shows each plan once, as its newest version, with the older versions folded under it.

What counts is plans, not versions: a result's total and its facet counts count the shown documents (a plan's
head version, and every document that is not a plan version). The permission filter has already applied to
each version, so only versions the caller may see are shown or folded. The head of a plan is its newest
version among those found (those that match and may be seen): usually the plan's newest version of all, an
older one when only that one matches or may be seen. A plan ranks by its head's score.
"""

from __future__ import annotations

from collections.abc import Iterable

PLAN_KEY = "plan_key"
PLAN_VERSION = "plan_version"
VERSION_DIGITS = 6


def version_code(number: object) -> str:
    """The sortable code of a version number (the column compares strings): 7 → "000007"."""
    return f"{int(str(number)):0{VERSION_DIGITS}d}"


class PlanVersions:
    """Which plan-version documents of one searcher have a newer version of their plan among its live ones.

    Built once per searcher from two columns (one pass over the plan documents); a search then folds with set
    operations and a loop over only the found documents that have a newer version."""

    def __init__(self, keys: list[str], numbers: list[str], plans: Iterable[int]) -> None:
        newest: dict[str, int] = {}
        members = [n for n in plans if keys[n]]
        for n in members:
            best = newest.get(keys[n])
            if best is None or (numbers[n], n) > (numbers[best], best):
                newest[keys[n]] = n
        heads = set(newest.values())
        self.keys = keys
        self.numbers = numbers
        self.newest = newest
        self.older = frozenset(n for n in members if n not in heads)

    def fold(self, found: set[int]) -> tuple[set[int], dict[int, list[int]]]:
        """The documents to show (one per plan, and all others) and, for each shown head with older versions
        found, those versions newest first."""
        stale = found & self.older
        if not stale:
            return found, {}
        shown = found - stale
        groups: dict[str, list[int]] = {}
        for n in stale:
            groups.setdefault(self.keys[n], []).append(n)
        folded: dict[int, list[int]] = {}
        for key, docs in groups.items():
            docs.sort(key=lambda n: (self.numbers[n], n), reverse=True)
            head = self.newest[key]
            if head not in found:  # the newest version did not match or may not be seen
                head = docs.pop(0)
                shown.add(head)
            if docs:
                folded[head] = docs
        return shown, folded
