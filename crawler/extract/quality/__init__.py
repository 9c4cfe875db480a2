"""Measuring extraction: the corpus evaluation, the pinned quality floors and the generated spam it is judged on."""
