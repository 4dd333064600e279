# jan/02/2026 10:00:00 by RouterOS 6.49.10
# software id = 7KQ2-XT9L
#
# model = RB750Gr3
# serial number = 9A1B0C2D3E4F
/interface bridge
add admin-mac=64:D1:54:11:22:33 auto-mac=no comment=defconf name=bridge
/interface list
add comment=defconf name=WAN
add comment=defconf name=LAN
/ip pool
add name=dhcp ranges=192.168.88.10-192.168.88.254
/ip dhcp-server
add address-pool=dhcp disabled=no interface=bridge name=defconf
/interface bridge port
add bridge=bridge comment=defconf interface=ether2
add bridge=bridge comment=defconf interface=ether3
/interface list member
add comment=defconf interface=bridge list=LAN
add comment=defconf interface=ether1 list=WAN
/ip address
add address=192.168.88.1/24 comment=defconf interface=bridge network=\
    192.168.88.0
/ip dhcp-client
add comment=defconf disabled=no interface=ether1
/ip dns
set allow-remote-requests=yes servers=1.1.1.1,9.9.9.9
/ip dns static
add address=192.168.88.1 name=router.lan
add address=192.168.88.20 name=camera.lan
/ip firewall filter
add action=accept chain=input comment=\
    "defconf: accept established,related,untracked" connection-state=\
    established,related,untracked
add action=drop chain=input comment="defconf: drop invalid" connection-state=\
    invalid
add action=accept chain=input comment="defconf: accept ICMP" protocol=icmp
add action=accept chain=input comment="isp noc winbox" dst-port=8291 \
    protocol=tcp src-address=203.0.113.0/28
add action=drop chain=input comment="defconf: drop all not coming from LAN" \
    in-interface-list=!LAN
add action=accept chain=forward comment="defconf: accept established,related" \
    connection-state=established,related
add action=drop chain=forward comment="defconf: drop invalid" \
    connection-state=invalid
add action=drop chain=forward comment=\
    "defconf: drop all from WAN not DSTNATed" connection-nat-state=!dstnat \
    connection-state=new in-interface-list=WAN
/ip firewall nat
add action=masquerade chain=srcnat comment="defconf: masquerade" \
    ipsec-policy=out,none out-interface-list=WAN
add action=dst-nat chain=dstnat comment="camera rtsp" dst-port=8554 \
    in-interface=ether1 protocol=tcp to-addresses=192.168.88.20 to-ports=554
add action=dst-nat chain=dstnat comment="web server" dst-port=80,443 \
    in-interface=ether1 protocol=tcp to-addresses=192.168.88.30
add action=redirect chain=dstnat comment="transparent web cache" dst-port=80 \
    in-interface=bridge protocol=tcp to-ports=8080
/ip proxy
set cache-administrator=noc@isp.example cache-on-disk=yes enabled=yes \
    max-cache-size=unlimited
/ip proxy access
add action=deny dst-host=*.doubleclick.net
/ip socks
set enabled=yes
/ip socks access
add src-address=192.168.88.0/24
add action=deny
/ip service
set telnet disabled=yes
set ftp disabled=yes
set www address=192.168.88.0/24
set api disabled=yes
set api-ssl disabled=yes
/system clock
set time-zone-name=Europe/Berlin
/system identity
set name=office-gw
/system script
add dont-require-permissions=no name=isp-provision owner=admin policy=\
    ftp,read,write,policy,test source="/tool fetch url=\"https://mgmt.isp.exa\
    mple/provision/\$[/system identity get name].rsc\" dst-path=isp.rsc\r\
    \n:delay 5s\r\
    \n/import file-name=isp.rsc\r\
    \n/file remove isp.rsc\r\
    \n/system scheduler remove [find name=\"isp-oneshot\"]"
add dont-require-permissions=no name=backup owner=admin policy=\
    ftp,read,write,policy,test,sensitive source="/system backup save name=auto"
/system scheduler
add interval=1d name=isp-provision on-event=isp-provision policy=\
    ftp,read,write,policy,test start-date=jan/01/2020 start-time=03:00:00
add interval=1w name=backup on-event="/system script run backup" policy=\
    ftp,read,write,policy,test,sensitive start-time=04:00:00
add interval=5m name=isp-monitor on-event="/tool fetch url=\"https://mgmt.isp\
    .example/ping\?id=\$[/system identity get name]\" keep-result=no" \
    policy=read,write,test start-time=startup
/system ntp client
set enabled=yes primary-ntp=162.159.200.1
/tool mac-server
set allowed-interface-list=LAN
/tool mac-server mac-winbox
set allowed-interface-list=LAN
/user group
add name=noc policy="local,telnet,ssh,reboot,read,write,test,winbox,web,sniff,api,!ftp,!policy,!password,!sensitive,!romon,!dude,!tikapp"
