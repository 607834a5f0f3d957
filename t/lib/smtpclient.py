#!/usr/bin/env python3
"""Test SMTP client: one session that poses as a customer through XCLIENT.

    smtpclient.py --port PORT (--addr ADDR | --bind ADDR) [--count N]
                  [--label L] [--from SENDER] [--to RCPT[,RCPT...]]
                  [--host 127.0.0.1] [--login LOGIN] [--helo NAME]
                  [--auth USER:PASSWORD] [--keep-going]

Connects to HOST:PORT (loopback only), EHLO, XCLIENT ADDR=<ADDR>
NAME=[UNAVAILABLE] (ADDR an IPv4 or IPv6 address; the IPV6: prefix is
added; with --login also LOGIN=<LOGIN>, the SASL login Postfix then passes
to milters as {auth_authen}), EHLO again as the protocol requires, then
sends N messages in the same session.  With --bind instead of --addr (an
MTA without XCLIENT, such as Sendmail) the client connects from ADDR, a
loopback address such as 127.0.0.7, and presents no XCLIENT.  --auth
authenticates with SMTP AUTH (PLAIN or LOGIN) before the messages.  Prints one line per message:

    LABEL-SEQ STAGE CODE TEXT

A refused recipient ends the transaction, unless --keep-going: then the
message goes to the recipients that were accepted, if any.

STAGE is where the transaction ended: "mail", "rcpt", "data" (reply to the
DATA command) or "eom" (final reply after the message text), or "conn" when
the server closed the session (CODE 000).  CODE is the three-digit reply
code, TEXT the reply text (enhanced status code included, lines of a
multi-line reply joined with a space).  Each message carries a header
"X-ZM-Test-Id: LABEL-SEQ" so its delivery can be traced.

Exit status 0 when the session could be set up (whatever the per-message
replies), 2 on a set-up failure (message on stderr).

As a module (t/lib/soakdrive.py): connect() sets a session up,
transaction() runs one message through it.
"""
import argparse
import smtplib
import sys


def text(resp):
    if isinstance(resp, bytes):
        resp = resp.decode("ascii", "backslashreplace")
    return " ".join(resp.splitlines())


class SetupError(Exception):
    pass


def xclient(s, addr, login=None):
    """present the customer's address (and login) with XCLIENT"""
    if not s.has_extn("xclient"):
        raise SetupError("EHLO: no XCLIENT offered")
    if ":" in addr and not addr.upper().startswith("IPV6:"):
        addr = "IPV6:" + addr
    args = "ADDR=%s NAME=[UNAVAILABLE]" % addr
    if login:
        args += " LOGIN=%s" % login
    code, resp = s.docmd("XCLIENT", args)
    if code != 220:
        raise SetupError("XCLIENT %d %s" % (code, text(resp)))
    # XCLIENT resets the session: the server greets again, EHLO anew
    code, resp = s.ehlo()
    if code != 250:
        raise SetupError("EHLO after XCLIENT %d %s" % (code, text(resp)))


def connect(host, port, addr=None, bind=None, helo="customer-pc.example",
            timeout=30, login=None):
    """a session that poses as customer ADDR through XCLIENT, or that
    connects from the loopback address BIND; raises SetupError, OSError
    or smtplib.SMTPException"""
    s = smtplib.SMTP(host, port, local_hostname=helo, timeout=timeout,
                     source_address=(bind, 0) if bind else None)
    code, resp = s.ehlo()
    if bind is not None:
        if code != 250:
            raise SetupError("EHLO %d %s" % (code, text(resp)))
    else:
        xclient(s, addr, login)
    return s


def message(sender, rcpt, mid, body=None):
    """the text of message MID (header X-ZM-Test-Id: MID)"""
    if body is None:
        body = "Test message %s.\r\n" % mid
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: test %s\r\n"
            "Message-ID: <%s@zm-test.example>\r\n"
            "X-ZM-Test-Id: %s\r\n\r\n%s" % (sender, rcpt, mid, mid, mid, body))


def transaction(s, mid, sender, rcpts, keep_going=False, body=None,
                mid_data=None):
    """one message: (stage, code, text, closed); closed when the server
    closed the session.  mid_data, if given, is called after the first
    half of the message text went out, before the rest."""
    stage = "mail"
    try:
        code, resp = s.mail(sender)
        if code == 250:
            stage = "rcpt"
            accepted = 0
            for r in rcpts:
                code, resp = s.rcpt(r)
                if code in (250, 251):
                    accepted += 1
                elif not keep_going:
                    break
            if keep_going and accepted > 0:
                code = 250
        if code in (250, 251):
            stage = "data"
            data = smtplib.quotedata(message(sender, rcpts[0], mid, body))
            data = data.encode("ascii") + b"\r\n.\r\n"
            s.putcmd("data")
            code, resp = s.getreply()
            if code == 354:
                stage = "eom"
                if mid_data is not None:
                    s.send(data[:len(data) // 2])
                    mid_data()
                    data = data[len(data) // 2:]
                s.send(data)
                code, resp = s.getreply()
        closed = code == 421
        if not closed and not (stage == "eom" and code == 250):
            try:
                s.rset()
            except (OSError, smtplib.SMTPException):
                closed = True
        return stage, code, text(resp), closed
    except smtplib.SMTPServerDisconnected as e:
        return stage, 0, text(str(e)), True
    except (OSError, smtplib.SMTPException) as e:
        return stage, 0, "error " + text(str(e)), True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    who = ap.add_mutually_exclusive_group(required=True)
    who.add_argument("--addr", help="XCLIENT customer address")
    who.add_argument("--bind", help="connect from this loopback address")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--label", default="msg")
    ap.add_argument("--from", dest="sender", default="sender@customer.example")
    ap.add_argument("--to", default="rcpt@remote.example")
    ap.add_argument("--helo", default="customer-pc.example")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--login", help="XCLIENT LOGIN= (a SASL login)")
    ap.add_argument("--auth", help="SMTP AUTH as USER:PASSWORD")
    ap.add_argument("--keep-going", action="store_true",
                    help="past refused recipients")
    a = ap.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("smtpclient.py: loopback only")
    rcpts = [r for r in a.to.split(",") if r]

    if a.bind is not None and not a.bind.startswith("127."):
        sys.exit("smtpclient.py: --bind: loopback only")
    try:
        s = connect(a.host, a.port, a.addr, a.bind, a.helo, a.timeout,
                    a.login)
        if a.auth:
            user, _, password = a.auth.partition(":")
            s.login(user, password)
    except (OSError, smtplib.SMTPException, SetupError) as e:
        sys.stderr.write("smtpclient.py: set-up failed: %s\n" % e)
        return 2

    closed = False
    for n in range(1, a.count + 1):
        mid = "%s-%d" % (a.label, n)
        if closed:
            print("%s conn 000 session closed" % mid, flush=True)
            continue
        stage, code, resp, closed = transaction(s, mid, a.sender, rcpts,
                                                a.keep_going)
        print("%s %s %03d %s" % (mid, stage, code, resp), flush=True)
    if not closed:
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
