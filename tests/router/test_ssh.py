"""Live devices over SSH: a real OpenSSH server on loopback, read through the real
asyncssh client path of ``scan router --ssh``."""

from __future__ import annotations

from pathlib import Path

import pytest

from minehunt.intel import Intel
from minehunt.report import Collector
from minehunt.router.audit import keep
from minehunt.router.live import DeviceError, Login, Method, fetch
from minehunt.router.scan import scan_devices
from tests.router.conftest import SshDevice, free_port


def _login(dev: SshDevice, **kw: object) -> Login:
    args: dict[str, object] = {
        "host": dev.host,
        "user": dev.user,
        "method": Method.SSH,
        "port": dev.port,
        "key_file": str(dev.key_file),
        "timeout": 15.0,
    }
    args.update(kw)
    return Login(**args)  # type: ignore[arg-type]


def test_ssh_device_read_only_and_campaign_found(ssh_device: SshDevice, intel: Intel) -> None:
    col = Collector("scan router")
    found = list(scan_devices([_login(ssh_device)], intel, col))
    ids = {f.check_id for f in found}
    # From /export verbose: the whole campaign; from the print commands: the injected
    # error page, the pool names in the DNS cache, the extra full user, the old version.
    assert {"MH-ROUTER-002", "MH-ROUTER-003", "MH-ROUTER-005", "MH-ROUTER-006"} <= ids
    page = [f for f in found if f.check_id == "MH-ROUTER-001"]
    assert page and page[0].severity.value == "critical"
    assert "webproxy/error.html" in page[0].summary and "coinhive" in page[0].summary
    cache = {f.evidence[0].attributes["domain"] for f in found if f.check_id == "MH-ROUTER-008"}
    assert cache == {"xmr.pool.minergate.com", "pool.supportxmr.com"}
    users = [f for f in found if f.check_id == "MH-ROUTER-009"]
    assert [f.evidence[0].attributes["user"] for f in users] == ["ftu"]
    assert "logged in now from 95.154.216.130 via winbox" in users[0].summary
    assert any(f.check_id == "MH-ROUTER-010" for f in found)
    for f in found:
        assert f.target.kind.value == "router"
        assert f.target.url == f"ssh://127.0.0.1:{ssh_device.port}"
    # Read-only: only the export and print commands were sent.
    sent = ssh_device.commands()
    assert sent[0] == "/export verbose"
    assert all(c == "/export verbose" or " print" in c for c in sent), sent
    assert col.skipped == []


def test_ssh_routeros7_file_contents_read_with_file_get(
    ssh_device: SshDevice, intel: Intel
) -> None:
    # RouterOS 7 prints files without their contents; the page is read with /file get.
    files = ssh_device.dir / "_file_print_detail_without-paging"
    text = files.read_text()
    html = text.split("contents=", 1)[1].split("\n", 1)[0]
    files.write_text(text.replace("contents=" + html, "", 1))
    page = html.strip('"').replace('\\"', '"').replace("\\$", "$")
    answer = ':put_[_file_get_[find_name="webproxy_error.html"]_contents]'
    (ssh_device.dir / answer).write_text(page + "\n")
    found = list(scan_devices([_login(ssh_device)], intel, Collector("x")))
    page_hits = [f for f in found if f.check_id == "MH-ROUTER-001"]
    assert page_hits and "webproxy/error.html" in page_hits[0].summary
    sent = ssh_device.commands()
    assert ':put [/file get [find name="webproxy/error.html"] contents]' in sent
    assert all(
        c == "/export verbose" or " print" in c or c.startswith(":put [/file get ") for c in sent
    ), sent


def test_ssh_wrong_credentials_is_a_clear_error(
    ssh_device: SshDevice, intel: Intel, tmp_path: Path
) -> None:
    import asyncssh

    other = tmp_path / "other_key"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(other))
    secret = "S3cret-that-must-not-leak"
    login = _login(ssh_device, key_file=str(other), password=secret)
    with pytest.raises(DeviceError) as e:
        fetch(login, keep)
    assert "login refused" in str(e.value) and "root" in str(e.value)
    assert secret not in str(e.value) and secret not in repr(login)
    col = Collector("scan router")
    assert list(scan_devices([login], intel, col)) == []
    assert len(col.skipped) == 1 and "login refused" in col.skipped[0].reason
    assert ssh_device.commands() == []


def test_ssh_device_closing_mid_export_is_a_clear_error(ssh_device: SshDevice) -> None:
    (ssh_device.dir / "close-during-export").touch()
    with pytest.raises(DeviceError, match="closed the connection during '/export verbose'"):
        fetch(_login(ssh_device), keep)


def test_ssh_command_timeout(ssh_device: SshDevice) -> None:
    (ssh_device.dir / "hang").touch()
    with pytest.raises(DeviceError, match="timed out after 1s"):
        fetch(_login(ssh_device, timeout=1.0), keep)


def test_ssh_connect_refused_and_silent_server() -> None:
    import socket

    port = free_port()
    with pytest.raises(DeviceError, match="cannot connect"):
        fetch(Login("127.0.0.1", "admin", Method.SSH, port, timeout=2.0), keep)
    with socket.socket() as srv:  # accepts TCP, never says a word
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        login = Login("127.0.0.1", "admin", Method.SSH, srv.getsockname()[1], timeout=1.0)
        with pytest.raises(DeviceError, match="timed out"):
            fetch(login, keep)


def test_ssh_unknown_print_command_is_skipped_rest_checked(ssh_device: SshDevice) -> None:
    (ssh_device.dir / "_ip_dns_cache_print_detail_without-paging").unlink()
    config = fetch(_login(ssh_device), keep)
    reasons = [n.reason or "" for n in config.skipped]
    assert any("/ip dns cache print: bad command name" in r for r in reasons), reasons
    assert config.menu("/file") and config.menu("/system scheduler")
