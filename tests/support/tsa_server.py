"""A local RFC 3161 TSA for tests: a throwaway PKI plus `openssl ts -reply` behind HTTP.

Use from any test module: import the fixture functions (they register under
the short names tsa_pki, tsa_server_session and tsa_server):

    from tests.support.tsa_server import (  # noqa: F401
        TsaServer, tsa_pki_fixture, tsa_server_fixture, tsa_server_session_fixture,
    )

    def test_something(tsa_server: TsaServer) -> None:
        token = request_token(digest, tsa_server.url)
        tsa_server.mode = "rejection"   # see TsaServer.MODES
        verify_token(path, data, ca_file=tsa_server.pki.ca_cert)

Everything is generated with the `openssl` command line; fixtures skip if it is absent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

POLICY = "1.2.3.4.1"
OPENSSL_TIMEOUT = 20

CONFIG = """\
# Test-only PKI and TSA. Paths are absolute: `openssl ts -reply` resolves them
# against its working directory, not against this file.
[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = placeholder

[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ v3_tsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
# RFC 3161 2.3: the TSA certificate's only EKU is timeStamping, marked critical.
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
serial = {dir}/tsaserial
crypto_device = builtin
signer_cert = {dir}/tsa.pem
signer_key = {dir}/tsa.key
certs = {dir}/ca.pem
signer_digest = sha256
default_policy = {policy}
other_policies = 1.2.3.4.5
digests = sha256
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 3
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def openssl(words: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run `openssl <words split on spaces> <args verbatim>`; raise with stderr on failure.

    Paths go in `args`, so a temp dir with spaces in its name cannot split them.
    """
    exe = shutil.which("openssl")
    if exe is None:
        raise RuntimeError("openssl not found")
    argv = [exe, *words.split(), *args]
    done = subprocess.run(argv, capture_output=True, timeout=OPENSSL_TIMEOUT, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace")
        raise RuntimeError(f"openssl {words} failed: {message}")
    return done


@dataclass(frozen=True)
class TsaPki:
    """A root CA and a TSA certificate it signed, with the openssl TSA config."""

    directory: Path
    ca_cert: Path  # trust anchor: verify_token(ca_file=...)
    ca_key: Path
    tsa_cert: Path  # the signer: verify_token(untrusted=...) if a token lacks it
    tsa_key: Path
    config: Path  # `openssl ts -reply -config <this> -section tsa_config`
    policy: str = POLICY


def make_test_pki(directory: Path) -> TsaPki:
    """Build the PKI in `directory` (about 50 ms: P-256 keys, not RSA)."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "tsa.cnf"
    config.write_text(CONFIG.format(dir=directory, policy=POLICY))
    (directory / "tsaserial").write_text("01\n")
    pki = TsaPki(
        directory=directory,
        ca_cert=directory / "ca.pem",
        ca_key=directory / "ca.key",
        tsa_cert=directory / "tsa.pem",
        tsa_key=directory / "tsa.key",
        config=config,
    )
    cnf = str(config)
    for key in (pki.ca_key, pki.tsa_key):
        openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256", "-out", str(key))
    openssl("req -new -x509 -days 3 -extensions v3_ca -subj /CN=Collector-Test-Root-CA",
            "-config", cnf, "-key", str(pki.ca_key), "-out", str(pki.ca_cert))  # fmt: skip
    csr = directory / "tsa.csr"
    openssl("req -new -subj /CN=Collector-Test-TSA",
            "-config", cnf, "-key", str(pki.tsa_key), "-out", str(csr))  # fmt: skip
    openssl("x509 -req -set_serial 2 -days 2 -extensions v3_tsa", "-extfile", cnf,
            "-in", str(csr), "-CA", str(pki.ca_cert), "-CAkey", str(pki.ca_key),
            "-out", str(pki.tsa_cert))  # fmt: skip
    return pki


def reply_to_query(pki: TsaPki, query: bytes) -> bytes:
    """What `openssl ts -reply` answers to a DER TimeStampReq."""
    with tempfile.TemporaryDirectory(dir=pki.directory) as tmp:
        tsq, tsr = Path(tmp, "q.tsq"), Path(tmp, "r.tsr")
        tsq.write_bytes(query)
        openssl("ts -reply -section tsa_config", "-config", str(pki.config),
                "-queryfile", str(tsq), "-out", str(tsr))  # fmt: skip
        return tsr.read_bytes()


def openssl_query(digest_hex: str, algorithm: str = "sha256", nonce: bool = True) -> bytes:
    """A TimeStampReq made by openssl itself (random nonce unless nonce=False)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "q.tsq")
        words = f"ts -query -cert -{algorithm} -digest {digest_hex}"
        openssl(words if nonce else words + " -no_nonce", "-out", str(out))
        return out.read_bytes()


def query_digest_hex(query: bytes) -> str:
    """The hashedMessage of a TimeStampReq, read by `openssl asn1parse`, not by our code."""
    done = subprocess.run(
        ["openssl", "asn1parse", "-inform", "DER"],
        input=query,
        capture_output=True,
        timeout=OPENSSL_TIMEOUT,
        check=True,
    )
    match = re.search(rb"OCTET STRING\s+\[HEX DUMP\]:([0-9A-F]+)", done.stdout)
    if match is None:
        raise ValueError("no hashedMessage in query")
    return match.group(1).decode().lower()


@dataclass
class Received:
    content_type: str
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest output clean

    def _send(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        tsa = self.server.tsa
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        tsa.received.append(Received(self.headers.get("Content-Type", ""), body))
        mode = tsa.mode
        if mode == "http-500":
            self._send(500, b"internal error\n", "text/plain")
            return
        if mode == "garbage":
            self._send(200, b"<html>this is not a timestamp</html>", TsaServer.REPLY_TYPE)
            return
        if mode == "hang":
            # Wait on an Event, not time.sleep, so stop() wakes the sleeper; then
            # hang up without answering (the client has given up by then).
            tsa.stopping.wait(tsa.hang_seconds)
            return
        try:
            digest_hex = query_digest_hex(body)
            if mode == "wrong-nonce":  # same digest, openssl's own random nonce
                body = openssl_query(digest_hex)
            elif mode == "wrong-imprint":
                body = openssl_query("ff" * 32 if digest_hex != "ff" * 32 else "ee" * 32)
            elif mode == "no-nonce":
                body = openssl_query(digest_hex, nonce=False)
            elif mode == "rejection":  # tsa.cnf only allows sha256: openssl rejects, badAlg
                body = openssl_query("ab" * 20, algorithm="sha1")
            with tsa.lock:  # the serial file is not safe for concurrent openssl runs
                reply = reply_to_query(tsa.pki, body)
        except (RuntimeError, ValueError, subprocess.SubprocessError) as exc:
            self._send(400, str(exc).encode(), "text/plain")
            return
        content_type = "text/html" if mode == "wrong-content-type" else TsaServer.REPLY_TYPE
        if mode == "drip":
            self._drip(reply, content_type)
        else:
            self._send(200, reply, content_type)

    def _drip(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        tsa = self.server.tsa
        try:
            for offset in range(len(body)):
                self.wfile.write(body[offset : offset + 1])
                self.wfile.flush()
                if tsa.stopping.wait(tsa.drip_interval):
                    return
        except OSError:
            return  # the client gave up, as it should


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    tsa: TsaServer


@dataclass
class TsaServer:
    """HTTP TSA on 127.0.0.1 (random port). Set `mode` to misbehave; see MODES."""

    MODES = (
        "ok",  # a real granted reply to the query
        "wrong-nonce",  # granted, but for the same digest with another nonce
        "wrong-imprint",  # granted, but over a different digest
        "no-nonce",  # granted, for our digest, without any nonce
        "rejection",  # status 2 (rejection), failInfo badAlg, from openssl itself
        "garbage",  # 200 with the right Content-Type and a body that is not DER
        "wrong-content-type",  # a good reply labelled text/html
        "http-500",
        "drip",  # a good reply, one byte every `drip_interval` seconds
        "hang",  # say nothing for `hang_seconds`, then close (client should time out)
    )
    REPLY_TYPE = "application/timestamp-reply"

    pki: TsaPki
    mode: str = "ok"
    hang_seconds: float = 5.0
    drip_interval: float = 0.05
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    _httpd: _HttpServer | None = None
    _thread: threading.Thread | None = None

    def __setattr__(self, name: str, value: object) -> None:
        if name == "mode" and value not in self.MODES:
            raise ValueError(f"unknown TSA mode {value!r}; one of {self.MODES}")
        super().__setattr__(name, value)

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("TSA server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/tsa"

    def start(self) -> TsaServer:
        self.stopping.clear()
        httpd = _HttpServer(("127.0.0.1", 0), _Handler)
        httpd.tsa = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def reset(self) -> None:
        self.mode = "ok"
        self.hang_seconds = 5.0
        self.drip_interval = 0.05
        self.received.clear()

    def __enter__(self) -> TsaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session", name="tsa_pki")
def tsa_pki_fixture(tmp_path_factory: pytest.TempPathFactory) -> TsaPki:
    if shutil.which("openssl") is None:
        pytest.skip("openssl command line not available")
    return make_test_pki(tmp_path_factory.mktemp("tsa-pki"))


@pytest.fixture(scope="session", name="tsa_server_session")
def tsa_server_session_fixture(tsa_pki: TsaPki) -> Iterator[TsaServer]:
    with TsaServer(tsa_pki) as server:
        yield server


@pytest.fixture(name="tsa_server")
def tsa_server_fixture(tsa_server_session: TsaServer) -> TsaServer:
    """The shared TSA, back in "ok" mode with an empty request log."""
    tsa_server_session.reset()
    return tsa_server_session
