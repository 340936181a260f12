"""Special construction plans (专项施工方案): versions, files and their text, the nine sections, sign-offs."""
