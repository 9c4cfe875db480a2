"""`python -m crawler.cli`: the courtnews command (the daemon starts its crawls' tools this way)."""

from crawler.cli import main

main()
