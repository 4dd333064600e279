"""The deobfuscator on loaders it must see through: packers, atob blobs, char codes, escapes."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from minehunt.intel import Intel
from minehunt.model import Severity
from minehunt.web.deobfuscate import deobfuscate
from minehunt.web.static import document_finding

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "files" / "web"
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def pack(code: str, radix: int = 62) -> str:
    """Dean Edwards' packer (base 62, no special characters): words become indexes."""
    words = list(dict.fromkeys(re.findall(r"\b\w+\b", code)))

    def encode(n: int) -> str:
        return ("" if n < radix else encode(n // radix)) + DIGITS[n % radix]

    index = {w: encode(i) for i, w in enumerate(words)}
    keys = [w if index[w] != w else "" for w in words]
    payload = re.sub(r"\b\w+\b", lambda m: index[m.group(0)], code)
    payload = payload.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return (
        "eval(function(p,a,c,k,e,d){e=function(c){return(c<a?'':e(parseInt(c/a)))+"
        "((c=c%a)>35?String.fromCharCode(c+29):c.toString(36))};if(!''.replace(/^/,String))"
        "{while(c--){d[e(c)]=k[c]||e(c)}k=[function(e){return d[e]}];e=function(){return'\\\\w+'};"
        "c=1};while(c--){if(k[c]){p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c])}}return p}"
        f"('{payload}',{radix},{len(words)},'{'|'.join(keys)}'.split('|'),0,{{}}))"
    )


def severity(name: str, text: str, intel: Intel) -> Severity | None:
    f = document_finding(name, text.encode(), None, intel)
    return None if f is None else f.severity


def test_packer_is_unpacked_and_its_miner_found(intel: Intel) -> None:
    code = (CORPUS / "pool_websocket.js").read_text()
    packed = pack(code)
    assert 'type: "auth"' not in packed and "wss://" not in packed
    d = deobfuscate(packed)
    assert any(s.startswith("p,a,c,k,e,d packer") for s in d.steps)
    assert 'JSON.stringify({ type: "auth"' in d.text
    f = document_finding("/srv/www/p.js", packed.encode(), None, intel)
    assert f is not None and f.severity >= Severity.MEDIUM
    decoded = [e for e in f.evidence if "decoded" in e.attributes]
    assert decoded and "packer" in str(decoded[0].attributes["decoded"])


def test_atob_and_char_codes_are_decoded(intel: Intel) -> None:
    code = (CORPUS / "miner_api_clone.js").read_text()
    blob = base64.b64encode(code.encode()).decode()
    assert severity("/srv/www/a.js", f'eval(atob("{blob}"));', intel) is not None
    codes = ",".join(str(ord(c)) for c in code)
    loader = f"var f = new Function(String.fromCharCode({codes})); f();"
    d = deobfuscate(loader)
    assert "String.fromCharCode (1)" in d.steps and "getHashesPerSecond" in d.text
    sev = severity("/srv/www/c.js", loader, intel)
    assert sev is not None and sev >= Severity.MEDIUM


def test_escaped_strings_are_read(intel: Intel) -> None:
    url = "wss://ws.pool.example:8181/proxy"
    escaped = "".join(f"\\x{ord(c):02x}" for c in url)
    d = deobfuscate(f'var ws = new WebSocket("{escaped}");')
    assert url in d.text and d.steps[0].startswith("hex/unicode escapes")


def test_plain_code_is_left_alone() -> None:
    code = (CORPUS / "pool_websocket.js").read_text()
    d = deobfuscate(code)
    assert not d.changed and d.text == code


def test_a_script_decoded_again_is_not_decoded_twice() -> None:
    # `scan files` decodes a script in the website checks, then again for the dropper
    # analysis: the second time gets the first result, a different script its own.
    code = (CORPUS / "pool_websocket.js").read_text()
    blob = base64.b64encode(code.encode()).decode()
    first = deobfuscate(f'eval(atob("{blob}"));')
    assert first.changed and deobfuscate(f'eval(atob("{blob}"));') is first
    other = deobfuscate(f'eval(atob("{blob}"));var q = 1;')
    assert other is not first and other.text != first.text


def test_budget_bounds_the_work() -> None:
    """A zero budget still returns (partial) text and says the budget stopped it."""
    code = (CORPUS / "pool_websocket.js").read_text()
    blob = base64.b64encode(code.encode()).decode()
    d = deobfuscate(f'eval(atob("{blob}"));' + "var q = 1;" * 1000, budget=0.0)
    assert not d.complete


def legacy_obfuscate(code: str, rotation: int = 7) -> str:
    """The 2017-2018 javascript-obfuscator layout: a hex-escaped string array rotated at
    start-up by a fixed count (``while(--n) push(shift())``) and ``_0xd('0x1f')`` lookups."""
    strings: list[str] = []

    def lookup(m: re.Match[str]) -> str:
        s = m.group(2)
        if s not in strings:
            strings.append(s)
        return f"_0x4f6b('0x{strings.index(s):x}')"

    body = re.sub(r"""(["'])((?:(?!\1).){2,})\1""", lookup, code)
    n = len(strings)
    stored = strings[n - rotation % n :] + strings[: n - rotation % n]  # undone by the IIFE
    escaped = ",".join("'" + "".join(f"\\x{ord(c):02x}" for c in s) + "'" for s in stored)
    return (
        f"var _0x3f2a=[{escaped}];(function(_0x4d2b1c,_0x3f2a51){{var _0x2e1f3a=function"
        "(_0x5e9e8f){while(--_0x5e9e8f){_0x4d2b1c['push'](_0x4d2b1c['shift']());}};"
        f"_0x2e1f3a(++_0x3f2a51);}}(_0x3f2a,0x{rotation:x}));var _0x4f6b=function(_0x4d2b1c,"
        "_0x3f2a51){_0x4d2b1c=_0x4d2b1c-0x0;var _0x2e1f3a=_0x3f2a[_0x4d2b1c];return _0x2e1f3a;};"
        + body
    )


def test_legacy_string_array_with_fixed_rotation(intel: Intel) -> None:
    code = (CORPUS / "pool_websocket.js").read_text()
    obfuscated = legacy_obfuscate(code)
    assert "wss://" not in obfuscated and "auth" not in obfuscated
    d = deobfuscate(obfuscated)
    assert any(s.startswith("string array (none") and "rotated" in s for s in d.steps)
    assert '"wss://ws.pool.example/proxy"' in d.text and 'type: "auth"' in d.text
    sev = severity("/srv/www/legacy.js", obfuscated, intel)
    assert sev is not None and sev >= Severity.MEDIUM


def test_hostile_lookups_do_not_break_the_scan(intel: Intel) -> None:
    """Indexes that are not numbers, or overflow, leave the call as it is."""
    code = (CORPUS / "pool_websocket.js").read_text()
    hostile = legacy_obfuscate(code) + "_0x4f6b('zz');_0x4f6b(1e400);_0x4f6b(0x" + "f" * 400 + ");"
    d = deobfuscate(hostile)
    assert "_0x4f6b('zz')" in d.text and '"wss://ws.pool.example/proxy"' in d.text
    sev = severity("/srv/www/hostile.js", hostile, intel)
    assert sev is not None and sev >= Severity.MEDIUM
