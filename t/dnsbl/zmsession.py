#!/usr/bin/env python3
"""zmsession.py -- one milter session of the DNSBL tests (raw client, see
t/proto/rawmilter.py), timed.

    zmsession.py [--helo NAME] [--helo-loop N [--loop-base DOMAIN]]
                 [--from ADDR] [--rcpts N] ADDRESS QID...

Connects to the milter on 127.0.0.1:$ZM_PORT, sends the connection info of
a client at ADDRESS (IPv4 -> family '4', IPv6 -> family '6', host name
"client.example.net"), HELO NAME when given (and the milter asked for
HELO) -- or with --helo-loop, N HELOs of fresh names h1.DOMAIN, h2...
(DOMAIN loop.example.net unless given) as a hostile client looping EHLO
would --, then one message per QID ("i" macro at MAIL = QID, MAIL FROM
<ADDR>, N recipients, a small header and body, end of message).  Prints
one line per message:

    QID STAGE RESULT MS TEXT

STAGE is where the message ended ("connect", "helo", "mail", "rcpt" or
"eom"), RESULT the milter's reply there (continue, accept, reject,
tempfail, discard, replycode), MS the milliseconds from the start of the
message to that reply -- for the first message of the session counted from
the connect, so it includes CONNECT and HELO -- and TEXT the SMTP reply of
a REPLYCODE ("-" otherwise).  First it prints

    PROTO QID nohelo=0|1 nr_helo=0|1

(QID the first one) for the protocol steps the milter negotiated.  Exit status 0 when the
session ran (whatever the replies), 1 on a protocol failure.
"""
import ipaddress
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "proto"))
from rawmilter import (Milter, Failure, cstr, SMFIP_NOHELO,  # noqa: E402
                       SMFIP_NR_HELO)

RESULTS = {b"c": "continue", b"a": "accept", b"r": "reject",
           b"t": "tempfail", b"d": "discard", b"y": "replycode"}


def result(cmd):
    return RESULTS.get(cmd, "other(%r)" % cmd)


def main(argv):
    helo, sender, rcpts, args, loop = None, "sender@example.org", 1, [], 0
    base = "loop.example.net"
    i = 1
    while i < len(argv):
        if argv[i] == "--helo":
            helo = argv[i + 1]
            i += 2
        elif argv[i] == "--helo-loop":
            loop = int(argv[i + 1])
            i += 2
        elif argv[i] == "--loop-base":
            base = argv[i + 1]
            i += 2
        elif argv[i] == "--from":
            sender = argv[i + 1]
            i += 2
        elif argv[i] == "--rcpts":
            rcpts = int(argv[i + 1])
            i += 2
        else:
            args.append(argv[i])
            i += 1
    if len(args) < 2:
        sys.exit(__doc__)
    addr, qids = args[0], args[1:]
    family = b"6" if ipaddress.ip_address(addr).version == 6 else b"4"

    t0 = time.monotonic()
    ms = lambda: int((time.monotonic() - t0) * 1000)  # noqa: E731
    m = Milter(os.environ["ZM_PORT"], "session " + addr, timeout=15)
    m.negotiate()
    print("PROTO %s nohelo=%d nr_helo=%d" % (qids[0],
                                             bool(m.proto & SMFIP_NOHELO),
                                             bool(m.proto & SMFIP_NR_HELO)),
          flush=True)

    def stop_all(stage, cmd, data):
        for q in qids:
            print("%s %s %s %d %s" % (q, stage, result(cmd), ms(),
                                      cstr(data) if cmd == b"y" else "-"),
                  flush=True)
        m.quit()
        return 0

    cmd, data = m.connect("client.example.net", family, 25, addr.encode())
    if cmd is not None and cmd != b"c":
        return stop_all("connect", cmd, data)
    helos = [helo] if helo is not None else []
    helos += ["h%d.%s" % (n, base) for n in range(1, loop + 1)]
    for name in helos:
        cmd, data = m.helo(name.encode())
        if cmd is not None and cmd != b"c":
            return stop_all("helo", cmd, data)
    for q in qids:
        m.macro(b"M", [(b"i", q.encode()),
                       (b"{mail_addr}", sender.encode())])
        cmd, data = m.mail(("<%s>" % sender).encode())
        stage = "mail"
        if cmd is None or cmd == b"c":
            stage = "rcpt"
            for n in range(rcpts):
                cmd, data = m.rcpt(b"<rcpt%d@example.com>" % n)
                if cmd is not None and cmd != b"c":
                    break
            else:
                stage = "eom"
                (cmd, data), _ = m.eom()
        print("%s %s %s %d %s" % (q, stage, result(cmd), ms(),
                                  cstr(data) if cmd == b"y" else "-"),
              flush=True)
        t0 = time.monotonic()
    m.quit()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Failure as e:
        sys.stderr.write("FAIL: %s\n" % e)
        sys.exit(1)
