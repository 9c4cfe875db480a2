"""`courtnews checkpoint`, `proof` and `verify-proof`: the evidence log's commands (archive/evidence)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive import open_archive, resolve_db_path
from archive.db import open_reader
from archive.evidence.log import EvidenceError
from crawler.cli.group import DB_OPTION


@click.command()
@DB_OPTION
@click.option("--key", "key_file", type=click.Path(dir_okay=False), default=None,
              help="Signing key (default: $COURTNEWS_KEY, else ARCHIVE.key beside the archive; made on first use).")  # fmt: skip
@click.option("--tsa", "tsa_url", default=None, help="RFC 3161 TSA URL (default: $COURTNEWS_TSA_URL).")
@click.option("--tsa-chain", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The TSA's CA chain, PEM (default: $COURTNEWS_TSA_CHAIN).")  # fmt: skip
@click.option("--origin", default=None, help="The log's name in the checkpoint (default: from the key).")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Write FILE (signed note), FILE.txt, FILE.sig and FILE.pem for publication.")  # fmt: skip
def checkpoint(
    db_path: str | None,
    key_file: str | None,
    tsa_url: str | None,
    tsa_chain: str | None,
    origin: str | None,
    output: str | None,
) -> None:
    """Sign the evidence log's current head (C2SP checkpoint, Ed25519) and timestamp pending checkpoints
    when a TSA is configured; print the checkpoint. Crawls do this after every run.

    Example: courtnews checkpoint --output /srv/publish/courtnews-checkpoint
    """
    from archive.evidence.service import sign_checkpoint, write_checkpoint_files

    path = resolve_db_path(db_path)
    if not path.is_file():
        raise click.ClickException(f"{path}: no archive here; pass --db PATH")
    db = open_archive(path)
    try:
        signed = sign_checkpoint(db, key_file, tsa_url, tsa_chain, origin)
    except EvidenceError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    if signed.warning:
        click.echo(f"warning: {signed.warning}", err=True)
    click.echo(signed.checkpoint.body.decode("utf-8"), nl=False)
    if output:
        for written in write_checkpoint_files(signed.checkpoint, output):
            click.echo(f"wrote {written}", err=True)


@click.command()
@click.argument("url")
@DB_OPTION
@click.option("--at", "at", default=None, help="The capture at or before this time (ISO 8601, UTC).")
@click.option("--output", type=click.Path(dir_okay=False), required=True, help="The proof bundle, FILE.zip.")
def proof(url: str, db_path: str | None, at: str | None, output: str) -> None:
    """Write a self-contained proof bundle for the URL's latest capture (or the one at --at): its entry,
    raw bytes, WARC record, inclusion proof, signed checkpoint, public key, timestamp, text, VERIFY.md and
    a verify.py that needs only Python and openssl.

    Example: courtnews proof https://www.court.gov.cn/zixun/xiangqing/1001.html --output 1001.zip
    """
    from archive.evidence.service import proof as write_proof

    if Path(output).exists():
        raise click.ClickException(f"{output}: exists already; give a new file name")
    try:
        written = write_proof(open_reader(db_path), url, output)
    except EvidenceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {written}; check it with: python3 verify.py (inside the unzipped folder)")


@click.command(name="verify-proof")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
def verify_proof(bundle: str) -> None:
    """Check a proof bundle with courtnews's own verifier (never the verify.py inside it); exit 1 naming
    each check that fails.

    Example: courtnews verify-proof 1001.zip
    """
    from archive.evidence.service import verify_proof as check

    try:
        code, report = check(bundle)
    except EvidenceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.rstrip("\n"))
    sys.exit(code)


COMMANDS = (checkpoint, proof, verify_proof)
