"""Extraction rules as data with names and reasons: lines, nodes, spam blocks, refusals, challenge and server error pages."""
