"""The sources file model: the sources and their families, every key checked on load (no crawl, no archive)."""
