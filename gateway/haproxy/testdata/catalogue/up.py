import socket, threading, sys, time
def serve(port, handler):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(64)
    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=handler, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
def readreq(c):
    d = b""
    while b"\r\n\r\n" not in d:
        x = c.recv(4096)
        if not x: return None
        d += x
    return d
def resp(status, body=b"x\n", extra=""):
    def h(c):
        try:
            while True:
                r = readreq(c)
                if r is None: break
                c.sendall(("HTTP/1.1 %s\r\nContent-Length: %d\r\n%s\r\n" % (status, len(body), extra)).encode() + body)
        except Exception: pass
        c.close()
    return h
def hana(c):
    try:
        while True:
            r = readreq(c)
            if r is None: break
            if r.startswith(b"GET /health"):
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            else:
                c.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nboom\n")
    except Exception: pass
    c.close()
def badchunk(c):
    try:
        r = readreq(c)
        if r.startswith(b"GET /health") or r.startswith(b"OPTIONS"):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        else:
            c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            time.sleep(0.3)
            c.sendall(b"ZZZ\r\nhello\r\n")
            time.sleep(1)
    except Exception: pass
    c.close()
def slow(c):
    try:
        r = readreq(c)
        if r.startswith(b"GET /health") or r.startswith(b"OPTIONS"):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        else:
            time.sleep(3)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
    except Exception: pass
    c.close()
serve(int(sys.argv[1]), resp("404 Not Found"))
serve(int(sys.argv[2]), resp("401 Unauthorized", extra="WWW-Authenticate: Basic realm=x\r\n"))
serve(int(sys.argv[3]), resp("301 Moved Permanently", extra="Location: /login\r\n"))
serve(int(sys.argv[4]), hana)
serve(int(sys.argv[5]), badchunk)
serve(int(sys.argv[6]), slow)
serve(int(sys.argv[7]), resp("200 OK"))
time.sleep(3600)
