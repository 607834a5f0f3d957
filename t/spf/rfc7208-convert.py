#!/usr/bin/env python3
"""rfc7208-convert.py SUITE.yml > t/data/spf/rfc7208-tests.txt

Converts the SPF council's RFC 7208 test suite (release 2014.04, the YAML
file pyspf and Mail::SPF ship as rfc7208-tests.yml) to the line format of
t/spf/spfcheck.c.  Run by hand (needs python3-yaml); its output is kept in
the tree, so the suite itself needs no YAML.

As the suite's own drivers do: SPF (type 99) records are given as TXT
records when a name has no TXT record of its own (RFC 7208 retired the
type; zombie-milter never asks for it); "TIMEOUT" marks a name, or one
type of it, as timing out; TXT strings of one record are joined (RFC 7208
3.3).  A space in a name is written \x20.
"""
import sys

import yaml

HEADER = """\
# t/data/spf/rfc7208-tests.txt -- the RFC 7208 test suite of the SPF
# council (openspf.org, release 2014.04), converted by
# t/spf/rfc7208-convert.py for t/spf/spfcheck.c.  The suite's notice:
#
# The RFC 4408 test-suite (rfc4408-tests.yml) is
# (C) 2006-2007 Stuart D Gathman <stuart@bmsi.com>
#          2007 Julian Mehnle <julian@mehnle.net>
# All rights reserved.
#
# Redistribution and use in source and binary forms, with or without
# modification, are permitted provided that the following conditions
# are met:
# 1. Redistributions of source code must retain the above copyright notice,
#    this list of conditions and the following disclaimer.
# 2. Redistributions in binary form must reproduce the above copyright
#    notice, this list of conditions and the following disclaimer in the
#    documentation and/or other materials provided with the distribution.
# 3. The names of the authors may not be used to endorse or promote products
#    derived from this software without specific prior written permission.
#
# THIS SOFTWARE IS PROVIDED BY THE AUTHORS ``AS IS'' AND ANY EXPRESS OR
# IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES
# OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED.
# IN NO EVENT SHALL THE AUTHORS BE LIABLE FOR ANY DIRECT, INDIRECT,
# INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT
# NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
# DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY
# THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
# (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF
# THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
#
# scenario TEXT / zone NAME TYPE DATA / test NAME CLIENT HELO SENDER RESULTS
"""


def escape(s):
    out = []
    for ch in s.encode("utf-8"):
        if ch == 0x5C:
            out.append("\\\\")
        elif 0x20 <= ch < 0x7F:
            out.append(chr(ch))
        else:
            out.append("\\x%02x" % ch)
    return "".join(out)


def records(name, rrs):
    has_txt = any(isinstance(r, dict) and "TXT" in r for r in rrs)
    for r in rrs:
        if r == "TIMEOUT":
            yield "TIMEOUT"
            continue
        for t, v in r.items():
            if t == "SPF":
                if has_txt:
                    continue
                t = "TXT"
            if v == "TIMEOUT":
                yield "TIMEOUT " + t
            elif v == "NONE":
                continue
            elif t == "TXT":
                yield "TXT " + escape("".join(v) if isinstance(v, list) else v)
            elif t == "MX":
                yield "MX %d %s" % (v[0], v[1] or ".")
            else:
                yield "%s %s" % (t, v)


def field(v):
    return "-" if v in (None, "") else str(v).replace(" ", "")


def main():
    sys.stdout.write(HEADER)
    for doc in yaml.safe_load_all(open(sys.argv[1])):
        if doc is None:
            continue
        print("scenario " + " ".join(doc["description"].split()))
        for name, rrs in doc.get("zonedata", {}).items():
            for rec in records(name, rrs):
                print("zone %s %s" % (escape(name).replace(" ", "\\x20"), rec))
        for test, t in doc["tests"].items():
            res = t["result"]
            res = ",".join(res) if isinstance(res, list) else res
            print("test %s %s %s %s %s" % (test, t["host"], field(t["helo"]),
                                           field(t["mailfrom"]), res))


if __name__ == "__main__":
    main()
