"""Seeded parameter values for each sub-type: realistic ranges, many just either side of a threshold."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from knowledge.demo.sampling import Picker
from knowledge.demo.work_catalogue import MACHINE_WEIGHTS, MACHINES, Machine

ParamValue = str | bool
Drawn = tuple[dict[str, ParamValue], dict[str, str]]  # parameters, and facts the name and the plan reuse

# Decimal places each number is entered with: depths to the centimetre, loads to 0.01 kN/m², masses whole.
DECIMALS: Mapping[str, int] = {
    "excavation_depth": 2,
    "support_height": 1,
    "support_span": 1,
    "total_load": 2,
    "line_load": 2,
    "point_load": 1,
    "lift_weight": 0,
    "crane_capacity": 0,
    "erection_height": 1,
    "foundation_elevation": 2,
    "scaffold_height": 1,
    "lift_height": 1,
    "segment_height": 1,
    "curtain_wall_height": 1,
    "steel_span": 1,
    "space_frame_span": 1,
    "pile_depth": 1,
    "structure_weight": 0,
}
AT_THRESHOLD_RATE = 0.25  # of the draws near a threshold, the share that lands exactly on it


def number(code: str, value: float) -> str:
    """A value as a decimal string with the parameter's usual precision (never "-0.00")."""
    text = f"{value:.{DECIMALS[code]}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


class ParameterDrawer:
    """Draws the full parameter set of a sub-type, so every seeded verdict is decided."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.machines = {family: Picker(weights) for family, weights in MACHINE_WEIGHTS.items()}
        self.drawers: Mapping[str, Callable[[str], Drawn]] = {
            "foundation_pit": self.foundation_pit,
            "concrete_support": self.concrete_support,
            "load_bearing_support": lambda f: self.one("point_load", self.near(7, 4, lo=2, hi=60)),
            "non_standard_lifting": self.non_standard_lifting,
            "machinery_erection": self.machinery_erection,
            "ground_steel_tube": lambda f: self.one("scaffold_height", self.near_either((24, 50), 6, 20, 62)),
            # Few Jiangsu towers rise 150 m above the level the climbing frame starts from.
            "attached_lifting": lambda f: self.one(
                "lift_height", self.near(150, 20, lo=45, hi=140, share=0.12)
            ),
            "cantilevered": lambda f: self.one("segment_height", self.near(20, 5, lo=9, hi=24)),
            "general": self.demolition,
            "curtain_wall": lambda f: self.one("curtain_wall_height", self.near(50, 20, lo=15, hi=110)),
            "steel_structure": lambda f: self.one("steel_span", self.near(36, 12, lo=12, hi=60)),
            "space_frame_membrane": lambda f: self.one("space_frame_span", self.near(60, 20, lo=24, hi=90)),
            "manual_dug_pile": lambda f: self.one("pile_depth", self.near(16, 6, lo=6, hi=28)),
            "integral_jacking": lambda f: self.one("structure_weight", self.rng.uniform(1000, 60000)),
            "new_technology": lambda f: ({"new_tech_without_standard": self.rng.random() < 0.97}, {}),
        }

    def draw(self, sub_type: str, family: str) -> Drawn:
        drawer = self.drawers.get(sub_type)
        return drawer(family) if drawer is not None else ({}, {})

    # --- shapes of a value -------------------------------------------------------------------------

    def near(self, threshold: float, spread: float, *, lo: float, hi: float, share: float = 0.45) -> float:
        """Near the threshold with probability ``share`` (sometimes exactly on it), else anywhere in [lo, hi]."""
        rng = self.rng
        if rng.random() >= share:
            return rng.uniform(lo, hi)
        if rng.random() < AT_THRESHOLD_RATE:
            return threshold
        return min(hi, max(lo, threshold + rng.uniform(-spread, spread)))

    def near_either(self, thresholds: tuple[float, ...], spread: float, lo: float, hi: float) -> float:
        return self.near(self.rng.choice(thresholds), spread, lo=lo, hi=hi)

    def one(self, code: str, value: float) -> Drawn:
        return {code: number(code, value)}, {}

    def flag(self, rate: float) -> bool:
        return self.rng.random() < rate

    # --- sub-types with several values --------------------------------------------------------------

    def foundation_pit(self, family: str) -> Drawn:
        rng = self.rng
        if family.startswith("metro"):
            depth = rng.uniform(16, 26) if rng.random() < 0.6 else rng.uniform(8, 13)
        elif family in ("road", "pipe_gallery"):
            depth = self.near(5, 1.5, lo=2.2, hi=11)
        elif family == "bridge":
            depth = self.near(3, 1, lo=2, hi=7)
        elif rng.random() < 0.4:
            depth = self.near_either((3, 5), 1.0, 2.0, 6.0)
        else:
            # One to three basement levels: about 5.5 m, 9.5 m or 13.5 m below the natural ground.
            depth = rng.choice(
                (rng.uniform(3.2, 6.5), rng.uniform(3.2, 6.5), rng.uniform(8, 11), rng.uniform(12, 16))
            )
        params: dict[str, ParamValue] = {
            "excavation_depth": number("excavation_depth", depth),
            "complex_conditions": self.flag(0.25),
            "affects_adjacent_structures": self.flag(0.15),
        }
        return params, {
            "scheme": self.rng.choice(pit_schemes(depth, family)),
            "dewatering": pit_dewatering(depth),
        }

    def concrete_support(self, family: str) -> Drawn:
        if self.rng.random() < 0.6:
            # Under every Annex 2 threshold, at or over at least one Annex 1 threshold (draws are retried).
            height = self.near(5, 1.2, lo=3.6, hi=7.9)
            span = self.near(10, 2.5, lo=4.0, hi=17.9)
            load = self.near(10, 2.0, lo=6.0, hi=14.9)
            line = self.near(15, 3.0, lo=8.0, hi=19.9)
        else:
            height = self.near_either((5, 8), 1.5, 3.6, 16.0)
            span = self.near_either((10, 18), 3, 4.0, 32.0)
            load = self.near_either((10, 15), 2.5, 6.0, 26.0)
            line = self.near_either((15, 20), 4, 8.0, 48.0)
        params: dict[str, ParamValue] = {
            "support_height": number("support_height", height),
            "support_span": number("support_span", span),
            "total_load": number("total_load", load),
            "line_load": number("line_load", line),
            "slender_independent": self.flag(0.05),
        }
        return params, {}

    def non_standard_lifting(self, family: str) -> Drawn:
        rng = self.rng
        if family.startswith("metro"):
            weight = rng.uniform(600, 1350)  # a 6.4 m earth-pressure shield's cutterhead or front shield
        elif family == "bridge":
            weight = rng.uniform(300, 2400)
        else:
            weight = self.near(100, 40, lo=12, hi=400)
        return self.one("lift_weight", weight)

    def machinery_erection(self, family: str) -> Drawn:
        rng = self.rng
        machine: Machine = MACHINES[self.machines[family](rng)]
        height = rng.uniform(*machine.height)
        low, high = machine.foundation
        # A few tower cranes stand on a podium roof or a tower's top: their foundation is high above ±0.000.
        if machine.kind.endswith("塔式起重机") and rng.random() < 0.04:
            low, high = 18.0, 230.0
        params: dict[str, ParamValue] = {
            "crane_capacity": number("crane_capacity", machine.capacity),
            "erection_height": number("erection_height", height),
            "foundation_elevation": number("foundation_elevation", rng.uniform(low, high)),
        }
        return params, {"machine": machine.model, "machine_kind": machine.kind}

    def demolition(self, family: str) -> Drawn:
        params: dict[str, ParamValue] = {
            "affects_surroundings": self.flag(0.85),
            "hazardous_release_risk": self.flag(0.08),
            "within_heritage_zone": self.flag(0.08),
        }
        return params, {}


def pit_schemes(depth: float, family: str) -> tuple[str, ...]:
    """Support schemes a designer in Jiangsu's soft ground would choose for a pit this deep."""
    if family.startswith("metro") and depth >= 14:
        return ("800mm厚地下连续墙+一道混凝土支撑+三道φ609钢支撑", "1000mm厚地下连续墙+四道支撑")
    if depth < 5:
        return ("放坡开挖+土钉墙", "拉森Ⅳ型钢板桩+一道钢围檩支撑", "复合土钉墙+轻型井点降水")
    if depth < 8:
        return ("SMW工法桩+一道钢支撑", "φ800钻孔灌注桩+一道钢筋混凝土内支撑+三轴搅拌桩止水帷幕")
    if depth < 12:
        return ("φ900钻孔灌注桩+两道钢筋混凝土内支撑+三轴搅拌桩止水帷幕", "SMW工法桩+两道钢支撑")
    return ("φ1000钻孔灌注桩+三道钢筋混凝土内支撑+TRD止水帷幕", "800mm厚地下连续墙+三道内支撑")


def pit_dewatering(depth: float) -> str:
    return "轻型井点降水" if depth < 6 else "坑内管井降水、坑外观测（回灌）井"


def param_text(value: Any) -> str:
    """A stored value as a plan writes it: 是/否 for a condition, the decimal string for a number."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
