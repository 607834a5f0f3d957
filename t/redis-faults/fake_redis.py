"""fake_redis.py PORT MODE READY-FILE LOG -- a misbehaving Redis on
127.0.0.1:PORT, for the fault tests (a real redis-server cannot be made to
answer these).  AUTH, SELECT, PING and CLIENT are answered as Redis does
(any password is taken), HELLO is refused as by a RESP2-only server; the
other commands (EVALSHA, EVAL, SCRIPT LOAD, HGETALL, ...) get, by MODE:
  loading    -LOADING Redis is loading the dataset in memory
  empty      *0 (an empty array; SCRIPT LOAD still gets a 40-hex sha)
  wrongtype  :42 (an integer where an array or a string is expected)
  garbage    bytes that are not RESP at all
  reset      no answer: the connection is reset (RST)
  dribble    -ERR slow, slow, slow (22 bytes) one byte every 40 ms, the
             +OK to AUTH etc. too: each read returns within any per-read
             timeout, a round trip takes 0.2 to 0.9 s
  hostile    an error reply whose text holds an escape sequence, a bell,
             8-bit bytes and words that mimic a log line's end
  noscript-slow  the first connection answers at once but never answers
             EVALSHA; later ones answer SCRIPT LOAD, EVALSHA (-NOSCRIPT)
             and EVAL (-ERR) each after FAKE_DELAY seconds (default 0.9):
             a call that waits for a connection, makes one and retries a
             NOSCRIPT takes the longest a call may
Each command received is logged (one line: connection number, words)."""
import os
import socket
import struct
import sys
import threading
import time

PORT, MODE, READY, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
DELAY = float(os.environ.get("FAKE_DELAY", "0.9"))
HANG = object()
lock = threading.Lock()
logf = open(LOG, "a")


def log(n, words):
    with lock:
        logf.write("%.3f %d %s\n" % (time.time(), n, " ".join(
            w.decode("latin-1")[:40].encode("unicode_escape").decode() for w in words)))
        logf.flush()


class Closed(Exception):
    pass


def readline(s, buf):
    while b"\r\n" not in buf[0]:
        d = s.recv(4096)
        if not d:
            raise Closed()
        buf[0] += d
    line, buf[0] = buf[0].split(b"\r\n", 1)
    return line


def readn(s, buf, n):
    while len(buf[0]) < n + 2:
        d = s.recv(4096)
        if not d:
            raise Closed()
        buf[0] += d
    data, buf[0] = buf[0][:n], buf[0][n + 2:]
    return data


def command(s, buf):
    line = readline(s, buf)
    if not line.startswith(b"*"):
        return line.split()           # inline command
    words = []
    for _ in range(int(line[1:])):
        hdr = readline(s, buf)
        words.append(readn(s, buf, int(hdr[1:])))
    return words


def send(s, data):
    if MODE == "dribble":
        for i in range(len(data)):
            s.sendall(data[i:i + 1])
            time.sleep(0.04)
    else:
        s.sendall(data)


def noscript_slow(n, name, sub):
    if name == b"HGETALL":
        return b"*0\r\n"
    if n == 1:
        if name == b"EVALSHA":
            return HANG
        if name == b"SCRIPT" and sub == b"LOAD":
            return b"$40\r\n" + b"0123456789abcdef0123456789abcdef01234567" + b"\r\n"
        return b"-ERR fake\r\n"
    time.sleep(DELAY)
    if name == b"SCRIPT" and sub == b"LOAD":
        return b"$40\r\n" + b"0123456789abcdef0123456789abcdef01234567" + b"\r\n"
    if name == b"EVALSHA":
        return b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    return b"-ERR fake: no Lua here\r\n"


def answer(words, n):
    name = words[0].upper() if words else b""
    sub = words[1].upper() if len(words) > 1 else b""
    if MODE == "dribble":
        if name in (b"AUTH", b"SELECT", b"CLIENT"):
            return b"+OK\r\n"
        return b"-ERR slow, slow, slow\r\n"
    if name in (b"AUTH", b"SELECT", b"CLIENT"):
        return b"+OK\r\n"
    if name == b"HELLO":
        return b"-ERR unknown command 'HELLO'\r\n"
    if name == b"PING":
        return b"+PONG\r\n"
    if MODE == "loading":
        return b"-LOADING Redis is loading the dataset in memory\r\n"
    if MODE == "empty":
        if name == b"SCRIPT" and sub == b"LOAD":
            return b"$40\r\n" + b"0123456789abcdef0123456789abcdef01234567" + b"\r\n"
        return b"*0\r\n"
    if MODE == "wrongtype":
        return b":42\r\n"
    if MODE == "garbage":
        return b"@@ this is not RESP @@\r\n\x00\xff\r\n"
    if MODE == "reset":
        return None
    if MODE == "noscript-slow":
        return noscript_slow(n, name, sub)
    if MODE == "hostile":
        return b"-ERR evil\x1b[31m\x07\xff\xfe; fallback accept\r\n"
    raise SystemExit("fake_redis: unknown mode %s" % MODE)


def serve(c, n):
    buf = [b""]
    try:
        while True:
            words = command(c, buf)
            log(n, words)
            a = answer(words, n)
            if a is HANG:
                continue
            if a is None:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.close()
                return
            send(c, a)
    except (Closed, OSError, ValueError, IndexError):
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass


lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", PORT))
lst.listen(64)
open(READY, "w").close()
n = 0
while True:
    c, _ = lst.accept()
    n += 1
    log(n, [b"(connected)"])
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
