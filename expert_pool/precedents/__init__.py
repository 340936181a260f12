"""Common problems (共性问题) of reviews and sites per work category, and the pre-check of a plan against them."""
