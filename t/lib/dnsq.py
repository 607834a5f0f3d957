#!/usr/bin/env python3
"""dnsq.py -- a tiny DNS client for the tests (Python standard library only).

    dnsq.py query --port PORT [--timeout S] [--type A|TXT|SOA] NAME...
        asks 127.0.0.1:PORT (UDP, RD=1) about each NAME and prints one line
        per name:  NAME RCODE ANSWER[,ANSWER...]   ("-" when no answer),
        e.g. "2.0.0.127.xbl.zm-test.net NOERROR 127.0.0.2",
             "1.0.0.127.xbl.zm-test.net NXDOMAIN -",
             "x.slow.zm-test.net TIMEOUT -".
        Exit status 0 when every name got an answer packet, 1 otherwise.
    dnsq.py wait --port PORT [--seconds S] NAME
        repeats a query until the server answers anything (any rcode);
        exit status 0 when it did within S seconds (default 10), 1 if not.
    dnsq.py qname ADDRESS ZONE
        prints the DNSBL query name of an IPv4 or IPv6 address: reversed
        octets, or reversed nibbles of the full 128-bit IPv6 address.

Only loopback servers: the server address is always 127.0.0.1.
"""
import ipaddress
import random
import socket
import struct
import sys
import time

TYPES = {"A": 1, "NS": 2, "SOA": 6, "TXT": 16, "AAAA": 28}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def skip_name(m, o):
    while True:
        n = m[o]
        if n & 0xC0 == 0xC0:
            return o + 2
        if n == 0:
            return o + 1
        o += 1 + n


def ask(port, name, qtype="A", timeout=2.0):
    """returns (rcode name, [answers]) or ("TIMEOUT", [])"""
    qid = random.randint(0, 0xFFFF)
    pkt = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    pkt += encode_name(name) + struct.pack(">HH", TYPES[qtype], 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, ("127.0.0.1", port))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "TIMEOUT", []
            s.settimeout(left)
            try:
                m, _ = s.recvfrom(65535)
            except socket.timeout:
                return "TIMEOUT", []
            except ConnectionRefusedError:
                return "REFUSED-PORT", []
            if len(m) >= 12 and struct.unpack(">H", m[:2])[0] == qid:
                break
    finally:
        s.close()
    _, flags, qd, an, _, _ = struct.unpack(">HHHHHH", m[:12])
    rcode = RCODES.get(flags & 0xF, str(flags & 0xF))
    o = 12
    for _ in range(qd):
        o = skip_name(m, o) + 4
    answers = []
    for _ in range(an):
        o = skip_name(m, o)
        ty, _, _, rdlen = struct.unpack(">HHIH", m[o:o + 10])
        o += 10
        rd = m[o:o + rdlen]
        o += rdlen
        if ty == 1 and rdlen == 4:
            answers.append(".".join(str(b) for b in rd))
        elif ty == 16 and rdlen > 0:
            answers.append(repr(rd[1:1 + rd[0]].decode("latin-1")))
        else:
            answers.append("type%d:%s" % (ty, rd.hex()))
    return rcode, answers


def qname(addr, zone):
    ip = ipaddress.ip_address(addr)
    if ip.version == 4:
        rev = ".".join(reversed(str(ip).split(".")))
    else:
        rev = ".".join(reversed(ip.exploded.replace(":", "")))
    return rev + "." + zone.rstrip(".")


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    opts = {"--port": None, "--timeout": "2", "--type": "A", "--seconds": "10"}
    names = []
    i = 0
    while i < len(args):
        if args[i] in opts:
            opts[args[i]] = args[i + 1]
            i += 2
        else:
            names.append(args[i])
            i += 1
    if cmd == "qname":
        if len(names) != 2:
            sys.exit("usage: dnsq.py qname ADDRESS ZONE")
        print(qname(names[0], names[1]))
        return 0
    if opts["--port"] is None or not names:
        sys.exit(__doc__)
    port = int(opts["--port"])
    if cmd == "query":
        rc = 0
        for n in names:
            rcode, answers = ask(port, n, opts["--type"].upper(),
                                 float(opts["--timeout"]))
            if rcode == "TIMEOUT":
                rc = 1
            print("%s %s %s" % (n, rcode, ",".join(answers) or "-"))
        return rc
    if cmd == "wait":
        deadline = time.monotonic() + float(opts["--seconds"])
        while time.monotonic() < deadline:
            rcode, _ = ask(port, names[0], "A", 0.2)
            if rcode not in ("TIMEOUT", "REFUSED-PORT"):
                return 0
            time.sleep(0.05)
        return 1
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
