/ip firewall nat
add action=dst-nat chain=dstnat comment="a \"q\" \
    x" to-addresses=127.0.0.9 \
