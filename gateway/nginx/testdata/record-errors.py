# Records nginx error-log lines for gwtop's catalogue: loopback backends
# that misbehave, a real nginx in front of them.
import socket, threading, subprocess, time, os, sys, tempfile, struct, urllib.request

def freeport():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p

def serve(handler):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', 0)); s.listen(64)
    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=handler, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]

def readreq(c):
    b = b''
    c.settimeout(5)
    try:
        while b'\r\n\r\n' not in b:
            d = c.recv(4096)
            if not d: break
            b += d
    except Exception: pass
    return b

def reply(data, close=True, hold=0):
    def h(c):
        readreq(c)
        try: c.sendall(data)
        except Exception: pass
        if hold: time.sleep(hold)
        c.close()
    return h

def silent(c):
    readreq(c); time.sleep(4); c.close()

def closeit(c):
    readreq(c); c.close()

def rst(c):
    readreq(c)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); c.close()

def ws(c):
    readreq(c)
    c.sendall(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    time.sleep(4); c.close()

B = {
 'close': serve(closeit), 'silent': serve(silent), 'rst': serve(rst), 'ws': serve(ws),
 'bighdr': serve(reply(b'HTTP/1.1 200 OK\r\nX-Big: ' + b'a'*20000 + b'\r\n\r\n')),
 'badhdr': serve(reply(b'HTTP/1.1 200 OK\r\nX-Bad\x01: x\r\nContent-Length: 2\r\n\r\nok')),
 'garbage': serve(reply(b'hello there\r\n')),
 'badchunk': serve(reply(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n')),
 'afterchunk': serve(reply(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nEXTRA', hold=0.3)),
 'morecl': serve(reply(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA', hold=0.3)),
 'clte': serve(reply(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n')),
 'dupcl': serve(reply(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok')),
 'ok': serve(reply(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')),
 'slowok': serve(lambda c: (readreq(c), time.sleep(1.5), c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), c.close())),
 'mcbad': serve(lambda c: (c.recv(4096), c.sendall(b'BOGUS\r\n'), time.sleep(0.3), c.close())),
}
closed = freeport()
d = tempfile.mkdtemp()
# a unix socket that listens but never accepts: its backlog fills
us = socket.socket(socket.AF_UNIX); us.bind(d + '/full.sock'); us.listen(0)
dns = freeport()
port = freeport()
conf = f'''
user root;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 128; }}
http {{
  access_log off;
  client_body_temp_path {d}/b; proxy_temp_path {d}/p; fastcgi_temp_path {d}/f; uwsgi_temp_path {d}/u; scgi_temp_path {d}/s;
  proxy_connect_timeout 1s; proxy_read_timeout 1s; proxy_send_timeout 1s;
  limit_req_zone $binary_remote_addr zone=api:1m rate=1r/m;
  limit_req_zone $binary_remote_addr zone=slow:1m rate=2r/s;
  limit_conn_zone $binary_remote_addr zone=perip:1m;
  upstream grp {{ server 127.0.0.1:{closed} max_fails=1 fail_timeout=30s; }}
  resolver 127.0.0.1:{dns} valid=1s; resolver_timeout 1s;
  server {{
    listen 127.0.0.1:{port};
    location /refused {{ proxy_pass http://127.0.0.1:{closed}; }}
    location /grp {{ proxy_pass http://grp; }}
    location /nosock {{ proxy_pass http://unix:{d}/missing.sock:/; }}
    location /full {{ proxy_pass http://unix:{d}/full.sock:/; }}
    location /bind {{ proxy_bind 192.0.2.1; proxy_pass http://127.0.0.1:{B['ok']}; }}
    location /tls {{ proxy_pass https://127.0.0.1:{B['ok']}; }}
    location /dns {{ set $b backend.invalid; proxy_pass http://$b:8080; }}
    location /mc {{ set $memcached_key k; memcached_pass 127.0.0.1:{B['mcbad']}; }}
    location /limit {{ limit_req zone=api; proxy_pass http://127.0.0.1:{B['ok']}; }}
    location /delay {{ limit_req zone=slow burst=5; proxy_pass http://127.0.0.1:{B['ok']}; }}
    location /conn {{ limit_conn perip 1; proxy_pass http://127.0.0.1:{B['slowok']}; }}
    location /ws {{ proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade; proxy_pass http://127.0.0.1:{B['ws']}; }}
''' + ''.join(f'    location /{k} {{ proxy_pass http://127.0.0.1:{v}; }}\n' for k, v in B.items() if k not in ('ok','slowok','mcbad','ws')) + '''
  }
}
'''
open(d + '/nginx.conf', 'w').write(conf)
subprocess.run(['nginx', '-t', '-p', d, '-c', d + '/nginx.conf', '-g', 'daemon off;'], check=True, capture_output=True)
p = subprocess.Popen(['nginx', '-p', d, '-c', d + '/nginx.conf', '-g', 'daemon off;'])
time.sleep(0.5)
def get(path, hdrs={}):
    try:
        r = urllib.request.urlopen(urllib.request.Request(f'http://127.0.0.1:{port}{path}', headers=hdrs), timeout=6); r.read()
    except Exception as e: pass
paths = ['/refused', '/grp', '/grp', '/nosock', '/full', '/full', '/full', '/bind', '/tls', '/dns', '/mc',
         '/limit', '/limit'] + ['/' + k for k in B if k not in ('ok','slowok','mcbad','ws')]
for x in paths: get(x)
ts = [threading.Thread(target=get, args=('/delay',)) for _ in range(4)] + [threading.Thread(target=get, args=('/conn',)) for _ in range(2)]
for t in ts: t.start()
get('/ws', {'Upgrade': 'websocket', 'Connection': 'Upgrade'})
for t in ts: t.join()
time.sleep(0.5)
p.terminate(); p.wait()
sys.stdout.write(open(d + '/error.log').read())
