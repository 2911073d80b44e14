import socket, sys, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(4096)
    if len(d) < 12: continue
    qid, flags, qd = struct.unpack(">HHH", d[:6])
    # question name
    i = 12; labels = []
    while d[i] != 0:
        l = d[i]; labels.append(d[i+1:i+1+l].decode()); i += 1 + l
    q = d[12:i+5]
    name = ".".join(labels)
    if name.startswith("hang"): continue
    rcode = 3 if name.startswith("nx") else (5 if name.startswith("refused") else 0)
    hdr = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1, 0, 0, 0)
    s.sendto(hdr + q, a)
