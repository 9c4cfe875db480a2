"""A real RFC 3161 Time-Stamping Authority on 127.0.0.1 for the evidence tests: openssl makes a CA and a TSA
certificate (extendedKeyUsage critical timeStamping), and an http.server answers each POSTed
application/timestamp-query by running `openssl ts -reply`. Nothing is simulated: the replies are what any
openssl-based TSA sends, and `openssl ts -verify` judges them.

`python -m tests.tsa_server DIR` serves one until interrupted, printing its URL and chain file."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TSA_CONFIG = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ ca_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa ]
default_tsa = tsa_section
[ tsa_section ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
other_policies = 1.3.6.1.4.1.55555.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def openssl_missing() -> str | None:
    """Why the TSA cannot run here, or None."""
    return (
        None if shutil.which("openssl") else "openssl is not installed: the RFC 3161 timestamp tests need it"
    )


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_tsa_certificates(folder: Path) -> Path:
    """A CA, a TSA key and certificate signed by it, and the openssl config for `ts -reply`; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "tsa.cnf"
    config.write_text(TSA_CONFIG.format(dir=folder), "utf-8")
    (folder / "serial").write_text("01\n")
    _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
         "-out", "ca.pem", "-days", "30", "-subj", "/CN=courtnews test CA", "-config", str(config),
         "-extensions", "ca_ext", cwd=folder)  # fmt: skip
    _run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "tsa.key",
         "-out", "tsa.csr", "-subj", "/CN=courtnews test TSA", "-config", str(config), cwd=folder)  # fmt: skip
    _run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "tsa.pem", "-days", "30", "-extfile", str(config), "-extensions", "tsa_ext", cwd=folder)  # fmt: skip
    return config


@dataclass
class TsaServer:
    folder: Path
    url: str = ""
    replies: int = 0
    refuse: bool = False  # answer 503, as a TSA that is down does

    @property
    def chain(self) -> Path:
        """The trust anchor a verifier needs: the CA certificate."""
        return self.folder / "ca.pem"

    def start(self) -> TsaServer:
        config = make_tsa_certificates(self.folder)
        lock = threading.Lock()
        server_state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if server_state.refuse or self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_response(503 if server_state.refuse else 415)
                    self.end_headers()
                    return
                with lock, tempfile.TemporaryDirectory() as tmp:
                    (Path(tmp) / "q.tsq").write_bytes(query)
                    done = subprocess.run(
                        ["openssl", "ts", "-reply", "-config", str(config), "-queryfile", "q.tsq", "-out", "r.tsr"],
                        cwd=tmp, capture_output=True, check=False,
                    )  # fmt: skip
                    reply = (Path(tmp) / "r.tsr").read_bytes() if done.returncode == 0 else b""
                    server_state.replies += 1
                self.send_response(200 if reply else 400)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":
    tsa = TsaServer(Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())).start()
    print(f"TSA at {tsa.url}, CA chain {tsa.chain}")
    try:
        tsa.thread.join()
    except KeyboardInterrupt:
        tsa.stop()
