"""The courtnews command line: a thin click layer over the library. Every command's help has an example.

Every error is one line on standard error and exit status 1; a command that writes a file writes it whole
or not at all (a temporary file renamed at the end). Commands that read the archive open it read-only.

The group and the options its commands share are in ``group.py``; each other module holds one group
of commands, each a thin click function over the library.
"""

from __future__ import annotations

from crawler.cli import crawling, extraction, publishing, reading, service, upkeep  # noqa: F401 - each registers its commands on main
from crawler.cli.compare import compare_command, diff_command  # change forensics
from crawler.cli.copies import copies  # copies across sites
from crawler.cli.distributed import register  # distributed mode: worker, writer, enqueue
from crawler.cli.evidence import COMMANDS as EVIDENCE_COMMANDS  # checkpoint, proof, verify-proof
from crawler.cli.group import main

register(main)
for _command in (*EVIDENCE_COMMANDS, compare_command, diff_command, copies):
    main.add_command(_command)

__all__ = ["main"]
