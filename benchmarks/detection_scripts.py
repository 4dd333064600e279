"""Detection of dropper scripts: recall on transformed authored droppers, false positives on
the machine's own scripts and on installers from the package registries.

    .venv/bin/python benchmarks/detection_scripts.py [--seed 1] [--variants 3]
        [--max-code 5000] [--no-registry]

Positives: every authored dropper in tests/corpus/dropper/positive, as written and after
transformations this script generates without looking at the rules (per language, Node
JavaScript included: renamed variables, re-quoted and escaped command words, words split
into variables, strings split into concatenations, case changes, base64 or -EncodedCommand
wrapping, reordered blocks, and two of these stacked). Negatives: every dpkg maintainer
script, every script (#!) in /usr/bin and /usr/sbin, every script or text file under /etc,
the authored admin scripts in tests/corpus/dropper/benign, a sample of the script and
module files of installed software (.sh .py .pl .pm .ps1 ... under /usr/share, /usr/lib,
/opt), the shell/PowerShell/batch installers shipped in registry packages (npm `n`, PyPI
`virtualenv`) and the JavaScript of npm packages that fetch programs and start them through
child_process (esbuild, @puppeteer/browsers, node-gyp, pm2). Each set goes through
``minehunt scan files`` as users run it (rules + script analysis); the table counts files
at medium or above.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import platform
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import tokenize
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POSITIVE = REPO / "tests" / "corpus" / "dropper" / "positive"
BENIGN = REPO / "tests" / "corpus" / "dropper" / "benign"
MINEHUNT = str(Path(sys.executable).with_name("minehunt"))
MAINTAINER = ("preinst", "postinst", "prerm", "postrm", "config")
LEVELS = ("info", "low", "medium", "high", "critical")
REGISTRY = (
    ("npm", "n@10.2.0"),
    ("pypi", "virtualenv==20.26.6"),
    # JavaScript that fetches programs and starts them through child_process, as
    # installers and process managers do.
    ("npm", "esbuild@0.24.0"),
    ("npm", "@puppeteer/browsers@2.4.0"),
    ("npm", "node-gyp@10.2.0"),
    ("npm", "pm2@5.4.2"),
)


# -- languages and transformations ------------------------------------------------------


def language(path: Path, text: str) -> str:
    ext = path.suffix.lower()
    first = text.split("\n", 1)[0]
    if ext == ".ps1":
        return "powershell"
    if ext in (".bat", ".cmd"):
        return "batch"
    if ext == ".vbs":
        return "vbscript"
    if ext == ".py" or "python" in first:
        return "python"
    if ext == ".pl" or "perl" in first:
        return "perl"
    if ext == ".txt":
        return "list"
    if ext in (".js", ".mjs", ".cjs"):
        return "javascript"
    return "shell"


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{3,}")


def _unquoted_spans(line: str) -> list[tuple[int, int]]:
    """Spans of ``line`` outside single/double quotes, comments and $(...)-free heredoc text."""
    spans, start, quote, i = [], 0, "", 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == quote:
                quote, start = "", i + 1
        elif c in "'\"":
            spans.append((start, i))
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t;"):
            spans.append((start, i))
            return spans
        i += 1
    if not quote:
        spans.append((start, len(line)))
    return spans


def _command_words(line: str) -> list[tuple[int, int]]:
    """Unquoted words at command position: after start, ; | & ( $( or backtick."""
    out = []
    for a, b in _unquoted_spans(line):
        seg = line[a:b]
        rx = r"(?:^|[;|&(`]|\$\()\s*(?:sudo\s+|nohup\s+|exec\s+)?([A-Za-z][\w.-]{2,})(?!\w*=)"
        for m in re.finditer(rx, seg):
            out.append((a + m.start(1), a + m.end(1)))
    return out


def _edit_words(text: str, edit: Callable[[str], str], rng: random.Random, share: float) -> str:
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if line.lstrip().startswith("#") or "<<" in line:
            continue
        words = [w for w in _command_words(line) if rng.random() < share]
        for a, b in reversed(words):
            line = line[:a] + edit(line[a:b]) + line[b:]
        lines[n] = line
    return "\n".join(lines)


def _cut(word: str, rng: random.Random) -> int:
    return rng.randint(1, len(word) - 1)


def sh_requote(text: str, rng: random.Random) -> str:
    def edit(w: str) -> str:
        i = _cut(w, rng)
        return w[:i] + rng.choice(("''", '""')) + w[i:]

    return _edit_words(text, edit, rng, 0.7)


def sh_escape(text: str, rng: random.Random) -> str:
    def edit(w: str) -> str:
        i = _cut(w, rng)
        return w[:i] + "\\" + w[i:] if w[i].isalpha() else w

    return _edit_words(text, edit, rng, 0.7)


def sh_split(text: str, rng: random.Random) -> str:
    names: dict[str, str] = {}

    def var(part: str) -> str:
        if part not in names:
            names[part] = "_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5))
        return "${" + names[part] + "}"

    def edit(w: str) -> str:
        i = _cut(w, rng)
        return var(w[:i]) + var(w[i:])

    body = _edit_words(text, edit, rng, 0.6)
    head, rest = [*body.split("\n", 1), ""][:2] if body.startswith("#!") else ("", body)
    assigns = ";".join(f"{v}='{k}'" for k, v in names.items())
    return "\n".join(x for x in (head, assigns, rest) if x)


def sh_ifs(text: str, rng: random.Random) -> str:
    out = []
    for line in text.split("\n"):
        spans = _unquoted_spans(line)
        if line.lstrip().startswith("#") or "<<" in line or not spans:
            out.append(line)
            continue
        a, b = spans[0]
        seg = re.sub(
            r"(?<=\S) (?=\S)", lambda m: "${IFS}" if rng.random() < 0.5 else " ", line[a:b]
        )
        out.append(line[:a] + seg + line[b:])
    return "\n".join(out)


def _new_names(names: set[str], prefix: str, rng: random.Random) -> dict[str, str]:
    """A random new name for each of ``names`` (``prefix`` and six consonants)."""
    return {
        n: prefix + "".join(rng.choice("qwrtzpsdfghjklxcvbnm") for _ in range(6)) for n in names
    }


def _renamer(pattern: str, keep: set[str], prefix: str) -> Callable[[str, random.Random], str]:
    def rename(text: str, rng: random.Random) -> str:
        mapping = _new_names({m for m in re.findall(pattern, text) if m not in keep}, prefix, rng)
        for old, new in mapping.items():
            text = re.sub(rf"(?<![\w]){re.escape(old)}(?!\w)", new, text)
        return text

    return rename


sh_rename = _renamer(
    r"(?m)(?:^|[;\s])(?:local\s+|export\s+)?([A-Za-z_]\w*)=", {"PATH", "IFS", "HOME"}, "v"
)
ps_rename = _renamer(
    r"\$([A-Za-z_]\w*)\s*=",
    {"env", "true", "false", "null", "_", "ErrorActionPreference", "args", "MyInvocation"},
    "v",
)
pl_rename = _renamer(r"\bmy\s+\$(\w+)", set(), "v")


def _code_renamer(
    pattern: str, code: Callable[[str], list[tuple[str, bool]]]
) -> Callable[[str, random.Random], str]:
    """A renamer for languages whose names are bare words (Python, JavaScript): a name is
    renamed where it is code, not inside a string literal or a comment, nor after a dot
    (an attribute or a method of something else), so the variant is still a program.
    ``code`` splits a text into (piece, is_code) pieces."""

    def rename(text: str, rng: random.Random) -> str:
        mapping = _new_names(set(re.findall(pattern, text)), "v_", rng)
        if not mapping:
            return text
        word = re.compile(rf"(?<![\w.$])({'|'.join(map(re.escape, mapping))})(?![\w$])")

        def sub(piece: str) -> str:
            def one(m: re.Match[str]) -> str:
                # A keyword argument's name (`run(cmd, env=env)`) is the callee's, not ours.
                before = piece[: m.start()].rstrip()
                if before.endswith(("(", ",")) and re.match(r"\s*=(?!=)", piece[m.end() :]):
                    return m.group(1)
                return mapping[m.group(1)]

            return word.sub(one, piece)

        return "".join(sub(piece) if is_code else piece for piece, is_code in code(text))

    return rename


_JS_TOKEN = re.compile(
    r"//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|`(?:\\.|[^`\\])*`", re.S
)
_JS_INTERPOLATION = re.compile(r"\$\{[^{}`]*\}")


def _js_pieces(text: str) -> list[tuple[str, bool]]:
    """JavaScript split into code and the rest; a template literal's ${...} is code."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _JS_TOKEN.finditer(text):
        out.append((text[pos : m.start()], True))
        tok, pos = m.group(), m.end()
        if tok.startswith("`"):
            at = 0
            for i in _JS_INTERPOLATION.finditer(tok):
                out += [(tok[at : i.start()], False), (i.group(), True)]
                at = i.end()
            out.append((tok[at:], False))
        else:
            out.append((tok, False))
    out.append((text[pos:], True))
    return out


def _py_pieces(text: str) -> list[tuple[str, bool]]:
    """Python split into code and the rest (by its own tokenizer); an f-string's {...} is
    code. Text the tokenizer refuses is left whole (no renaming)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return [(text, False)]
    out: list[tuple[str, bool]] = []
    pos = 0
    for tok in tokens:
        if tok.type not in (tokenize.STRING, tokenize.COMMENT):
            continue
        a = starts[tok.start[0] - 1] + tok.start[1]
        b = starts[tok.end[0] - 1] + tok.end[1]
        out.append((text[pos:a], True))
        piece = text[a:b]
        prefix = re.match(r"[A-Za-z]*", piece).group().lower()  # type: ignore[union-attr]
        if "f" in prefix:
            at = 0
            for i in re.finditer(r"\{[^{}]*\}", piece):
                out += [(piece[at : i.start()], False), (i.group(), True)]
                at = i.end()
            piece = piece[at:]
        out.append((piece, False))
        pos = b
    out.append((text[pos:], True))
    return out


py_rename = _code_renamer(r"(?m)^[ \t]*([A-Za-z_]\w*)[ \t]*=(?!=)", _py_pieces)
js_rename = _code_renamer(r"\b(?:const|let|var|function)\s+([A-Za-z_$][\w$]*)", _js_pieces)


def sh_reorder(text: str, rng: random.Random) -> str:
    """Blank-line separated blocks in reverse order (the shebang stays first); a one-block
    script gets its simple top-level commands (no block keywords) shuffled."""
    head, body = [*text.split("\n", 1), ""][:2] if text.startswith("#!") else ("", text)
    blocks = [b for b in re.split(r"\n\s*\n", body) if b.strip()]
    if len(blocks) > 1:
        body = "\n\n".join(reversed(blocks))
    else:
        lines = body.split("\n")
        simple = re.compile(r"^[^\s#].*$")
        keyword = re.compile(
            r"\b(?:if|then|fi|do|done|case|esac|else|elif|EOF|EOT|for|while)\b|[{}]|<<"
        )
        idx = [i for i, ln in enumerate(lines) if simple.match(ln) and not keyword.search(ln)]
        moved = [lines[i] for i in idx]
        rng.shuffle(moved)
        for i, ln in zip(idx, moved, strict=True):
            lines[i] = ln
        body = "\n".join(lines)
    return "\n".join(x for x in (head, body) if x)


def sh_wrap(text: str, rng: random.Random) -> str:
    blob = base64.b64encode(text.encode()).decode()
    return rng.choice(
        (
            f"#!/bin/sh\necho {blob} | base64 -d | bash\n",
            f'#!/bin/bash\neval "$(echo {blob} | base64 --decode)"\n',
            f"#!/bin/sh\nprintf %s {blob} | base64 -d | sh -s\n",
        )
    )


def _split_strings(text: str, rng: random.Random, quote: str, join: str, wrap: bool) -> str:
    def edit(m: re.Match[str]) -> str:
        s = m.group(1)
        if len(s) < 4 or rng.random() < 0.3 or "\\" in s[-2:]:
            return m.group(0)
        i = rng.randint(1, len(s) - 1)
        joined = f"{quote}{s[:i]}{quote}{join}{quote}{s[i:]}{quote}"
        return f"({joined})" if wrap else joined

    return re.sub(rf"{quote}([^{quote}\n$]*){quote}", edit, text)


def ps_split(text: str, rng: random.Random) -> str:
    return _split_strings(text, rng, "'", "+", True)


def ps_tick(text: str, rng: random.Random) -> str:
    safe = "cdghijklmopqswxyzCDGHIJKLMOPQSWXYZ"  # not PowerShell escape letters (`n, `t ...)

    def edit(m: re.Match[str]) -> str:
        w = m.group(0)
        spots = [i for i in range(1, len(w)) if w[i] in safe]
        if not spots or rng.random() < 0.3:
            return w
        i = rng.choice(spots)
        return w[:i] + "`" + w[i:]

    out = []
    for line in text.split("\n"):
        spans = _unquoted_spans(line)
        for a, b in reversed(spans):
            seg = re.sub(r"(?<![$\w-])[A-Za-z][A-Za-z-]{3,}", edit, line[a:b])
            line = line[:a] + seg + line[b:]
        out.append(line)
    return "\n".join(out)


def ps_case(text: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


def ps_encode(text: str, rng: random.Random) -> str:
    blob = base64.b64encode(text.encode("utf-16-le")).decode()
    flag = rng.choice(("-EncodedCommand", "-enc", "-e", "-ec"))
    return f"powershell.exe -NoP -NonI -W Hidden {flag} {blob}\r\n"


def bat_caret(text: str, rng: random.Random) -> str:
    def edit(w: str) -> str:
        i = _cut(w, rng)
        return w[:i] + "^" + w[i:]

    return _edit_words(text, edit, rng, 0.7)


def py_split(text: str, rng: random.Random) -> str:
    return _split_strings(_split_strings(text, rng, '"', " + ", False), rng, "'", " + ", False)


def _b64_wrap(text: str, rng: random.Random, *templates: str) -> str:
    """``text`` as base64 in one of ``templates`` (``{blob}`` marks where)."""
    blob = base64.b64encode(text.encode()).decode()
    return rng.choice(templates).format(blob=blob)


def py_wrap(text: str, rng: random.Random) -> str:
    return _b64_wrap(
        text,
        rng,
        "import base64\nexec(base64.b64decode('{blob}').decode())\n",
        "exec(__import__('base64').b64decode(\"{blob}\"))\n",
    )


def pl_split(text: str, rng: random.Random) -> str:
    return _split_strings(text, rng, '"', ".", False)


def pl_wrap(text: str, rng: random.Random) -> str:
    blob = base64.b64encode(text.encode()).decode()
    return f"use MIME::Base64;\neval(decode_base64('{blob}'));\n"


js_split = py_split  # "a" + "b" in both languages


def js_wrap(text: str, rng: random.Random) -> str:
    return _b64_wrap(
        text,
        rng,
        'eval(Buffer.from("{blob}", "base64").toString());\n',
        "new Function(require, atob('{blob}'))(require);\n",
    )


def vbs_split(text: str, rng: random.Random) -> str:
    return _split_strings(text, rng, '"', " & ", False)


Transform = Callable[[str, random.Random], str]
TRANSFORMS: dict[str, dict[str, Transform]] = {
    "shell": {
        "rename": sh_rename,
        "requote": sh_requote,
        "escape": sh_escape,
        "split-vars": sh_split,
        "ifs": sh_ifs,
        "reorder": sh_reorder,
        "base64-wrap": sh_wrap,
    },
    "powershell": {
        "rename": ps_rename,
        "split-strings": ps_split,
        "tick": ps_tick,
        "case": ps_case,
        "encoded": ps_encode,
    },
    "batch": {"caret": bat_caret},
    "python": {"rename": py_rename, "split-strings": py_split, "base64-wrap": py_wrap},
    "perl": {"rename": pl_rename, "split-strings": pl_split, "base64-wrap": pl_wrap},
    "vbscript": {"split-strings": vbs_split},
    "javascript": {"rename": js_rename, "split-strings": js_split, "base64-wrap": js_wrap},
    "list": {},
}
SUFFIX = {
    "shell": ".sh",
    "powershell": ".ps1",
    "batch": ".cmd",
    "python": ".py",
    "perl": ".pl",
    "vbscript": ".vbs",
    "list": ".txt",
    "javascript": ".js",
}


def positives(out: Path, seed: int, variants: int) -> dict[str, str]:
    """Write the transformed corpus to ``out``; returns file name -> transformation."""
    rng = random.Random(seed)
    made: dict[str, str] = {}
    for src in sorted(POSITIVE.iterdir()):
        text = src.read_text()
        lang = language(src, text)
        ts = TRANSFORMS[lang]
        todo: list[tuple[str, list[str]]] = [("as-written", [])]
        todo += [(name, [name]) for name in ts]
        names = list(ts)
        for _ in range(variants if len(names) >= 2 else 0):
            pair = rng.sample(names, 2)
            # an encoding wrap goes last: the other change happens inside it
            pair.sort(key=lambda n: n in ("base64-wrap", "encoded"))
            todo.append(("+".join(pair), pair))
        for k, (label, chain) in enumerate(todo):
            t = text
            for name in chain:
                t = ts[name](t, rng)
            wrapped = chain and chain[-1] == "encoded"
            fname = f"{src.stem}.{k:02d}{'.cmd' if wrapped else SUFFIX[lang]}"
            (out / fname).write_text(t)
            made[fname] = label
    return made


# -- negatives --------------------------------------------------------------------------


def _is_text(p: Path) -> bool:
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return bool(head) and b"\0" not in head


def _scripts(d: str) -> list[Path]:
    out = []
    for p in sorted(Path(d).iterdir()):
        try:
            if p.is_symlink() or not p.is_file():
                continue
            with open(p, "rb") as fh:
                if fh.read(2) == b"#!" and _is_text(p):
                    out.append(p)
        except OSError:
            continue
    return out


def registry_installers(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    for kind, spec in REGISTRY:
        if kind == "npm":
            cmd = ["npm", "pack", spec, "--silent", "--pack-destination", str(dest)]
        else:
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "--only-binary",
                ":all:",
                spec,
                "-d",
                str(dest),
            ]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    out = dest / "x"
    for a in list(dest.iterdir()):
        if a.suffix == ".tgz":
            with tarfile.open(a) as tf:
                tf.extractall(out / a.stem, filter="data")
        elif a.suffix == ".whl":
            with zipfile.ZipFile(a) as zf:
                zf.extractall(out)
    keep = (".sh", ".ps1", ".bat", ".cmd", ".bash", ".fish", ".csh", ".nu", ".js", ".mjs", ".cjs")
    return [
        p
        for p in out.rglob("*")
        if p.is_file() and (p.suffix in keep or p.name in ("n", "activate")) and _is_text(p)
    ]


CODE_SUFFIXES = (".sh", ".bash", ".ps1", ".psm1", ".py", ".pl", ".pm", ".bat", ".cmd", ".vbs")


def code_files(cap: int, seed: int) -> list[Path]:
    """Script and module files of installed software (a deterministic sample of ``cap``)."""
    out = []
    for top in ("/usr/share", "/usr/lib", "/usr/local/lib", "/opt"):
        for root, _dirs, files in os.walk(top):
            for f in files:
                p = Path(root, f)
                if p.suffix in CODE_SUFFIXES and not p.is_symlink():
                    out.append(p)
    out.sort()
    if cap and len(out) > cap:
        out = sorted(random.Random(seed).sample(out, cap))
    return out


def negatives(tmp: Path, registry: bool, cap: int = 0, seed: int = 1) -> dict[str, list[Path]]:
    info = Path("/var/lib/dpkg/info")
    sets = {
        "dpkg maintainer scripts": sorted(
            p for p in info.iterdir() if p.suffix.lstrip(".") in MAINTAINER
        ),
        "/usr/bin, /usr/sbin scripts": _scripts("/usr/bin") + _scripts("/usr/sbin"),
        "/etc text files": sorted(
            p
            for p in Path("/etc").rglob("*")
            if not p.is_symlink() and p.is_file() and p.stat().st_size <= 512 << 10 and _is_text(p)
        ),
        "authored admin scripts": sorted(BENIGN.iterdir()),
        "code under /usr/share, /usr/lib, /opt (sh, py, pl, ps1 ...)": code_files(cap, seed),
    }
    if registry:
        name = "registry installers (n, virtualenv, esbuild, @puppeteer/browsers, node-gyp, pm2)"
        sets[name] = registry_installers(tmp)
    return sets


# -- running ----------------------------------------------------------------------------


def scan(paths: list[Path]) -> tuple[dict[str, str], float]:
    """Severity per scanned path (only files with a finding), and wall seconds."""
    sevs: dict[str, str] = {}
    start = time.perf_counter()
    for i in range(0, len(paths), 2000):
        chunk = [str(p) for p in paths[i : i + 2000]]
        res = subprocess.run(
            [MINEHUNT, "scan", "files", *chunk, "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode not in (0, 1, 3):
            raise SystemExit(f"minehunt failed: {res.stderr[-2000:]}")
        for f in json.loads(res.stdout)["findings"]:
            path = f["target"]["path"]
            if f["target"].get("archive"):
                path = f["target"]["archive"]
            old = sevs.get(path)
            if old is None or LEVELS.index(f["severity"]) > LEVELS.index(old):
                sevs[path] = f["severity"]
    return sevs, time.perf_counter() - start


def at_medium(sev: str | None) -> bool:
    return sev is not None and LEVELS.index(sev) >= LEVELS.index("medium")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--variants", type=int, default=3, help="stacked pairs of transformations per file"
    )
    ap.add_argument("--no-registry", action="store_true", help="skip the registry installers")
    ap.add_argument(
        "--max-code",
        type=int,
        default=5000,
        help="sample of code files under /usr/share, /usr/lib, /opt (0: all of them)",
    )
    args = ap.parse_args()
    print(
        f"# {platform.node()} {platform.platform()} cpus={os.cpu_count()} "
        f"load={os.getloadavg()[0]:.1f}"
    )
    print(f"# seed {args.seed}, {args.variants} stacked pairs per file\n")
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        pos_dir = tmp / "pos"
        pos_dir.mkdir()
        made = positives(pos_dir, args.seed, args.variants)
        sevs, secs = scan(sorted(pos_dir.iterdir()))
        by_t: dict[str, list[bool]] = {}
        for name, label in made.items():
            key = "stacked pairs" if "+" in label else label
            by_t.setdefault(key, []).append(at_medium(sevs.get(str(pos_dir / name))))
        missed = sorted(n for n in made if not at_medium(sevs.get(str(pos_dir / n))))
        print("| Positives (authored droppers) | files | found at medium+ | recall |")
        print("|---|---:|---:|---:|")
        total = [at_medium(sevs.get(str(pos_dir / n))) for n in made]
        for key, hits in sorted(by_t.items()):
            print(f"| {key} | {len(hits)} | {sum(hits)} | {100 * sum(hits) / len(hits):.1f} % |")
        print(
            f"| **all** | {len(total)} | {sum(total)} | **{100 * sum(total) / len(total):.1f} %** |"
        )
        print(
            f"\nscan time {secs:.1f} s; missed: "
            f"{', '.join(f'{m} ({made[m]})' for m in missed) or 'none'}\n"
        )
        sets = negatives(tmp / "reg", not args.no_registry, args.max_code, args.seed)
        print("| Negatives (benign) | files | at medium+ | rate | low | scan s |")
        print("|---|---:|---:|---:|---:|---:|")
        all_n = all_fp = 0
        loud: list[str] = []
        for label, paths in sets.items():
            sv, s = scan(paths)
            fp = [p for p in paths if at_medium(sv.get(str(p)))]
            low = sum(1 for p in paths if sv.get(str(p)) == "low")
            loud += [f"{p} ({sv[str(p)]})" for p in fp]
            all_n += len(paths)
            all_fp += len(fp)
            print(
                f"| {label} | {len(paths)} | {len(fp)} | "
                f"{100 * len(fp) / max(1, len(paths)):.2f} % | {low} | {s:.1f} |"
            )
        print(f"| **all** | {all_n} | {all_fp} | **{100 * all_fp / max(1, all_n):.2f} %** | | |")
        print(f"\nat medium+: {', '.join(loud) or 'none'}")


if __name__ == "__main__":
    main()
