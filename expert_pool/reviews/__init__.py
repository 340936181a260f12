"""Expert reviews (专家论证, Decree 37 Art. 12-13): meetings, blind opinions, signed reports, revisions, PDFs."""
