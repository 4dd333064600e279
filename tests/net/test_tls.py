"""The TLS reader on handshakes made by OpenSSL itself (Python's ssl over memory BIOs)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from minehunt.net import tls
from tests.net import peers

NAME = "monero.herominers.com"


def _flights(
    server: ssl.SSLContext, client: ssl.SSLContext, sni: str | None
) -> tuple[bytes, bytes]:
    """(client's first flight, server's first flight) of a real handshake."""
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    cli = client.wrap_bio(c_in, c_out, server_hostname=sni)
    srv = server.wrap_bio(s_in, s_out, server_side=True)
    with pytest.raises(ssl.SSLWantReadError):
        cli.do_handshake()
    hello = c_out.read()
    s_in.write(hello)
    with pytest.raises(ssl.SSLWantReadError):
        srv.do_handshake()
    return hello, s_out.read()


@pytest.fixture(scope="module")
def contexts(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[ssl.SSLContext, ssl.SSLContext]]:
    tmp = tmp_path_factory.mktemp("tls")
    return {
        "1.2": peers.tls_contexts(tmp, NAME, tls12=True),
        "1.3": peers.tls_contexts(Path(tmp), NAME),
    }


def test_sni_of_a_real_client_hello(
    contexts: dict[str, tuple[ssl.SSLContext, ssl.SSLContext]],
) -> None:
    server, client = contexts["1.3"]
    hello, _ = _flights(server, client, "Pool.SupportXMR.com")
    assert tls.client_hello_sni(hello) == "pool.supportxmr.com"
    assert tls.client_hello_sni(hello[:40]) is False  # more bytes needed
    assert tls.client_hello_sni(_flights(server, client, None)[0]) is None


def test_certificate_names_in_a_tls12_server_flight(
    contexts: dict[str, tuple[ssl.SSLContext, ssl.SSLContext]],
) -> None:
    server, client = contexts["1.2"]
    _, flight = _flights(server, client, None)
    assert tls.server_certificate_names(flight) == (NAME,)  # CN; the SAN repeats it
    # Cut inside the certificate (a capture keeping the first segment only): undecided until
    # final, then the subject's CN, which comes before the SAN (the issuer, before both,
    # names it too: the certificate is self-signed).
    subject = flight.index(NAME.encode(), flight.index(NAME.encode()) + 1)
    cut = flight[: subject + len(NAME) + 8]
    assert tls.server_certificate_names(cut) is None
    assert tls.server_certificate_names(cut, final=True) == (NAME,)
    assert tls.server_certificate_names(flight[:100], final=True) == ()


def test_tls13_hides_the_certificate(
    contexts: dict[str, tuple[ssl.SSLContext, ssl.SSLContext]],
) -> None:
    server, client = contexts["1.3"]
    _, flight = _flights(server, client, None)
    assert NAME.encode() not in flight
    assert tls.server_certificate_names(flight) == ()
    assert tls.server_certificate_names(b"HTTP/1.1 200 OK\r\n") is None
