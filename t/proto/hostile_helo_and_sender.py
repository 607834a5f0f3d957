"""hostile_helo_and_sender (raw client part): a 2 KB HELO (sent even when
negotiated away), a 2 KB MAIL FROM with bytes 0x01-0xFF and '%', and an
{auth_authen} login and queue id of control bytes, '%', '\\', DEL and high
bytes.  Prints the decision line the log must hold (EXPECT line)."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawmilter import Milter, SMFIP_NOHELO, cstr, rname, run

PORT = os.environ["ZM_PORT"]


def esc(raw):
    return "".join(chr(c) if 0x21 <= c <= 0x7e and c != 0x5c else "\\x%02x" % c
                   for c in raw)


def main():
    allb = bytes(range(1, 256))
    # every control byte, '%', '\\', DEL and high bytes; kept under 128
    # bytes, the longest login the milter keeps whole
    login = bytes(range(1, 33)) + b"%n%s\\" + bytes(range(0x7f, 0x90)) + b"\xfe\xff"
    qid = b"RAW\x01\xff%n"
    m = Milter(PORT, "raw hostile")
    m.negotiate()
    cmd, _ = m.connect("hostile.example.net", b"4", 4444, b"192.0.2.91")
    if cmd is not None and cmd != b"c":
        m.fail("connect", "reply %s, expected CONTINUE" % rname(cmd))
    helo = (b"h%s%n\x01\xff" * 410)[:2048]
    cmd, _ = m.helo(helo, force=True)
    print("HELO (2048 bytes, negotiated away: %s): reply %s"
          % (bool(m.proto & SMFIP_NOHELO), "none" if cmd is None else rname(cmd)))
    if cmd is not None and cmd != b"c":
        m.fail("HELO", "reply %s, expected CONTINUE" % rname(cmd))
    m.macro(b"M", [(b"i", qid), (b"{auth_authen}", login),
                   (b"{mail_addr}", b"x@example.org")])
    sender = b"<" + (allb + b"%s%n%%") * 8 + b">"            # 2090 bytes
    cmd, data = m.mail(sender, b"SIZE=\xff\x01%n", b"AUTH=<\r\n>")
    if cmd is not None and cmd != b"c":
        m.fail("MAIL FROM (2 KB)", "reply %s %r, expected CONTINUE" % (rname(cmd), cstr(data)))
    cmd, _ = m.rcpt(b"<r\x01\xff%n@example.com>")
    if cmd is not None and cmd != b"c":
        m.fail("RCPT TO", "reply %s, expected CONTINUE" % rname(cmd))
    (cmd, data), packets = m.eom()
    if cmd not in (b"a", b"c"):
        m.fail("EOM", "reply %s %r, expected accept" % (rname(cmd), cstr(data)))
    print("EOM: %s" % rname(cmd))
    m.quit()
    # a login outside [A-Za-z0-9@._+-] is logged as its user key: hex
    print("EXPECT %s: action=accept host=192.0.2.91 user=user:=%s score=10 reasons=helo=nofqdn(+10) rcpts=1"
          % (esc(qid), login.hex()))


run(main)
