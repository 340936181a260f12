"""The dashboard's kept figures: served while the data version holds and they are fresh, else built again."""

from expert_pool.analytics.cache import FigureCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_kept_until_the_outbox_moves_or_the_figures_age():
    clock, built = Clock(), []
    cache: FigureCache[str] = FigureCache(fresh_seconds=60, clock=clock)

    def build() -> str:
        built.append(1)
        return f"figures {len(built)}"

    assert cache.get(("2024Q3", None), 7, build) == ("figures 1", 1000.0)
    clock.now += 30
    assert cache.get(("2024Q3", None), 7, build) == ("figures 1", 1000.0)  # kept
    assert cache.get(("2024Q3", None), 8, build) == ("figures 2", 1030.0)  # a change passed the outbox
    clock.now += 60
    assert cache.get(("2024Q3", None), 8, build) == ("figures 3", 1090.0)  # too old
    assert cache.get(("2024Q3", "nanjing"), 8, build)[0] == "figures 4"  # another area is another entry
    assert len(built) == 4


def test_the_least_recently_used_leave_first():
    cache: FigureCache[int] = FigureCache(kept=2, clock=Clock())
    cache.get("a", 1, lambda: 1)
    cache.get("b", 1, lambda: 2)
    cache.get("a", 1, lambda: 0)  # a used again
    cache.get("c", 1, lambda: 3)  # b leaves
    assert cache.get("a", 1, lambda: -1)[0] == 1
    assert cache.get("b", 1, lambda: -2)[0] == -2
