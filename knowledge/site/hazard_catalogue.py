"""The catalogue of major accident hazards (重大事故隐患) of 建质规〔2022〕2号, versioned, and its pure look-ups.

《房屋市政工程生产安全重大事故隐患判定标准（2022版）》 (建质规〔2022〕2号, issued by the ministry on 2022-04-19)
lists in articles 4-15 the situations that are judged a major accident hazard: 34 numbered items, 37 once
article 5 (四) is split into its four sub-items (the catalogue keeps the sub-items, not the item that only
introduces them). The words and the sources they were checked against are in ``hazard_catalogue_data``.

Every item's key starts with the version ("2022-5-4-2" is article 5, item (四), sub-item 2), so a revision is
added as a new version beside it and the records that cite a 2022 item keep meaning what they meant. (Pages in
the search corpora quote a 2024 revision, 建质规〔2024〕5号, said to repeal this one; its text has not been
checked here, so it is not encoded.)

Which works an item concerns (``category``): articles 5-8, 12 and 13 each belong to one category of the scope
tables of 建办质〔2018〕31号 (the registry's codes, imported, never restated). Article 4 is about the
constructor's licence, its people and the plan itself, so it concerns every work. Articles 9 (高处作业),
10 (临时用电) and 11 (有限空间) are kinds of site work, not categories of 危大工程: a 基坑 has dewatering wells
and inspection shafts (有限空间) and damp lighting, a 暗挖 tunnel is article 10's first example, steel
supports and cantilever platforms serve formwork, lifting and 其他 alike. An inspector expects them on every
work's checklist and marks them 不适用 where they do not arise, rather than miss them because the work is not
filed under 其他; so they concern every work, like articles 14 and 15, which the standard words for any work.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.registry.scope_tables import (
    CATEGORIES,
    DEMOLITION,
    EXCAVATION,
    FORMWORK,
    LIFTING,
    SCAFFOLDING,
    UNDERGROUND,
)
from knowledge.site.errors import CatalogueError
from knowledge.site.hazard_catalogue_data import (
    ARTICLE_TOPICS_2022,
    DOCUMENT_2022,
    ROWS_2022,
    SUB_ITEM_LEAD_INS_2022,
    TITLE_2022,
    VERSION_2022,
)

# The category of an item that concerns every work, whatever its registry category.
EVERY_WORK = "every_work"

CURRENT_VERSION = VERSION_2022

_NUMERALS = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九")


@dataclass(frozen=True, slots=True)
class Standard:
    """One version of the 判定标准: its key, document number and title."""

    version: str
    document: str
    title: str


@dataclass(frozen=True, slots=True)
class HazardItem:
    """One situation the standard judges a major accident hazard.

    ``item`` is 0 for an article without numbered items (10, 12, 14, 15); ``sub_item`` is 0 unless the item
    has sub-items (only article 5 (四)), whose ``lead_in`` then holds the item's introducing sentence.
    """

    key: str
    version: str
    article: int
    item: int
    sub_item: int
    category: str  # a registry category code, or EVERY_WORK
    topic: str  # the article's subject, e.g. 基坑工程
    text: str
    lead_in: str = ""

    @property
    def wording(self) -> str:
        """The text as an inspector reads it: a sub-item with the condition its item puts on it."""
        return f"{self.lead_in}：{self.text}" if self.lead_in else self.text

    @property
    def concerns_every_work(self) -> bool:
        return self.category == EVERY_WORK


# 建质规〔2022〕2号 articles 5-8, 12, 13: one article per category of 建办质〔2018〕31号.
ARTICLE_CATEGORIES_2022: dict[int, str] = {
    5: EXCAVATION.code,
    6: FORMWORK.code,
    7: SCAFFOLDING.code,
    8: LIFTING.code,
    12: DEMOLITION.code,
    13: UNDERGROUND.code,
}

STANDARDS: dict[str, Standard] = {
    VERSION_2022: Standard(VERSION_2022, DOCUMENT_2022, TITLE_2022),
}

_CATEGORY_LABELS: dict[str, str] = {c.code: c.label for c in CATEGORIES}


def make_key(version: str, article: int, item: int = 0, sub_item: int = 0) -> str:
    """``"2022-5-4-2"``: version, article, then item and sub-item where the article numbers them."""
    parts = [version, str(article)]
    if item:
        parts.append(str(item))
    if sub_item:
        parts.append(str(sub_item))
    return "-".join(parts)


def _build_2022() -> tuple[HazardItem, ...]:
    built = []
    for article, number, sub, text in ROWS_2022:
        built.append(
            HazardItem(
                key=make_key(VERSION_2022, article, number, sub),
                version=VERSION_2022,
                article=article,
                item=number,
                sub_item=sub,
                category=ARTICLE_CATEGORIES_2022.get(article, EVERY_WORK),
                topic=ARTICLE_TOPICS_2022[article],
                text=text,
                lead_in=SUB_ITEM_LEAD_INS_2022.get((article, number), "") if sub else "",
            )
        )
    return tuple(sorted(built, key=lambda h: (h.article, h.item, h.sub_item)))


_ITEMS: dict[str, tuple[HazardItem, ...]] = {VERSION_2022: _build_2022()}
_BY_KEY: dict[str, HazardItem] = {h.key: h for found in _ITEMS.values() for h in found}

if EVERY_WORK in _CATEGORY_LABELS:  # pragma: no cover - a registry change would make the marker ambiguous
    raise RuntimeError(f"registry category code {EVERY_WORK!r} collides with the catalogue's marker")


def versions() -> tuple[str, ...]:
    """The versions of the standard the catalogue holds, oldest first."""
    return tuple(sorted(_ITEMS))


def standard(version: str = CURRENT_VERSION) -> Standard:
    """The document number and title of ``version``.

    :raises CatalogueError: for a version the catalogue does not hold.
    """
    found = STANDARDS.get(version)
    if found is None:
        raise _unknown_version(version)
    return found


def items(version: str = CURRENT_VERSION) -> tuple[HazardItem, ...]:
    """Every item of ``version``, in the standard's order (article, item, sub-item).

    :raises CatalogueError: for a version the catalogue does not hold.
    """
    found = _ITEMS.get(version)
    if found is None:
        raise _unknown_version(version)
    return found


def item(key: str) -> HazardItem:
    """The item with ``key`` (e.g. ``"2022-5-3"``), of whichever version the key names.

    :raises CatalogueError: naming the key, when no version holds it.
    """
    found = _BY_KEY.get(key)
    if found is None:
        raise CatalogueError(
            f"重大事故隐患判定标准中没有条目“{key}”：条目编号为“版本-条-项-目”，如 2022-5-4-2"
            f"（已收录版本：{'、'.join(versions())}）"
        )
    return found


def items_for_category(category_code: str, version: str = CURRENT_VERSION) -> tuple[HazardItem, ...]:
    """The items an inspection of a work of ``category_code`` looks for, in the standard's order.

    Those that concern every work (articles 4, 9, 10, 11, 14 and 15) and the category's own article; a work of
    其他 has no article of its own, so it gets the general items only.

    :raises CatalogueError: for a category the registry does not know, or an unknown version.
    """
    _check_category(category_code)
    return tuple(h for h in items(version) if h.category in (EVERY_WORK, category_code))


def category_label(category_code: str) -> str:
    """The registry's Chinese name of a category, or 所有危大工程 for EVERY_WORK."""
    if category_code == EVERY_WORK:
        return "所有危大工程"
    _check_category(category_code)
    return _CATEGORY_LABELS[category_code]


def clause_label(hazard: HazardItem) -> str:
    """The item cited as the standard numbers it: ``建质规〔2022〕2号 第五条第（四）项第2目``."""
    label = f"{standard(hazard.version).document} 第{chinese_number(hazard.article)}条"
    if hazard.item:
        label += f"第（{chinese_number(hazard.item)}）项"
    if hazard.sub_item:
        label += f"第{hazard.sub_item}目"
    return label


def chinese_number(n: int) -> str:
    """1-99 as written in article and item numbers: 五, 十, 十五, 二十一."""
    if not 0 < n < 100:
        raise ValueError(f"article and item numbers run from 1 to 99, not {n}")
    tens, units = divmod(n, 10)
    if tens == 0:
        return _NUMERALS[units]
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + _NUMERALS[units]


def _check_category(category_code: str) -> None:
    if category_code not in _CATEGORY_LABELS:
        options = "、".join(f"{code}（{label}）" for code, label in _CATEGORY_LABELS.items())
        raise CatalogueError(f"未知的危大工程类别“{category_code}”，可选：{options}")


def _unknown_version(version: str) -> CatalogueError:
    return CatalogueError(f"重大事故隐患判定标准没有“{version}”版本（已收录版本：{'、'.join(versions())}）")
