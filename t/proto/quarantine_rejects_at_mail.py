"""quarantine_rejects_at_mail (raw client part): the text of the MAIL FROM
refusal of a quarantined host / login, which miltertest cannot read.
Runs after quarantine_rejects_at_mail.lua against the same milter."""
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawmilter import Milter, Failure, cstr, rname, run

PORT = os.environ["ZM_PORT"]
WANT = "550 5.7.1 ZM-QUAR quarantined, see https://help.example.org/zm"


def refused_at_mail(label, addr, login=None):
    m = Milter(PORT, label)
    m.negotiate()
    cmd, _ = m.connect("client.example.net", b"4", 25, addr)
    if cmd is not None and cmd != b"c":
        m.fail("connect", "reply %s, expected CONTINUE" % rname(cmd))
    pairs = [(b"i", label.encode()), (b"{mail_addr}", b"sender@example.org")]
    if login:
        pairs.append((b"{auth_authen}", login))
    m.macro(b"M", pairs)
    cmd, data = m.mail(b"<sender@example.org>")
    if cmd != b"y":
        m.fail("MAIL FROM", "reply %s, expected REPLYCODE" % rname(cmd))
    if cstr(data) != WANT:
        m.fail("MAIL FROM", "reply text %r, expected %r" % (cstr(data), WANT))
    print("%s: MAIL FROM refused with %r" % (label, cstr(data)))
    m.quit()


def main():
    refused_at_mail("P1", b"192.0.2.30")
    refused_at_mail("P2", b"203.0.113.32", b"mallory")


run(main)
