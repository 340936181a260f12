"""The labelled relevance set of issue 19: realistic plan and review excerpts (corpus*.py), graded queries
(queries.py), recall@10 / MRR / nDCG@10 (metrics.py) and the harness that runs them through the real search path.

Run: ``.venv/bin/python -m tests.search_relevance.harness -v`` (``--distractors 2000`` mixes in the demo
generator's plans, ``--fts`` adds the SQLite FTS5 trigram baseline). Baseline figures: BASELINE.md."""
