"""config_lines.py -- configuration errors name their true line (TAP).

Takes etc/zombie-milter.conf itself, puts one mistake into it at a time
-- at the top, in the middle, inside a section, inside a list, at the
end, after comments of every kind (#, //, /* */ over lines, at the end of
a line, inside a list) -- and checks that `zombie-milter -n` exits 1 and
reports exactly FILE:LINE: option (or syntax): reason, LINE being where
the mistake is.  The same in a CRLF copy and in a file without a final
line break.  Then every commented example block of the sample (sections
like #dnsbl "..." { ... #}, and #option = value lines) is uncommented and
the sample must still pass -n, so its examples stay valid.
Environment: ZM_BIN, ZM_TOP, T (a private temp dir)."""
import os
import re
import subprocess
import sys

BIN, TOP, TMP = os.environ["ZM_BIN"], os.environ["ZM_TOP"], os.environ["T"]
SAMPLE = open(os.path.join(TOP, "etc", "zombie-milter.conf"),
              encoding="latin-1").read().split("\n")
if SAMPLE[-1] == "":
    SAMPLE.pop()
n = 0
failed = 0


def ok(cond, desc, diag=""):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, desc))
    if not cond:
        failed += 1
        for line in diag.splitlines():
            print("# " + line)


def check(lines, name, newline="\n", final=True):
    path = os.path.join(TMP, name + ".conf")
    text = newline.join(lines) + (newline if final else "")
    with open(path, "w", encoding="latin-1", newline="") as f:
        f.write(text)
    p = subprocess.run([BIN, "-n", "-c", path], capture_output=True,
                       text=True, errors="replace")
    return p.returncode, (p.stdout + p.stderr).strip(), path


def find(pattern):
    for i, line in enumerate(SAMPLE):
        if re.search(pattern, line):
            return i
    raise SystemExit("config_lines.py: no line matches %r" % pattern)


def inject(at, text, name, want, **kw):
    """insert text as line at+1 (1-based) and expect FILE:at+1: want"""
    lines = SAMPLE[:at] + [text] + SAMPLE[at:]
    rc, out, path = check(lines, name, **kw)
    expect = "zombie-milter: %s:%d: %s" % (path, at + 1, want)
    ok(rc == 1 and out == expect,
       "%s: reported at line %d as \"%s\"" % (name, at + 1, want),
       "exit %d, got: %s\nexpected: %s" % (rc, out, expect))


rc, out, _ = check(SAMPLE, "sample")
ok(rc == 0, "the sample configuration passes -n", out)

last = len(SAMPLE)
mid = find(r"^dns_budget_ms = ")
win = find(r'^window "1h" \{') + 1
lst = find(r"^freemail_domains = \{") + 1
inject(0, "no_such_option = 1", "top", "no_such_option: unknown option")
inject(mid, "dns_budget_ms = 5", "middle-range",
       "dns_budget_ms: 5 is out of range 10..10000")
inject(mid, 'mode = "sometimes"', "middle-value",
       'mode: "sometimes" is not one of enforce, monitor')
inject(mid, 'reply_reject = "no end', "middle-string",
       "syntax: a string that does not end on its line")
inject(win, "    bogus = 1", "in-section", "bogus: unknown option")
inject(win, "    buckets = 0", "in-section-range",
       "buckets: 0 is out of range 1..60")
inject(lst, '    "a.example" "b.example",', "in-list",
       "syntax: unexpected token 'b.example'")
inject(mid, 'window {', "bad-section",
       "syntax: missing title for section 'window'")
inject(last, "no_such_option = 1", "end", "no_such_option: unknown option")
inject(last, "no_such_option = 1", "end-no-newline",
       "no_such_option: unknown option", final=False)
inject(mid, "dns_budget_ms = 5", "crlf",
       "dns_budget_ms: 5 is out of range 10..10000", newline="\r\n")

# Comments of every kind before the mistake, in a small file.
small = ['# a comment', '// another', '/* a block', '   over lines */',
         'mode = "monitor"  # at the end of a line',
         'freemail_domains = { "a.example", # inside a list',
         '    "b.example" }  // and another',
         'socket = "inet:8895@127.0.0.1" /* a block at the end */',
         'window "w" {  # a section',
         '    # inside it', '    length = 60  // and after an option',
         '    /* a block */ messages = 10', '}',
         'quarantine_time = 10']
rc, out, path = check(small, "comments")
expect = ("zombie-milter: %s:%d: quarantine_time: 10 is out of range "
          "60..2592000" % (path, len(small)))
ok(rc == 1 and out == expect,
   "after #, //, /* */ comments (in a list, in a section): line %d"
   % len(small), "got: " + out)
small[-1] = '    buckets = 0'
small.insert(-2, small.pop())      # into the section, before its end
rc, out, path = check(small, "comments-section")
expect = ("zombie-milter: %s:%d: buckets: 0 is out of range 1..60"
          % (path, len(small) - 2))
ok(rc == 1 and out == expect, "a mistake inside a section after comments: "
   "line %d" % (len(small) - 2), "got: " + out)
rc, out, path = check(['/* never closed', 'mode = "monitor"'], "open-block")
ok(rc == 1 and out == "zombie-milter: %s:1: syntax: a comment that never "
   "ends" % path, "a block comment that never ends: its first line",
   "got: " + out)

# Comment characters inside quotes, past libconfuse's escapes (\" in
# "...", \' and \\ in '...'), are text: the values stay whole, and a
# mistake after them is still found on its line.
quoted = ["reply_reject = 'can\\'t # not a comment'",
          'reply_tempfail = "say \\"later\\" // not one either"',
          "reply_quarantine = 'a \\\\ /* nor this'",
          "quarantine_time = 10"]
rc, out, path = check(quoted, "quoted")
ok(rc == 1 and out == "zombie-milter: %s:4: quarantine_time: 10 is out of "
   "range 60..2592000" % path, "a mistake after escaped quotes: line 4",
   "got: " + out)
rc, out, path = check(quoted[:-1], "quoted-good")
p = subprocess.run([BIN, "-s", "-c", path], capture_output=True, text=True,
                   errors="replace")
want = ['reply_reject="can\'t # not a comment"',
        'reply_tempfail="say \\"later\\" // not one either"',
        'reply_quarantine="a \\\\ /* nor this"']
ok(rc == 0 and p.returncode == 0 and
   all(w in p.stdout.split("\n") for w in want),
   "and -s shows the three values whole", out + p.stdout + p.stderr)

# Every commented example uncommented.
lines, blocks, inside = [], 0, False
for line in SAMPLE:
    if re.match(r'^#[a-z_]+ "[^"]*" \{$', line):
        inside, blocks = True, blocks + 1
        lines.append(line[1:])
    elif inside:
        lines.append(line[1:] if line.startswith("#") else line)
        inside = not line.startswith("#}")
    elif re.match(r"^#[a-z_]+ (=|\+=) ", line):
        blocks += 1
        lines.append(line[1:])
    else:
        lines.append(line)
ok(blocks >= 3, "the sample has %d commented examples" % blocks)
rc, out, _ = check(lines, "examples")
ok(rc == 0, "with every example uncommented, the sample passes -n", out)

print("1..%d" % n)
sys.exit(1 if failed else 0)
