"""TLS ClientHello reader: the server name (SNI) a client asks for, from the first records.

Hand-written because no well-kept library parses a *captured* handshake: ssl and
cryptography speak TLS as an endpoint, and dpkt's TLS support stops at record framing and
raises on the extensions of TLS 1.3 hellos. Only the fields needed are read; every length is
checked, and a hello split across segments is read once enough bytes have arrived.
"""

from __future__ import annotations

HANDSHAKE = 0x16
CLIENT_HELLO = 0x01
SERVER_NAME = 0x0000
MAX_HELLO = 16 * 1024


def looks_like_tls(first: bytes) -> bool:
    """The first bytes of a direction are a TLS (or SSL 3.0) handshake record."""
    return len(first) >= 3 and first[0] == HANDSHAKE and first[1] == 3 and first[2] <= 4


def client_hello_sni(data: bytes) -> str | bool | None:
    """The SNI host name of the ClientHello at the start of ``data``.

    Returns the name, None when the hello carries no name (or is not a hello), and False
    while more bytes are needed to decide.
    """
    if not looks_like_tls(data):
        return None
    # Reassemble handshake bytes across records (a large hello may span several).
    hs = bytearray()
    pos = 0
    need: int | None = None
    while pos + 5 <= len(data) and (need is None or len(hs) < need):
        if data[pos] != HANDSHAKE:
            return None
        rlen = int.from_bytes(data[pos + 3 : pos + 5], "big")
        hs += data[pos + 5 : pos + 5 + rlen]
        pos += 5 + rlen
        if need is None and len(hs) >= 4:
            if hs[0] != CLIENT_HELLO:
                return None
            need = 4 + int.from_bytes(hs[1:4], "big")
            if need > MAX_HELLO:
                return None
    if need is None or len(hs) < need:
        return False if len(data) < MAX_HELLO else None
    return _sni(bytes(hs[4:need]))


def _sni(body: bytes) -> str | None:
    p = 2 + 32  # client_version, random
    if p >= len(body):
        return None
    p += 1 + body[p]  # session id
    if p + 2 > len(body):
        return None
    p += 2 + int.from_bytes(body[p : p + 2], "big")  # cipher suites
    if p >= len(body):
        return None
    p += 1 + body[p]  # compression methods
    if p + 2 > len(body):
        return None
    end = min(len(body), p + 2 + int.from_bytes(body[p : p + 2], "big"))
    p += 2
    while p + 4 <= end:
        etype = int.from_bytes(body[p : p + 2], "big")
        elen = int.from_bytes(body[p + 2 : p + 4], "big")
        ext = body[p + 4 : p + 4 + elen]
        p += 4 + elen
        if etype != SERVER_NAME or len(ext) < 5:
            continue
        # server_name_list: u16 length, then (u8 type, u16 length, name) entries
        q = 2
        while q + 3 <= len(ext):
            ntype, nlen = ext[q], int.from_bytes(ext[q + 1 : q + 3], "big")
            name = ext[q + 3 : q + 3 + nlen]
            q += 3 + nlen
            if ntype == 0 and name:
                return name.decode("ascii", "replace").lower().rstrip(".")
    return None


# --- server certificate (TLS 1.2 and older send it in the clear) ---------------------------

SERVER_HELLO = 0x02
CERTIFICATE = 0x0B
SUPPORTED_VERSIONS = 0x002B
_OID_CN = b"\x55\x04\x03"  # 2.5.4.3 commonName
_OID_SAN = b"\x55\x1d\x11"  # 2.5.29.17 subjectAltName


class _Short(Exception):
    """The DER ends before the element does (a certificate cut by the capture)."""


def server_certificate_names(data: bytes, *, final: bool = False) -> tuple[str, ...] | None:
    """Subject CN and SAN DNS names of the first certificate in the server's first flight.

    ``data`` is the start of the server's byte stream. Returns the names once decided
    (empty for TLS 1.3, whose certificate is encrypted), None when ``data`` is not TLS, and,
    unless ``final``, None too while the certificate may still arrive: the caller asks again
    with more bytes, then once with ``final=True`` (a capture often keeps only the first
    segment, so a cut certificate gives what it holds).
    """
    if not looks_like_tls(data):
        return None
    hs = bytearray()
    pos = 0
    while pos + 5 <= len(data) and data[pos] == HANDSHAKE and len(hs) < MAX_HELLO:
        rlen = int.from_bytes(data[pos + 3 : pos + 5], "big")
        hs += data[pos + 5 : pos + 5 + rlen]
        pos += 5 + rlen
    p = 0
    while p + 4 <= len(hs):
        mtype, mlen = hs[p], int.from_bytes(hs[p + 1 : p + 4], "big")
        body = bytes(hs[p + 4 : p + 4 + mlen])
        if mtype == SERVER_HELLO and _is_tls13(body):
            return ()  # decided: TLS 1.3 encrypts the certificate
        if mtype == CERTIFICATE:
            if len(body) < mlen and not final:
                return None
            # certificate_list: u24 length, then (u24 length, DER) entries; the leaf first
            if len(body) < 6:
                return () if final else None
            der = body[6 : 6 + int.from_bytes(body[3:6], "big")]
            return tuple(dict.fromkeys(_certificate_names(der)))
        p += 4 + mlen
    return () if final else None


def _is_tls13(hello: bytes) -> bool:
    """ServerHello with supported_versions = TLS 1.3."""
    p = 2 + 32
    if p >= len(hello):
        return False
    p += 1 + hello[p] + 2 + 1  # session id, cipher suite, compression
    if p + 2 > len(hello):
        return False
    end = min(len(hello), p + 2 + int.from_bytes(hello[p : p + 2], "big"))
    p += 2
    while p + 4 <= end:
        etype = int.from_bytes(hello[p : p + 2], "big")
        elen = int.from_bytes(hello[p + 2 : p + 4], "big")
        if etype == SUPPORTED_VERSIONS and elen >= 2:
            return hello[p + 4 : p + 6] == b"\x03\x04"
        p += 4 + elen
    return False


def _tlv(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at ``pos``; the end may lie
    past the data when the certificate was cut."""
    if pos + 2 > len(der):
        raise _Short
    tag, first = der[pos], der[pos + 1]
    pos += 2
    if first & 0x80:
        n = first & 0x7F
        if n == 0 or n > 4 or pos + n > len(der):
            raise _Short
        length = int.from_bytes(der[pos : pos + n], "big")
        pos += n
    else:
        length = first
    return tag, pos, pos + length


def _certificate_names(der: bytes) -> list[str]:
    """Names from a (possibly cut) X.509 certificate, hand-read because it may be cut:
    Certificate > TBSCertificate > [version] serial sigAlg issuer validity subject spki
    [issuerUID] [subjectUID] [3] extensions."""
    names: list[str] = []
    try:
        _tag, start, _end = _tlv(der, 0)
        _tag, p, _end = _tlv(der, start)
        tag, _s, end = _tlv(der, p)
        if tag == 0xA0:  # explicit version
            p = end
        for _ in range(4):  # serial, signature algorithm, issuer, validity
            _tag, _s, p = _tlv(der, p)
        _tag, s, end = _tlv(der, p)
        names += _common_names(der, s, min(end, len(der)))
        p = end
        _tag, _s, p = _tlv(der, p)  # subject public key info
        while p < len(der):
            tag, s, end = _tlv(der, p)
            if tag == 0xA3:
                names += _alt_names(der, s, min(end, len(der)))
            p = end
    except _Short:
        pass
    return [certificate_host(n) for n in names if n]


def certificate_host(name: str) -> str:
    """A certificate's host name as pool names are matched: lower-case, no wildcard label,
    no trailing dot (``*.HeroMiners.com.`` -> ``herominers.com``)."""
    return name.lower().removeprefix("*.").rstrip(".")


def _children(der: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    p = start
    while p < end:
        try:
            tag, s, e = _tlv(der, p)
        except _Short:
            break
        if e > end:
            break
        out.append((tag, s, e))
        p = e
    return out


def _common_names(der: bytes, start: int, end: int) -> list[str]:
    out = []
    for _set, s, e in _children(der, start, end):
        for _seq, s2, e2 in _children(der, s, e):
            parts = _children(der, s2, e2)
            if len(parts) == 2 and der[parts[0][1] : parts[0][2]] == _OID_CN:
                out.append(der[parts[1][1] : parts[1][2]].decode("utf-8", "replace"))
    return out


def _alt_names(der: bytes, start: int, end: int) -> list[str]:
    out = []
    for _seq, s, e in _children(der, start, end):  # [3] holds one SEQUENCE of Extension
        for _ext, s2, e2 in _children(der, s, e):
            parts = _children(der, s2, e2)
            if not parts or der[parts[0][1] : parts[0][2]] != _OID_SAN:
                continue
            _tag, vs, ve = parts[-1]  # extnValue OCTET STRING
            for _gn, gs, ge in _children(der, vs, ve):
                for tag, ns, ne in _children(der, gs, ge):
                    if tag == 0x82:  # dNSName
                        out.append(der[ns:ne].decode("ascii", "replace"))
    return out
