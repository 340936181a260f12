"""Panel draws (抽取, DOMAIN.md 4): the funnel, the weighted draw and its replay, top-ups, invitations, records."""
