# 2026-01-02 10:00:00 by RouterOS 7.14.3
# software id = Q1W2-E3R4
#
# model = RB5009UG+S+
# serial number = HF1234ABCD5
/interface bridge
add admin-mac=48:A9:8A:00:11:22 ageing-time=5m arp=enabled arp-timeout=auto \
    auto-mac=no comment=defconf dhcp-snooping=no disabled=no fast-forward=yes \
    igmp-snooping=no mtu=auto name=bridge protocol-mode=rstp
/interface ethernet
set [ find default-name=ether1 ] advertise=10M-baseT-half,10M-baseT-full \
    arp=enabled auto-negotiation=yes disabled=no l2mtu=1514 mtu=1500 name=\
    ether1 rx-flow-control=off tx-flow-control=off
/interface list
add comment=defconf exclude="" include="" name=WAN
add comment=defconf exclude="" include="" name=LAN
/interface list member
add comment=defconf disabled=no interface=bridge list=LAN
add comment=defconf disabled=no interface=ether1 list=WAN
/ip address
add address=10.10.0.1/24 comment=defconf disabled=no interface=bridge \
    network=10.10.0.0
/ip dhcp-client
add add-default-route=yes comment=defconf default-route-distance=1 \
    disabled=no interface=ether1 use-peer-dns=yes use-peer-ntp=yes
/ip dns
set address-list-extra-time=0s allow-remote-requests=yes cache-max-ttl=1w \
    cache-size=2048KiB max-concurrent-queries=100 servers=""
/ip dns static
add address=10.10.0.1 disabled=no name=gw.home.arpa ttl=1d type=A
add address=0.0.0.0 comment=minehunt-sinkhole disabled=no match-subdomain=\
    yes name=coinhive.com ttl=1d type=A
add comment=minehunt-sinkhole disabled=no match-subdomain=yes name=\
    supportxmr.com ttl=1d type=NXDOMAIN
/ip firewall filter
add action=accept chain=input comment=\
    "defconf: accept established,related,untracked" connection-state=\
    established,related,untracked disabled=no
add action=drop chain=input comment="defconf: drop invalid" \
    connection-state=invalid disabled=no
add action=accept chain=input comment="defconf: accept ICMP" disabled=no \
    protocol=icmp
add action=drop chain=input comment="defconf: drop all not coming from LAN" \
    disabled=no in-interface-list=!LAN
/ip firewall nat
add action=masquerade chain=srcnat comment="defconf: masquerade" disabled=no \
    ipsec-policy=out,none out-interface-list=WAN
add action=dst-nat chain=dstnat comment=nas disabled=no dst-port=443 \
    in-interface-list=WAN protocol=tcp to-addresses=10.10.0.5 to-ports=443
/ip proxy
set always-from-cache=no anonymous=no cache-administrator=webmaster \
    cache-hit-dscp=4 cache-on-disk=no cache-path=web-proxy enabled=no \
    max-cache-object-size=2048KiB max-cache-size=unlimited max-client-connections=\
    600 max-fresh-time=3d max-server-connections=600 parent-proxy=:: \
    parent-proxy-port=0 port=8080 serialize-connections=no src-address=::
/ip service
set telnet address="" disabled=yes port=23 vrf=main
set ftp address="" disabled=yes port=21
set www address=10.10.0.0/24 disabled=no port=80 vrf=main
set ssh address="" disabled=no port=22 vrf=main
set www-ssl address="" certificate=none disabled=yes port=443 tls-version=any \
    vrf=main
set api address="" disabled=yes port=8728 vrf=main
set winbox address="" disabled=no port=8291 vrf=main
set api-ssl address="" certificate=none disabled=yes port=8729 tls-version=any \
    vrf=main
/ip socks
set auth-method=none connection-idle-timeout=2m enabled=no max-connections=200 \
    port=1080 version=4 vrf=main
/routing ospf instance
add disabled=no name=default-v2 router-id=10.10.0.1
/system scheduler
add disabled=no interval=1d name=update-check on-event=\
    "/system package update check-for-updates once" policy=read,write,test \
    start-date=2026-01-01 start-time=05:00:00
/user
add address="" disabled=no group=full name=admin
add address=10.10.0.0/24 disabled=no group=full name=alice
add address=10.10.0.0/24 disabled=no group=read name=monitor
