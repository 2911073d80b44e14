#!/bin/sh
# Records what HAProxy logs for the catalogue test (gateway/haproxy/catalogue_test.go):
# a real HAProxy before loopback upstreams (up.py), a loopback DNS server that
# answers NXDOMAIN or nothing (dns.py) and a unix socket whose backlog is full
# (full.py). Writes syslog.log (log stdout format rfc3164) and stderr.log (-db).
# Usage: sh record.sh OUTDIR
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=$1
dir=$(mktemp -d)
set -- $(python3 -c '
import socket
ss=[socket.socket() for _ in range(13)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
sed -e "s/@P404@/$1/; s/@P401@/$2/; s/@P301@/$3/; s/@PHANA@/$4/; s/@PCHUNK@/$5/; s/@PSLOW@/$6/g; s/@POK@/$7/g; s/@REF1@/$8/; s/@REF2@/$9/" \
    -e "s/@REF3@/${10}/; s/@FE@/${11}/; s/@LST@/${12}/; s/@DNS@/${13}/; s|@DIR@|$dir|g" "$here/catalogue.cfg.in" > "$dir/h.cfg"
cp "$here/sleep.sh" "$dir/sleep.sh"
fe=${11}; lst=${12}
python3 "$here/up.py" $1 $2 $3 $4 $5 $6 $7 >/dev/null 2>&1 & up=$!
python3 "$here/dns.py" ${13} >/dev/null 2>&1 & dns=$!
python3 "$here/full.py" "$dir/full.sock" >/dev/null 2>&1 & full=$!
set +e
sleep 0.5
haproxy -db -f "$dir/h.cfg" > "$out/syslog.log" 2> "$out/stderr.log" & hap=$!
sleep 2
cli() { echo "$1" | python3 -c "
import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect('$dir/admin.sock'); s.sendall(sys.stdin.read().encode()); s.recv(4096)"; }
curl -s -m 10 -o /dev/null 127.0.0.1:$fe/be_hana/x
curl -s -m 10 -o /dev/null 127.0.0.1:$fe/be_chunk/x
curl -s -m 10 -o /dev/null 127.0.0.1:$fe/be_queue/a & sleep 0.1; curl -s -m 10 -o /dev/null 127.0.0.1:$fe/be_queue/b
curl -s -m 10 -o /dev/null 127.0.0.1:$fe/be_src/x
curl -s -m 10 -o /dev/null 127.0.0.1:$fe/be_unix/x
curl -s -m 10 -o /dev/null 127.0.0.1:$lst/
curl -s -m 10 -o /dev/null 127.0.0.1:$fe/be_kill/a & sleep 0.3; cli "disable server be_kill/s"
cli "set server be_cli/s health down"; cli "set server be_drain/s state drain"; sleep 1
cli "set server be_cli/s health up"; cli "enable server be_kill/s"; sleep 3
kill $hap $up $dns $full
wait $hap 2>/dev/null || true
rm -rf "$dir"
