#!/usr/bin/env python3
"""sigclient.py -- scripted raw milter client for the t/signals tests
(t/proto/rawmilter.py underneath; Python standard library only).

    sigclient.py run          steps from stdin (below)
    sigclient.py fp FILE...   prints the body fingerprint of each FILE as
                              the spec defines it (64 hex, SHA-256 of the
                              normalised body), one a line

Steps, one a line (shlex syntax, '#' comments), each one message:

    PORT ADDR key=value...

on a new connection from client ADDR (family '6' when it has a ':', else
'4'), unless the previous step had keep=1 (then the same connection goes
on: PORT, ADDR, helo and j of this step are ignored).  Keys:

    qid=Q         queue id ("i" macro at MAIL and at end of message);
                  required
    helo=NAME     HELO/EHLO name (sent only if the milter asked for HELO;
                  the PROTO line says whether it did)
    j=NAME        the MTA's own name, macro "j" at CONNECT (as Postfix)
    from=ADDR     envelope sender (default sender@example.org; "from="
                  empty = the null sender <>)
    rcpt=A,B,...  recipients in order (default rcpt1@example.com); one
                  written !ADDR is refused by the MTA: sent, like Postfix
                  with SMFIP_RCPT_REJ, with {rcpt_mailer}=error (only when
                  the milter negotiated SMFIP_RCPT_REJ; else it is left
                  out, as Postfix would, with a note on stderr); accepted
                  ones carry
                  {rcpt_mailer}=smtp
    body=FILE     the body, raw bytes of FILE (default "message Q\\r\\n",
                  unique per queue id)
    chunk=N       body packets of at most N bytes (default 65535)
    keep=1        keep the connection open for the next step

Output, one line per message (MS: milliseconds from MAIL FROM to the
final reply of the message, EOMMS: from the end-of-message command to its
reply, "-" when the message stopped before):

    QID STAGE RESULT MS EOMMS TEXT

STAGE is where the message ended (connect, helo, mail, rcpt, eom), RESULT
the reply there (continue accept reject tempfail discard replycode) and
TEXT the SMTP reply of a REPLYCODE ("-" otherwise).  Then, for each header
the milter added at end of message:

    HDR QID NAME: VALUE

and before the first message of each connection:

    PROTO QID nohelo=0|1 nobody=0|1 rcpt_rej=0|1 nr_rcpt=0|1

Exit status 0 when every step ran (whatever the replies), 1 on a protocol
failure (printed to stderr).
"""
import hashlib
import os
import re
import shlex
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "proto"))
from rawmilter import (Milter, Failure, cstr, SMFIP_NOHELO,  # noqa: E402
                       SMFIP_NOBODY, SMFIP_NR_RCPT, SMFIP_RCPT_REJ)

RESULTS = {b"c": "continue", b"a": "accept", b"r": "reject",
           b"t": "tempfail", b"d": "discard", b"y": "replycode"}


def result(cmd):
    return RESULTS.get(cmd, "other(%r)" % cmd)


def normalise(body):
    """the spec's normalisation: CR and LF end lines, runs of spaces/tabs
    collapse to one space, trailing whitespace on a line and empty lines
    are dropped; each line kept ends with LF"""
    out = []
    for line in re.split(rb"[\r\n]", body):
        line = re.sub(rb"[ \t]+", b" ", line).rstrip(b" ")
        if line:
            out.append(line + b"\n")
    return b"".join(out)


def fingerprint(body):
    return hashlib.sha256(normalise(body)).hexdigest()


class Step:
    def __init__(self, n, words, basedir):
        self.n = n
        self.port, self.addr = words[0], words[1]
        kv = {}
        for w in words[2:]:
            k, sep, v = w.partition("=")
            if not sep:
                raise Failure("step %d: %r is not key=value" % (n, w))
            kv[k] = v
        if "qid" not in kv:
            raise Failure("step %d: no qid=" % n)
        self.qid = kv["qid"]
        self.helo = kv.get("helo")
        self.j = kv.get("j")
        self.sender = kv.get("from", "sender@example.org")
        self.rcpts = [r for r in kv.get("rcpt", "rcpt1@example.com").split(",") if r]
        if "body" in kv:
            path = os.path.join(basedir, kv["body"])
            with open(path, "rb") as f:
                self.body = f.read()
        else:
            self.body = ("message %s\r\n" % self.qid).encode()
        self.chunk = int(kv.get("chunk", "65535"))
        self.keep = kv.get("keep", "0") == "1"
        self.label = "step %d (%s %s qid=%s)" % (n, self.port, self.addr, self.qid)


def emit(*words):
    print(" ".join(str(w) for w in words), flush=True)


def open_conn(st):
    """a new connection: negotiate, CONNECT (macro j), HELO; returns the
    Milter, or None when CONNECT or HELO already gave a final answer"""
    m = Milter(st.port, st.label, timeout=15)
    m.negotiate()
    emit("PROTO", st.qid,
         "nohelo=%d" % bool(m.proto & SMFIP_NOHELO),
         "nobody=%d" % bool(m.proto & SMFIP_NOBODY),
         "rcpt_rej=%d" % bool(m.proto & SMFIP_RCPT_REJ),
         "nr_rcpt=%d" % bool(m.proto & SMFIP_NR_RCPT))
    family = b"6" if ":" in st.addr else b"4"
    if st.j is not None:
        m.macro(b"C", [(b"j", st.j.encode()), (b"{daemon_name}", b"smtpd")])
    cmd, data = m.connect("client.example.net", family, 25, st.addr.encode())
    if cmd is not None and cmd != b"c":
        emit(st.qid, "connect", result(cmd), "-", "-",
             cstr(data) if cmd == b"y" else "-")
        m.quit()
        return None
    if st.helo is not None:
        cmd, data = m.helo(st.helo.encode())
        if cmd is not None and cmd != b"c":
            emit(st.qid, "helo", result(cmd), "-", "-",
                 cstr(data) if cmd == b"y" else "-")
            m.quit()
            return None
    return m


def message(m, st):
    t0 = time.monotonic()
    ms = lambda t: int((time.monotonic() - t) * 1000)  # noqa: E731
    m.macro(b"M", [(b"i", st.qid.encode()),
                   (b"{mail_addr}", st.sender.encode())])
    cmd, data = m.mail(("<%s>" % st.sender).encode())
    if cmd is not None and cmd != b"c":
        emit(st.qid, "mail", result(cmd), ms(t0), "-",
             cstr(data) if cmd == b"y" else "-")
        return False
    rej_sent = 1
    for r in st.rcpts:
        refused = r.startswith("!")
        addr = r[1:] if refused else r
        if refused:
            if not m.proto & SMFIP_RCPT_REJ:
                rej_sent = 0
                continue
            # what Postfix sends for a recipient it refused
            m.macro(b"R", [(b"{rcpt_mailer}", b"error"),
                           (b"{rcpt_host}", b"5.1.1"),
                           (b"{rcpt_addr}", b"550 5.1.1 <%s>: Recipient address rejected: User unknown" % addr.encode())])
        else:
            m.macro(b"R", [(b"{rcpt_mailer}", b"smtp"),
                           (b"{rcpt_host}", addr.split("@")[-1].encode()),
                           (b"{rcpt_addr}", addr.encode())])
        cmd, data = m.rcpt(("<%s>" % addr).encode())
        if refused:
            continue	# the MTA ignores the answer for a refused one
        if cmd is not None and cmd != b"c":
            emit(st.qid, "rcpt", result(cmd), ms(t0), "-",
                 cstr(data) if cmd == b"y" else "-")
            return False
    if not rej_sent:
        sys.stderr.write("%s: refused recipients left out: the milter did "
                         "not negotiate SMFIP_RCPT_REJ\n" % st.label)
    te = [None]

    def mark():
        m.macro(b"E", [(b"i", st.qid.encode())])
        te[0] = time.monotonic()
    headers = [(b"From", ("<%s>" % st.sender).encode()),
               (b"Subject", b"test " + st.qid.encode())]
    (cmd, data), packets = m.eom(body=st.body, headers=headers,
                                 chunk=st.chunk, on_eom=mark)
    emit(st.qid, "eom", result(cmd), ms(t0), ms(te[0]),
         cstr(data) if cmd == b"y" else "-")
    for c, d in packets:
        if c == b"h":
            parts = d.split(b"\0")
            emit("HDR", st.qid, "%s: %s" % (parts[0].decode("latin-1"),
                                            parts[1].decode("latin-1")))
    return True


def run():
    basedir = os.getcwd()
    steps = []
    for n, line in enumerate(sys.stdin, 1):
        words = shlex.split(line, comments=True)
        if words:
            steps.append(Step(len(steps) + 1, words, basedir))
    m = None
    for st in steps:
        if m is None:
            m = open_conn(st)
            if m is None:
                continue
        message(m, st)
        if not st.keep:
            m.quit()
            m = None
    if m is not None:
        m.quit()
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "run":
        return run()
    if len(argv) >= 3 and argv[1] == "fp":
        for path in argv[2:]:
            with open(path, "rb") as f:
                print(fingerprint(f.read()))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Failure as e:
        sys.stderr.write("FAIL: %s\n" % e)
        sys.exit(1)
