"""The local test site: miner pages, benign look-alikes and hostile pages.

``write_site`` lays the pages out under a directory; tests serve it with tests/web/server.py.
Every miner page uses the real miner built by tests/web/miner/build.py and points its
WebSocket at coin-hive-stratum on 127.0.0.1, which forwards to the test pool.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.web.miner.build import MinerBuild

TESTS = Path(__file__).resolve().parents[1]
NODE_MODULES = TESTS / "node_modules"
SITE_KEY = "mhTestSiteKey0123456789abcdefXYZ"
"""The CoinHive-style site key every miner page uses (the 'same key across pages' signal)."""

MINER_PAGES = {
    "embed": "/miner/embed.html",
    "throttled": "/miner/throttled.html",
    "injected": "/miner/injected.html",
    "iframe": "/miner/ad.html",
    "renamed": "/blog/renamed.html",
}
BENIGN_PAGES = {
    "animation": "/benign/animation.html",
    "argon2": "/benign/argon2.html",
    "filehash": "/benign/filehash.html",
    "chat": "/benign/chat.html",
    "captcha": "/benign/captcha.html",
}
HOSTILE_PAGES = {
    "redirects": "/hostile/redirect/0",
    "huge": "/hostile/huge.html",
    "invalid": "/hostile/invalid.html",
    "slow": "/hostile/slow.html",
    "workers": "/hostile/workers.html",
}


@dataclass(frozen=True)
class Site:
    root: Path
    proxy_ws: str


def _page(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>{head}</head>\n<body>\n<h1>{title}</h1>\n{body}\n</body></html>\n"
    )


def _embed(proxy_ws: str, throttle: float = 0.0, user: str | None = None) -> str:
    ctor = (
        f"new CoinHive.User('{SITE_KEY}', '{user}', {{throttle: {throttle}}})"
        if user
        else f"new CoinHive.Anonymous('{SITE_KEY}', {{throttle: {throttle}}})"
    )
    return (
        '<script src="/lib/coinhive.min.js"></script>\n'
        "<script>\n"
        f'  CoinHive.CONFIG.WEBSOCKET_SHARDS = [["{proxy_ws}"]];\n'
        f"  var miner = {ctor};\n"
        "  miner.start();\n"
        "</script>"
    )


def _write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


ANIMATION = """<canvas id="c" width="640" height="360"></canvas>
<script>
  // A particle animation: heavy, legitimate main-thread JavaScript on every frame.
  var c = document.getElementById("c"), g = c.getContext("2d"), parts = [];
  for (var i = 0; i < 4000; i++) parts.push({x: Math.random() * 640, y: Math.random() * 360,
    vx: Math.random() - 0.5, vy: Math.random() - 0.5});
  function frame(t) {
    g.fillStyle = "#002"; g.fillRect(0, 0, 640, 360); g.fillStyle = "#8cf";
    for (var k = 0; k < parts.length; k++) {
      var p = parts[k];
      for (var j = 0; j < 40; j++) { p.vx += Math.sin(t / 900 + k + j) * 0.0005; }
      p.x = (p.x + p.vx + 640) % 640; p.y = (p.y + p.vy + 360) % 360;
      g.fillRect(p.x, p.y, 2, 2);
    }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
</script>"""

ARGON2 = """<form id="login"><input type="password" id="pw" value="correct horse battery staple">
<button type="submit">Sign in</button></form><p id="out"></p>
<script src="/vendor/argon2/argon2-bundled.min.js"></script>
<script>
  // Client-side password hashing before sign-in (argon2-browser).
  argon2.hash({pass: document.getElementById("pw").value, salt: "per-user-salt-1234",
               time: 2, mem: 16384, hashLen: 32, type: argon2.ArgonType.Argon2id})
    .then(function (h) { document.getElementById("out").textContent = h.encoded; });
</script>"""

FILEHASH = """<p>Checksum of your upload: <code id="sum"></code></p>
<script src="/vendor/hash-wasm/index.umd.min.js"></script>
<script>
  // File hashing (hash-wasm): SHA-256 and BLAKE3 of an 8 MiB "file".
  var data = new Uint8Array(8 * 1024 * 1024);
  for (var i = 0; i < data.length; i++) data[i] = i & 255;
  hashwasm.sha256(data).then(function (a) {
    return hashwasm.blake3(data).then(function (b) {
      document.getElementById("sum").textContent = a + " / " + b; });
  });
</script>"""

CHAT = """<ul id="log"></ul>
<script>
  // A chat room over WebSocket: JSON messages with a user and a text, echoed back.
  var ws = new WebSocket("ws://" + location.host + "/chat"), n = 0;
  ws.onmessage = function (e) {
    var li = document.createElement("li"); li.textContent = e.data;
    document.getElementById("log").appendChild(li);
  };
  ws.onopen = function () {
    setInterval(function () {
      ws.send(JSON.stringify({user: "alice", room: "lobby", text: "hello " + (n++)}));
    }, 500);
  };
</script>"""

CAPTCHA = """<form id="signup" class="pow-captcha"><input name="email" value="a@example.org">
<button>Sign up</button></form><p id="state">verifying you are human...</p>
<script>
  // ALTCHA-style proof-of-work captcha: find the number whose SHA-256 with the salt
  // equals the server's challenge, in a worker, then submit the solution with the form.
  var src = "onmessage = async function (e) {" +
    "  var c = e.data, enc = new TextEncoder();" +
    "  for (var n = 0; n <= c.maxnumber; n++) {" +
    "    var d = await crypto.subtle.digest('SHA-256', enc.encode(c.salt + n));" +
    "    var h = Array.from(new Uint8Array(d)).map(function (b) {" +
    "      return b.toString(16).padStart(2, '0'); }).join('');" +
    "    if (h === c.challenge) { postMessage({number: n}); return; }" +
    "  }" +
    "};";
  var solver = new Worker(URL.createObjectURL(new Blob([src], {type: "text/javascript"})));
  fetch("/pow/challenge").then(function (r) { return r.json(); }).then(function (challenge) {
    solver.onmessage = function (e) {
      fetch("/pow/verify", {method: "POST", body: JSON.stringify({challenge: challenge.challenge,
        salt: challenge.salt, number: e.data.number})}).then(function () {
        document.getElementById("state").textContent = "verified"; });
    };
    solver.postMessage(challenge);
  });
</script>"""

INVALID = (
    b"<html><head><title>broken<title></head><body><div><p><b><i>unclosed "
    b"<script>var x = '</scr' + 'ipt>';</script><table><tr><td>\x00\x01\xff\xfe bytes"
    b"<svg><foreignObject><math><mi><style>@import 'x'</style>"
    + b"<div>" * 5000
    + b"<!-- comment never closed <script src=/x.js></script>"
)

WORKERS = """<script>
  // Opens hundreds of busy workers at once: the scanner must stay bounded.
  var src = "var x = 0; for (;;) { x = (x * 1103515245 + 12345) | 0; }";
  var url = URL.createObjectURL(new Blob([src], {type: "text/javascript"}));
  for (var i = 0; i < 300; i++) { try { new Worker(url); } catch (e) { break; } }
</script>"""


def write_site(root: Path, miner: MinerBuild, proxy_ws: str) -> Site:
    """Write every page of the test site under ``root``."""
    # The miner: named, self-hosted under /lib, and renamed under innocent paths.
    _write(root, "/lib/coinhive.min.js", miner.loader.read_bytes())
    _write(root, "/lib/cryptonight-worker.js", miner.worker.read_bytes())
    _write(root, "/lib/cryptonight.wasm", miner.wasm.read_bytes())
    _write(root, "/assets/js/analytics.js", miner.loader_min.read_bytes())
    _write(root, "/assets/js/chunk.js", miner.worker_min.read_bytes())
    _write(root, "/assets/img/sprite.bin", miner.wasm_renamed.read_bytes())
    _write(
        root,
        "/vendor/argon2/argon2-bundled.min.js",
        (NODE_MODULES / "argon2-browser/dist/argon2-bundled.min.js").read_bytes(),
    )
    shutil.copytree(NODE_MODULES / "hash-wasm/dist", root / "vendor/hash-wasm", dirs_exist_ok=True)

    _write(root, MINER_PAGES["embed"], _page("Recipes", "<p>Today: soup.</p>\n" + _embed(proxy_ws)))
    _write(
        root,
        MINER_PAGES["throttled"],
        _page("News", "<p>Quiet day.</p>\n" + _embed(proxy_ws, 0.8, "visitor")),
    )
    _write(
        root,
        MINER_PAGES["injected"],
        _embed(proxy_ws) + "\n" + _page("Router status", "<p>Connected.</p>"),
    )
    _write(root, "/ads/banner.html", _page("Ad", "<p>Buy now!</p>\n" + _embed(proxy_ws)))
    _write(
        root,
        MINER_PAGES["iframe"],
        _page(
            "Weather",
            '<p>Sunny.</p>\n<iframe src="/ads/banner.html" width="300" height="250"></iframe>',
        ),
    )
    config = (
        f'{{id: "{SITE_KEY}", e: "{proxy_ws}", w: "/assets/js/chunk.js", '
        'm: "/assets/img/sprite.bin"}'
    )
    _write(
        root,
        MINER_PAGES["renamed"],
        _page(
            "Travel blog",
            "<p>Photos from the coast.</p>\n"
            f"<script>window.__analytics = {config};</script>\n"
            '<script src="/assets/js/analytics.js" async></script>',
        ),
    )

    _write(root, BENIGN_PAGES["animation"], _page("Particles", ANIMATION))
    _write(root, BENIGN_PAGES["argon2"], _page("Sign in", ARGON2))
    _write(root, BENIGN_PAGES["filehash"], _page("Upload", FILEHASH))
    _write(root, BENIGN_PAGES["chat"], _page("Chat", CHAT))
    _write(root, BENIGN_PAGES["captcha"], _page("Sign up", CAPTCHA))

    _write(root, HOSTILE_PAGES["invalid"], INVALID)
    _write(root, HOSTILE_PAGES["workers"], _page("Workers", WORKERS))

    # robots.txt keeps crawlers out of the blog (only honoured with --respect-robots)
    _write(root, "/robots.txt", "User-agent: *\nDisallow: /blog/\n")
    links = "\n".join(
        f'<li><a href="{p}">{name}</a></li>'
        for name, p in {**MINER_PAGES, **BENIGN_PAGES, **HOSTILE_PAGES}.items()
    )
    _write(root, "/index.html", _page("Test site", f"<ul>\n{links}\n</ul>"))
    return Site(root, proxy_ws)
