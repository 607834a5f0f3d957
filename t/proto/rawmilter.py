"""rawmilter.py -- a minimal MTA side of the milter protocol, for the few
things miltertest cannot express: an AF_UNIX connect address (family 'L'),
the text of a reply given at MAIL FROM, and HELO / MAIL FROM arguments
longer than miltertest's 1 KB buffers.  Python standard library only.

Used by the t/proto/*.py scripts; each step raises Failure with the step
name on an unexpected answer.
"""

import re
import socket
import struct
import sys

SMFI_VERSION = 6
# what a current MTA offers: all actions, all protocol steps/flags
MTA_ACTIONS = 0x000001FF
MTA_PROTO = 0x001FFFFF

SMFIP_NOCONNECT = 0x1
SMFIP_NOHELO = 0x2
SMFIP_NOMAIL = 0x4
SMFIP_NORCPT = 0x8
SMFIP_NOBODY = 0x10
SMFIP_NOHDRS = 0x20
SMFIP_NOEOH = 0x40
SMFIP_NR_HDR = 0x80
SMFIP_NODATA = 0x200
SMFIP_SKIP = 0x400
SMFIP_RCPT_REJ = 0x800
SMFIP_NR_CONN = 0x1000
SMFIP_NR_HELO = 0x2000
SMFIP_NR_MAIL = 0x4000
SMFIP_NR_RCPT = 0x8000
SMFIP_NR_DATA = 0x10000
SMFIP_NR_EOH = 0x40000
SMFIP_NR_BODY = 0x80000

FINAL = b"carty"   # continue accept reject tempfail replycode; also 'd' discard
NAMES = {b"c": "CONTINUE", b"a": "ACCEPT", b"r": "REJECT", b"t": "TEMPFAIL",
         b"d": "DISCARD", b"y": "REPLYCODE", b"h": "ADDHEADER",
         b"i": "INSHEADER", b"m": "CHGHEADER", b"p": "PROGRESS",
         b"q": "QUARANTINE", b"s": "SKIP"}


class Failure(Exception):
    pass


def rname(cmd):
    return NAMES.get(cmd, repr(cmd))


class Milter:
    def __init__(self, port, label="raw", timeout=10):
        """port: the milter's TCP port on 127.0.0.1, or the path of its
        unix socket (a string starting with /)"""
        self.label = label
        unix = str(port).startswith("/")
        try:
            if unix:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.settimeout(timeout)
                self.s.connect(port)
            else:
                self.s = socket.create_connection(("127.0.0.1", int(port)),
                                                  timeout)
        except OSError as e:
            raise Failure("%s: connect to %s: %s" % (
                label, port if unix else "127.0.0.1:%s" % port, e))
        self.s.settimeout(timeout)
        # an MTA's small packets must not wait for Nagle and delayed ACKs
        if not unix:
            self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.actions = 0
        self.proto = 0

    def fail(self, step, msg):
        raise Failure("%s: %s: %s" % (self.label, step, msg))

    # -- framing ----------------------------------------------------------
    def send(self, cmd, data=b""):
        self.s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def _recvn(self, n, step):
        buf = b""
        while len(buf) < n:
            try:
                chunk = self.s.recv(n - len(buf))
            except socket.timeout:
                self.fail(step, "no answer from the milter (timeout)")
            except OSError as e:
                self.fail(step, "read error: %s" % e)
            if not chunk:
                self.fail(step, "the milter closed the connection")
            buf += chunk
        return buf

    def recv(self, step):
        (n,) = struct.unpack(">I", self._recvn(4, step))
        if n < 1 or n > 1 << 20:
            self.fail(step, "bad packet length %d" % n)
        body = self._recvn(n, step)
        return body[:1], body[1:]

    # -- steps ------------------------------------------------------------
    def negotiate(self):
        self.send(b"O", struct.pack(">III", SMFI_VERSION, MTA_ACTIONS, MTA_PROTO))
        cmd, data = self.recv("negotiate")
        if cmd != b"O" or len(data) < 12:
            self.fail("negotiate", "answer %s, expected an option packet" % rname(cmd))
        _, self.actions, self.proto = struct.unpack(">III", data[:12])

    def _reply(self, step, nr_flag, skip_flag=0):
        """read the reply of a step unless it was negotiated away"""
        if nr_flag and (self.proto & nr_flag):
            return None, b""
        return self.recv(step)

    def connect(self, host, family, port=0, addr=None, macros=None):
        """family: b'4', b'6', b'L' (AF_UNIX, addr = socket path), b'U';
        macros: [(name, value)] (bytes) sent for the connect stage first,
        as an MTA does (e.g. its name in "j")"""
        if macros:
            self.macro(b"C", macros)
        data = host.encode() + b"\0" + family
        if family != b"U":
            data += struct.pack(">H", port) + addr + b"\0"
        self.send(b"C", data)
        return self._reply("connect", SMFIP_NR_CONN)

    def macro(self, stage, pairs):
        data = stage
        for k, v in pairs:
            data += k + b"\0" + v + b"\0"
        self.send(b"D", data)

    def helo(self, name, force=False):
        """HELO; when the milter negotiated it away, send it only if force
        (libmilter then answers continue unless NR_HELO was negotiated)"""
        if (self.proto & SMFIP_NOHELO) and not force:
            return None, b""
        self.send(b"H", name + b"\0")
        return self._reply("helo", SMFIP_NR_HELO)

    def mail(self, *args, macros=None):
        """macros: [(name, value)] sent for the MAIL stage first"""
        if macros:
            self.macro(b"M", macros)
        self.send(b"M", b"".join(a + b"\0" for a in args))
        return self._reply("mail", SMFIP_NR_MAIL)

    def rcpt(self, *args, macros=None):
        """macros: [(name, value)] sent for the RCPT stage first"""
        if macros:
            self.macro(b"R", macros)
        self.send(b"R", b"".join(a + b"\0" for a in args))
        return self._reply("rcpt", SMFIP_NR_RCPT)

    def rcpt_rejected(self, addr):
        """a recipient the MTA refused itself, passed on as Postfix does
        when the milter asked for SMFIP_RCPT_REJ ({rcpt_mailer} "error");
        (None, b"") when it did not ask (nothing is sent) or when RCPT
        needs no reply"""
        if not self.proto & SMFIP_RCPT_REJ:
            return None, b""
        return self.rcpt(addr, macros=[(b"{rcpt_mailer}", b"error"),
                                       (b"{rcpt_host}", b"5.1.1"),
                                       (b"{rcpt_addr}", b"User unknown")])

    def eom(self, body=None, headers=None, chunk=65535, on_eom=None,
            macros=None):
        """end of message (DATA/headers/body skipped when negotiated away);
        returns (final reply, [(cmd, data) of all packets]).
        body: bytes (default b"test body\r\n"), sent in body packets of at
        most chunk bytes (an empty body sends none); headers: [(name,
        value)] as bytes (default one From header); on_eom: called just
        before the end-of-message command is sent (to time its reply);
        macros: [(name, value)] sent for the end-of-message stage (e.g. the
        queue id "i").  A SKIP answer to a body packet ends the body."""
        if body is None:
            body = b"test body\r\n"
        if headers is None:
            headers = [(b"From", b"<sender@example.org>")]
        if not self.proto & SMFIP_NODATA:
            self.send(b"T")
            self._reply("data", SMFIP_NR_DATA)
        if not self.proto & SMFIP_NOHDRS:
            for name, value in headers:
                self.send(b"L", name + b"\0" + value + b"\0")
                self._reply("header", SMFIP_NR_HDR)
        if not self.proto & SMFIP_NOEOH:
            self.send(b"N")
            self._reply("eoh", SMFIP_NR_EOH)
        if not self.proto & SMFIP_NOBODY:
            for i in range(0, len(body), max(1, min(chunk, 65535))):
                self.send(b"B", body[i:i + max(1, min(chunk, 65535))])
                cmd, _ = self._reply("body", SMFIP_NR_BODY)
                if cmd == b"s":     # SKIP: the milter wants no more body
                    break
        if macros:
            self.macro(b"E", macros)
        if on_eom is not None:
            on_eom()
        self.send(b"E")
        packets = []
        while True:
            cmd, data = self.recv("eom")
            packets.append((cmd, data))
            if cmd in (b"c", b"a", b"r", b"t", b"d", b"y"):
                return (cmd, data), packets

    def abort(self):
        self.send(b"A")

    def quit(self):
        try:
            self.send(b"Q")
        except OSError:
            pass
        self.s.close()


_DECISION = re.compile(r"(?:^|[ :\t])(\S+): (action=.*)$")


def parse_decision(line):
    """(queue id, {field: value, "line": line}) of a milter decision log
    line ("QID: action=X host=H ... rcpts=N"), or None for another line"""
    m = _DECISION.search(line)
    if not m:
        return None
    d = {"line": line}
    for tok in m.group(2).split(" "):
        if "=" in tok:
            k, v = tok.split("=", 1)
            d[k] = v
    return m.group(1), d


def cstr(data):
    """text of a reply packet (NUL-terminated)"""
    return data.split(b"\0", 1)[0].decode("latin-1")


def run(main):
    """run main() and exit 0, or print the failure and exit 1"""
    try:
        main()
    except Failure as e:
        sys.stderr.write("FAIL: %s\n" % e)
        sys.exit(1)
    sys.exit(0)
