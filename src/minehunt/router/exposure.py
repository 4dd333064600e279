"""WAN exposure (MH-ROUTER-011..014): which interfaces are the WAN, and whether a new
connection from there reaches a router service through the input chain, evaluated rule by
rule in order the way RouterOS does (first accept/drop/reject that matches decides)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from minehunt.model import Finding, Severity
from minehunt.router.findings import Where, at, has_port, make_finding
from minehunt.router.model import Action, Entry, Note, RouterConfig

__all__ = ["exposure"]

_SERVICE_DEFAULTS = {
    "telnet": (23, True),
    "ftp": (21, True),
    "www": (80, True),
    "ssh": (22, True),
    "www-ssl": (443, False),
    "api": (8728, True),
    "winbox": (8291, True),
    "api-ssl": (8729, True),
}


@dataclass(frozen=True)
class _Wan:
    interfaces: frozenset[str]
    lists: dict[str, set[str]]


def _wan(config: RouterConfig) -> _Wan | None:
    lists: dict[str, set[str]] = {}
    for e in config.menu("/interface list member"):
        if e.action is Action.ADD and not e.disabled:
            lists.setdefault(e.get("list"), set()).add(e.get("interface"))
    wan = set(lists.get("WAN", set()))
    for menu in ("/ip dhcp-client", "/interface pppoe-client", "/interface lte"):
        for e in config.menu(menu):
            if e.action is Action.ADD and not e.disabled:
                wan.add(e.get("interface") if menu == "/ip dhcp-client" else e.name)
    wan.discard("")
    return _Wan(frozenset(wan), lists) if wan else None


def _iface_match(rule: Entry, wan: _Wan) -> bool:
    iface = rule.get("in-interface")
    if iface:
        neg = iface.startswith("!")
        hit = iface.lstrip("!") in wan.interfaces
        if hit == neg:
            return False
    lst = rule.get("in-interface-list")
    if lst:
        neg = lst.startswith("!")
        name = lst.lstrip("!")
        members = wan.lists.get(name, set())
        hit = name == "WAN" or bool(members & wan.interfaces) or name == "all"
        if hit == neg:
            return False
    return True


_NEUTRAL = frozenset(
    {
        "chain",
        "action",
        "comment",
        "disabled",
        "log",
        "log-prefix",
        "in-interface",
        "in-interface-list",
        "protocol",
        "dst-port",
        "connection-state",
        "dst-address-type",
        "place-before",
        "jump-target",
    }
)


def _rule_matches(rule: Entry, wan: _Wan, proto: str, port: int) -> bool:
    for key, value in rule.props.items():
        if key in _NEUTRAL or not value:
            continue
        if value.startswith("!"):
            continue  # 'not from X' still matches most of the internet
        return False  # src-address, address lists, limits ...: not every WAN packet
    if not _iface_match(rule, wan):
        return False
    p = rule.get("protocol").lower()
    if p and p not in (proto, {"tcp": "6", "udp": "17"}[proto]):
        return False
    dst = rule.get("dst-port")
    if dst and not has_port(dst, port):
        return False
    states = rule.get("connection-state")
    if states and not states.startswith("!") and "new" not in states.split(","):
        return False
    dtype = rule.get("dst-address-type")
    return not (dtype and dtype.lstrip("!") != "local")


def _reaches(config: RouterConfig, wan: _Wan, proto: str, port: int) -> tuple[bool, Entry | None]:
    """Does a new packet from the WAN to the router's ``port`` get through the input chain?"""
    for rule in config.menu("/ip firewall filter"):
        if rule.action is not Action.ADD or rule.disabled or rule.get("chain") != "input":
            continue
        act = rule.get("action", "accept")
        if act not in ("accept", "drop", "reject", "tarpit"):
            continue
        if _rule_matches(rule, wan, proto, port):
            return act == "accept", rule
    return True, None


def _services(config: RouterConfig) -> dict[str, tuple[int, bool, str, Entry | None]]:
    out: dict[str, tuple[int, bool, str, Entry | None]] = {
        name: (port, on, "", None) for name, (port, on) in _SERVICE_DEFAULTS.items()
    }
    for e in config.menu("/ip service"):
        name = e.name
        if name not in out:
            continue
        port, on, addr, _ = out[name]
        if e.get("port").isdigit():
            port = int(e.get("port"))
        if "disabled" in e.props:
            on = not e.disabled
        if e.action is Action.OTHER and e.text.split()[0:1] == ["disable"]:
            on = False
        out[name] = (port, on, e.get("address", addr), e)
    return out


def exposure(config: RouterConfig, where: Where, notes: list[Note]) -> Iterator[Finding]:
    services = _services(config)
    for name, (port, _on, _addr, e) in services.items():
        default = _SERVICE_DEFAULTS[name][0]
        if e is not None and port != default:
            yield make_finding(
                "MH-ROUTER-012",
                where,
                e,
                f"{at(e)}service {name} listens on {port} instead of {default}; confirm "
                "an admin changed it",
                attrs={"service": name, "port": port, "default_port": default},
            )
    wan = _wan(config)
    if wan is None:
        if config.menu("/ip firewall filter") or config.menu("/ip service"):
            notes.append(
                Note(
                    None,
                    reason="WAN interface unknown (no WAN interface list, DHCP or PPPoE "
                    "client): exposure to the WAN not checked",
                )
            )
        return
    wan_names = ", ".join(sorted(wan.interfaces))
    open_all, _ = _reaches(config, wan, "tcp", 65000)
    if open_all:
        yield make_finding(
            "MH-ROUTER-014",
            where,
            None,
            f"no input-chain rule drops new connections from the WAN ({wan_names}); add "
            "/ip firewall filter add chain=input in-interface-list=!LAN action=drop",
            attrs={"wan": wan_names},
        )
    exposed = []
    first: Entry | None = None
    for name, (port, on, addr, e) in services.items():
        if not on or addr.strip():
            continue
        ok, _rule = _reaches(config, wan, "tcp", port)
        if ok:
            exposed.append(f"{name}/{port}")
            first = first or e
    if exposed:
        sev = (
            Severity.MEDIUM
            if any(s.split("/")[0] in ("telnet", "ftp", "winbox", "api") for s in exposed)
            else Severity.LOW
        )
        yield make_finding(
            "MH-ROUTER-011",
            where,
            first,
            f"reachable from the WAN ({wan_names}): {', '.join(exposed)}; disable what you do "
            "not use (/ip service disable NAME) and limit the rest to your admin network "
            "(/ip service set NAME address=ADMIN-NET)",
            severity=sev,
            attrs={"services": ", ".join(exposed), "wan": wan_names},
        )
    dns = config.singleton("/ip dns")
    if dns.get("allow-remote-requests", "no").lower() in ("yes", "true"):
        ok, _rule = _reaches(config, wan, "udp", 53)
        if ok:
            e = next(iter(config.menu("/ip dns")), None)
            yield make_finding(
                "MH-ROUTER-013",
                where,
                e,
                f"{at(e) if e else ''}allow-remote-requests=yes and nothing drops DNS from the "
                f"WAN ({wan_names}); drop udp/tcp 53 from the WAN in the input chain",
                attrs={"wan": wan_names},
            )
