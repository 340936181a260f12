"""The opinion rule of issue 17: proposing 通过 while a checklist item is failed needs an explicit
acknowledgement; and the per-point tally the confirmation step shows."""

from expert_pool.reviews.models import Conclusion
from expert_pool.reviews.rules import (
    PASS_DESPITE_FAILED,
    REVIEW_POINTS,
    check_pass_acknowledged,
    needs_pass_acknowledgement,
    tally_checks,
)


def all_met() -> dict[str, dict[str, bool]]:
    return {p: dict.fromkeys(items, True) for p, (_, items) in REVIEW_POINTS.items()}


def one_failed() -> dict[str, dict[str, bool]]:
    checks = all_met()
    checks["2"]["calculation"] = False
    return checks


def test_pass_with_a_failed_item_needs_the_acknowledgement():
    assert needs_pass_acknowledgement(Conclusion.PASS, one_failed())
    message = check_pass_acknowledged(Conclusion.PASS, one_failed(), acknowledged=False)
    assert message is not None and PASS_DESPITE_FAILED in message
    assert check_pass_acknowledged(Conclusion.PASS, one_failed(), acknowledged=True) is None


def test_pass_with_every_item_met_and_other_conclusions_need_none():
    assert check_pass_acknowledged(Conclusion.PASS, all_met(), acknowledged=False) is None
    for conclusion in (Conclusion.PASS_AFTER_REVISION, Conclusion.FAIL):
        assert not needs_pass_acknowledgement(conclusion, one_failed())
        assert check_pass_acknowledged(conclusion, one_failed(), acknowledged=False) is None


def test_tally_counts_met_and_names_the_failed_items_per_point():
    checks = one_failed()
    del checks["3"]["site"]  # unanswered: neither met nor failed
    tallies = tally_checks(checks)
    assert tallies["1"].met == len(REVIEW_POINTS["1"][1]) and tallies["1"].failed == ()
    assert tallies["2"].met == len(REVIEW_POINTS["2"][1]) - 1
    assert tallies["2"].failed == (REVIEW_POINTS["2"][1]["calculation"],)
    assert tallies["3"].met == len(REVIEW_POINTS["3"][1]) - 1 and tallies["3"].failed == ()
