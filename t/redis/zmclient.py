"""zmclient.py -- scripted raw milter client for the t/redis tests.

Reads steps from stdin, one a line (shlex syntax, '#' comments):

    PORT ACTION ADDR [key=value ...]
    - sleep SECONDS

ADDR is the client address sent at connect (family '6' when it has a
':').  Keys:
    qid=Q        queue id ("i") sent with the MAIL macros
    eomqid=Q     queue id sent at end of message (Postfix style;
                 eomqid_hex=HEX for raw bytes)
    login=L      {auth_authen} at MAIL (text; login_hex=HEX for raw bytes)
    rcpts=N      recipients (default 1)
    text=T       the whole reply expected on a refusal ("550 5.7.1 ...")
    within=S     the time limit of the until-* actions (default 3)

ACTION, each on a new connection:
    accept             MAIL continues, end of message accepted/continued
    refuse-eom         MAIL continues, end of message gets a REPLYCODE
    refuse-mail        MAIL FROM gets a REPLYCODE (the message stops)
    until-refused-mail MAIL FROM until it is refused (a MAIL FROM that
                       continues is aborted, nothing is sent to the end,
                       so nothing is counted), at most `within` seconds;
                       the attempts' queue ids are Q.1, Q.2, ...
    until-accepted     MAIL FROM until it continues (each refusal checked
                       against text), then the message to the end with
                       end-of-message queue id Q, which must be accepted;
                       the refused attempts' queue ids are Q.1, Q.2, ...

Each step prints one line "step N: ... key=value ..." (reply, text,
attempts, elapsed).  Exit 0 if every step went as expected, else 1 with
the failing step.
"""

import os
import shlex
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "proto"))
from rawmilter import Milter, Failure, cstr, rname, run  # noqa: E402

FINAL_EOM = (b"a", b"c")


def family(addr):
    return b"6" if ":" in addr else b"4"


class Step:
    def __init__(self, n, words):
        self.n = n
        self.port, self.action, self.addr = words[0], words[1], words[2]
        kv = {}
        for w in words[3:]:
            k, _, v = w.partition("=")
            kv[k] = v
        self.qid = kv.get("qid")
        self.eomqid = kv.get("eomqid")
        if "eomqid_hex" in kv:
            self.eomqid = bytes.fromhex(kv["eomqid_hex"])
        if "login_hex" in kv:
            self.login = bytes.fromhex(kv["login_hex"])
        elif "login" in kv:
            self.login = kv["login"].encode()
        else:
            self.login = None
        self.rcpts = int(kv.get("rcpts", "1"))
        self.text = kv.get("text")
        self.within = float(kv.get("within", "3"))
        self.label = "step %d (%s %s %s qid=%s)" % (n, self.port, self.action,
                                                    self.addr, self.qid)


def open_conn(st):
    m = Milter(st.port, st.label)
    m.negotiate()
    cmd, _ = m.connect("client.example.net", family(st.addr), 25,
                       st.addr.encode())
    if cmd is not None and cmd != b"c":
        m.fail("connect", "reply %s, expected CONTINUE" % rname(cmd))
    return m


def mail(m, st, qid):
    pairs = [(b"{mail_addr}", b"sender@example.org")]
    if qid is not None:
        pairs.append((b"i", qid.encode()))
    if st.login is not None:
        pairs.append((b"{auth_authen}", st.login))
    m.macro(b"M", pairs)
    return m.mail(b"<sender@example.org>")


def rcpts_and_eom(m, st, eomqid):
    for i in range(st.rcpts):
        cmd, _ = m.rcpt(b"<rcpt%d@example.com>" % (i + 1))
        if cmd is not None and cmd != b"c":
            m.fail("RCPT TO #%d" % (i + 1), "reply %s, expected CONTINUE" % rname(cmd))
    if eomqid is not None:
        if isinstance(eomqid, str):
            eomqid = eomqid.encode()
        m.macro(b"E", [(b"i", eomqid)])
    (cmd, data), _ = m.eom()
    return cmd, cstr(data)


def check_text(m, st, where, text):
    if st.text is not None and text != st.text:
        m.fail(where, "reply text %r, expected %r" % (text, st.text))


def one(st):
    """one message; returns (stage, reply name, text)"""
    m = open_conn(st)
    cmd, data = mail(m, st, st.qid)
    if cmd is not None and cmd != b"c":
        m.quit()
        return "mail", cmd, cstr(data)
    cmd, text = rcpts_and_eom(m, st, st.eomqid)
    m.quit()
    return "eom", cmd, text


def do_step(st):
    t0 = time.monotonic()
    act = st.action
    if act in ("accept", "refuse-eom", "refuse-mail"):
        stage, cmd, text = one(st)
        info = "stage=%s reply=%s text=%s" % (stage, rname(cmd), shlex.quote(text))
        if act == "accept":
            if stage != "eom" or cmd not in FINAL_EOM:
                raise Failure("%s: %s, expected acceptance" % (st.label, info))
        elif act == "refuse-eom":
            if stage != "eom" or cmd != b"y":
                raise Failure("%s: %s, expected REPLYCODE at end of message" % (st.label, info))
            if st.text is not None and text != st.text:
                raise Failure("%s: reply text %r, expected %r" % (st.label, text, st.text))
        else:
            if stage != "mail" or cmd != b"y":
                raise Failure("%s: %s, expected REPLYCODE at MAIL FROM" % (st.label, info))
            if st.text is not None and text != st.text:
                raise Failure("%s: reply text %r, expected %r" % (st.label, text, st.text))
        return info
    if act == "until-refused-mail":
        k = 0
        while True:
            k += 1
            qid = "%s.%d" % (st.qid, k)
            m = open_conn(st)
            cmd, data = mail(m, st, qid)
            if cmd is not None and cmd != b"c":
                m.quit()
                el = time.monotonic() - t0
                if cmd != b"y":
                    raise Failure("%s: attempt %d: MAIL FROM reply %s, expected REPLYCODE"
                                  % (st.label, k, rname(cmd)))
                if st.text is not None and cstr(data) != st.text:
                    raise Failure("%s: attempt %d: reply text %r, expected %r"
                                  % (st.label, k, cstr(data), st.text))
                return "stage=mail reply=%s attempts=%d last=%s elapsed=%.2f text=%s" % (
                    rname(cmd), k, qid, el, shlex.quote(cstr(data)))
            m.abort()
            m.quit()
            if time.monotonic() - t0 > st.within:
                raise Failure("%s: MAIL FROM still not refused after %d attempts in %.2f s"
                              % (st.label, k, time.monotonic() - t0))
            time.sleep(0.2)
    if act == "until-accepted":
        k = 0
        while True:
            k += 1
            qid = "%s.%d" % (st.qid, k)
            m = open_conn(st)
            cmd, data = mail(m, st, qid)
            if cmd is None or cmd == b"c":
                cmd, text = rcpts_and_eom(m, st, st.qid)
                m.quit()
                el = time.monotonic() - t0
                if cmd not in FINAL_EOM:
                    raise Failure("%s: MAIL FROM continued but end of message got %s %r"
                                  % (st.label, rname(cmd), text))
                return "stage=eom reply=%s refused=%d elapsed=%.2f" % (rname(cmd), k - 1, el)
            m.quit()
            if cmd != b"y":
                raise Failure("%s: attempt %d: MAIL FROM reply %s, expected REPLYCODE or CONTINUE"
                              % (st.label, k, rname(cmd)))
            if st.text is not None and cstr(data) != st.text:
                raise Failure("%s: attempt %d: refusal text %r, expected %r"
                              % (st.label, k, cstr(data), st.text))
            if time.monotonic() - t0 > st.within:
                raise Failure("%s: still refused at MAIL FROM after %d attempts in %.2f s"
                              % (st.label, k, time.monotonic() - t0))
            time.sleep(0.2)
    raise Failure("%s: unknown action %r" % (st.label, act))


def main():
    n = 0
    for line in sys.stdin:
        words = shlex.split(line, comments=True)
        if not words:
            continue
        n += 1
        if words[0] == "-" and words[1] == "sleep":
            time.sleep(float(words[2]))
            print("step %d: sleep %s" % (n, words[2]))
            continue
        st = Step(n, words)
        info = do_step(st)
        print("step %d: %s %s %s qid=%s %s" % (n, st.port, st.action, st.addr,
                                               st.qid, info))
        sys.stdout.flush()


run(main)
