"""What the classification tests share: the verdicts, every parameter of every sub-type, a harmless baseline."""

from __future__ import annotations

from knowledge.registry.rules import Verdict

NOT, HAZ, OVER = Verdict.NOT_HAZARDOUS, Verdict.HAZARDOUS, Verdict.OVER_SCALE


# Every parameter of every sub-type that takes any, as the notice's conditions require them.
SUB_TYPE_PARAMETERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("excavation", "foundation_pit"): (
        "excavation_depth",
        "complex_conditions",
        "affects_adjacent_structures",
    ),
    ("formwork", "concrete_support"): (
        "support_height",
        "support_span",
        "total_load",
        "line_load",
        "slender_independent",
    ),
    ("formwork", "load_bearing_support"): ("point_load",),
    ("lifting", "non_standard_lifting"): ("lift_weight",),
    ("lifting", "machinery_erection"): ("crane_capacity", "erection_height", "foundation_elevation"),
    ("scaffolding", "ground_steel_tube"): ("scaffold_height",),
    ("scaffolding", "attached_lifting"): ("lift_height",),
    ("scaffolding", "cantilevered"): ("segment_height",),
    ("demolition", "general"): ("affects_surroundings", "hazardous_release_risk", "within_heritage_zone"),
    ("other", "curtain_wall"): ("curtain_wall_height",),
    ("other", "steel_structure"): ("steel_span",),
    ("other", "space_frame_membrane"): ("space_frame_span",),
    ("other", "manual_dug_pile"): ("pile_depth",),
    ("other", "integral_jacking"): ("structure_weight",),
    ("other", "new_technology"): ("new_tech_without_standard",),
}

BOOL_PARAMETERS = {
    "complex_conditions",
    "affects_adjacent_structures",
    "slender_independent",
    "affects_surroundings",
    "hazardous_release_risk",
    "within_heritage_zone",
    "new_tech_without_standard",
}


def baseline(category: str, sub_type: str) -> dict[str, object]:
    """Every parameter of the sub-type at its most harmless value: 0 or 否."""
    codes = SUB_TYPE_PARAMETERS.get((category, sub_type), ())
    return {code: (False if code in BOOL_PARAMETERS else 0) for code in codes}
