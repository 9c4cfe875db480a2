"""The archive's evidence: an append-only RFC 9162 Merkle log of every capture and version, signed
checkpoints (C2SP tlog-checkpoint and signed note, Ed25519), RFC 3161 timestamps, and proof bundles that
anyone can check with Python's standard library and openssl.

Modules: ``merkle`` (the tree's algorithms, pure), ``entry`` (what an entry says, canonical JSON), ``tables``
(the DDL), ``log`` (the log in SQLite), ``record`` (the calls the store makes), ``checkpoint`` (keys and
signed tree heads), ``timestamp`` (RFC 3161), ``bundle`` (proof zips) and ``bundle_verify`` (verify.py in
each bundle: standard library only, never imports courtnews).
"""
