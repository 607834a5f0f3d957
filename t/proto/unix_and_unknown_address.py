"""unix_and_unknown_address (raw client part): connect info of family 'L'
(AF_UNIX; miltertest cannot send it) and of family 'U' without a port or
address; then an ordinary IPv4 client, to see the milter still works."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawmilter import Milter, cstr, rname, run

PORT = os.environ["ZM_PORT"]


def session(label, family, addr, qids, rcpts=2):
    m = Milter(PORT, label)
    m.negotiate()
    cmd, _ = m.connect("localhost", family, 0, addr)
    if cmd is not None and cmd != b"c":
        m.fail("connect", "reply %s, expected CONTINUE" % rname(cmd))
    finals = []
    for qid in qids:
        m.macro(b"M", [(b"i", qid), (b"{mail_addr}", b"sender@example.org")])
        cmd, _ = m.mail(b"<sender@example.org>")
        if cmd is not None and cmd != b"c":
            m.fail("MAIL FROM " + qid.decode(), "reply %s, expected CONTINUE" % rname(cmd))
        for i in range(rcpts):
            cmd, _ = m.rcpt(b"<r%d@example.com>" % i)
            if cmd is not None and cmd != b"c":
                m.fail("RCPT TO", "reply %s" % rname(cmd))
        (cmd, data), _ = m.eom()
        finals.append((qid, cmd, data))
    m.quit()
    return finals


def main():
    for qid, cmd, data in session("AF_UNIX", b"L", b"/var/run/zm-test/smtpd.sock", [b"X1", b"X2"]):
        if cmd not in (b"a", b"c"):
            raise SystemExit("FAIL: %s (AF_UNIX): end of message reply %s %r, expected accept"
                             % (qid.decode(), rname(cmd), cstr(data)))
        print("%s (AF_UNIX): %s" % (qid.decode(), rname(cmd)))
    # family U straight from the wire, no port and no address
    for qid, cmd, data in session("family U", b"U", None, [b"X3"]):
        if cmd not in (b"a", b"c"):
            raise SystemExit("FAIL: %s (family U): end of message reply %s %r, expected accept"
                             % (qid.decode(), rname(cmd), cstr(data)))
        print("%s (family U): %s" % (qid.decode(), rname(cmd)))
    # the milter is still alive and counts an ordinary client: 2 > 1
    (qid, cmd, data), = session("IPv4", b"4", b"192.0.2.80", [b"X4"])
    if cmd != b"y" or not cstr(data).startswith("451 4.7.1 "):
        raise SystemExit("FAIL: X4 (192.0.2.80, 2 rcpts > 1): reply %s %r, expected 451 4.7.1"
                         % (rname(cmd), cstr(data)))
    print("X4 (192.0.2.80): %r" % cstr(data))


run(main)
