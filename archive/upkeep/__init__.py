"""Keeping an archive sound and small: integrity checks, pruning and compaction, re-extraction of stored pages into versions."""
