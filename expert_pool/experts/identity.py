"""ID numbers of experts: the generic parts live in the kernel (``knowledge.identity``), shared with the plan
authors that the conflict rules match to experts by the same keyed hash; re-exported here for the pool."""

from __future__ import annotations

from knowledge.identity import IdentityVault, check_character, mask, normalize_id_number

__all__ = ["IdentityVault", "check_character", "mask", "normalize_id_number"]
