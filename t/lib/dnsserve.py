#!/usr/bin/env python3
"""dnsserve.py ZONEFILE READY-FILE [QUERY-LOG] -- a small authoritative DNS
server on 127.0.0.1 (UDP and TCP, one free port for both) for records that
rbldnsd cannot serve: TXT records of any length, split into strings of 255
bytes at most, as a real DNS server would publish them.

ZONEFILE has one record a line, "NAME TYPE DATA" ('#' starts a comment):
    NAME A 192.0.2.1            NAME AAAA 2001:db8::1
    NAME MX 10 mx.example.net   NAME PTR host.example.net
    NAME TXT text of any length, to the end of the line; Python
             escapes (\\x00, \\xff, \\\\) give any byte
    NAME DROP   queries of NAME and of every name under it are read and
                never answered (a server that times out on them)
A name with records of other types answers NOERROR with no data; any other
name NXDOMAIN.  A UDP answer longer than 512 bytes (or the client's EDNS
size) is sent truncated (TC), so the client asks again over TCP.

Once bound it writes the port to READY-FILE; each query is logged to
QUERY-LOG (if given) as "QNAME TYPE PROTO", line-buffered.  Runs until
killed.  Python's standard library only; loopback only.
"""
import codecs
import ipaddress
import os
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnsq import encode_name  # noqa: E402

TYPES = {"A": 1, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
NAMES = {v: k for k, v in TYPES.items()}


def rdata(rtype, data):
    if rtype == "A":
        return ipaddress.IPv4Address(data).packed
    if rtype == "AAAA":
        return ipaddress.IPv6Address(data).packed
    if rtype == "MX":
        pref, host = data.split()
        return struct.pack(">H", int(pref)) + encode_name(host)
    if rtype == "PTR":
        return encode_name(data)
    raw = codecs.escape_decode(data.encode("latin-1"))[0]
    chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
    return b"".join(bytes([len(c)]) + c for c in chunks)


def load(path):
    zone = {}
    drops = []
    with open(path, encoding="latin-1") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, rtype, data = (line.split(None, 2) + [""])[:3]
            if rtype.upper() == "DROP":
                drops.append(name.lower().rstrip("."))
                continue
            zone.setdefault(name.lower().rstrip("."), []).append(
                (TYPES[rtype.upper()], rdata(rtype.upper(), data)))
    zone[None] = drops
    return zone


def parse_query(m):
    qid, flags, qd, _, _, ar = struct.unpack(">HHHHHH", m[:12])
    o, labels = 12, []
    while m[o]:
        labels.append(m[o + 1:o + 1 + m[o]].decode("ascii", "replace"))
        o += 1 + m[o]
    o += 1
    qtype, _ = struct.unpack(">HH", m[o:o + 4])
    question = m[12:o + 4]
    edns = 512
    if ar and len(m) >= o + 4 + 11 and m[o + 4] == 0:
        edns = max(512, struct.unpack(">H", m[o + 7:o + 9])[0])
    return qid, flags, ".".join(labels).lower(), qtype, question, edns


def answer(zone, m, limit):
    """(qname, qtype, the answer packet or None: no answer)"""
    qid, flags, name, qtype, question, edns = parse_query(m)
    if any(name == d or name.endswith("." + d) for d in zone[None]):
        return name, qtype, None
    rrs = zone.get(name)
    rcode = 3 if rrs is None else 0
    body = b""
    count = 0
    for rtype, rd in rrs or []:
        if rtype == qtype:
            body += b"\xc0\x0c" + struct.pack(">HHIH", rtype, 1, 300, len(rd)) + rd
            count += 1
    hflags = 0x8400 | (flags & 0x0100) | rcode
    out = struct.pack(">HHHHHH", qid, hflags, 1, count, 0, 0) + question + body
    if limit and len(out) > max(limit, edns):
        out = struct.pack(">HHHHHH", qid, hflags | 0x0200, 1, 0, 0, 0) + question
    return name, qtype, out


class Server:
    def __init__(self, zone, log):
        self.zone, self.log, self.lock = zone, log, threading.Lock()

    def note(self, name, qtype, proto):
        if self.log is not None:
            with self.lock:
                self.log.write("%s %s %s\n" % (name, NAMES.get(qtype, qtype), proto))
                self.log.flush()

    def udp(self, u):
        while True:
            m, peer = u.recvfrom(65535)
            try:
                name, qtype, out = answer(self.zone, m, 512)
            except (IndexError, struct.error, KeyError):
                continue
            self.note(name, qtype, "udp")
            if out is not None:
                u.sendto(out, peer)

    def tcp_client(self, c):
        try:
            while True:
                hdr = c.recv(2, socket.MSG_WAITALL)
                if len(hdr) < 2:
                    return
                m = c.recv(struct.unpack(">H", hdr)[0], socket.MSG_WAITALL)
                name, qtype, out = answer(self.zone, m, 0)
                self.note(name, qtype, "tcp")
                if out is not None:
                    c.sendall(struct.pack(">H", len(out)) + out)
        except (OSError, IndexError, struct.error):
            pass
        finally:
            c.close()

    def tcp(self, t):
        while True:
            c, _ = t.accept()
            threading.Thread(target=self.tcp_client, args=(c,), daemon=True).start()


def main():
    zone = load(sys.argv[1])
    log = open(sys.argv[3], "a") if len(sys.argv) > 3 else None
    while True:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            break
        except OSError:
            u.close()
            t.close()
    t.listen(16)
    srv = Server(zone, log)
    threading.Thread(target=srv.tcp, args=(t,), daemon=True).start()
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    srv.udp(u)


if __name__ == "__main__":
    main()
