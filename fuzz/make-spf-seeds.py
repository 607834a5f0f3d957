#!/usr/bin/env python3
"""make-spf-seeds.py -- write the seed corpus of fuzz_spf (fuzz/corpus/spf/)
from the real records (t/data/spf/real.txt), the RFC 7208 test suite
(t/data/spf/rfc7208-tests.txt) and the hostile records found so far
(fuzz/spf-hostile.txt).  One file per seed, named by its SHA-1 as libFuzzer
names the inputs it keeps.  Run from the top of the tree; rerun after the
data changes."""
import hashlib
import os

OUT = "fuzz/corpus/spf"


def seed(text):
    data = text.encode("latin-1")
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    for line in open("t/data/spf/real.txt", encoding="latin-1"):
        if line.startswith("#") or "\t" not in line:
            continue
        domain, record = line.rstrip("\n").split("\t", 1)
        seed("192.0.2.3\npostmaster@%s\nmail.example.net\n%s TXT %s\n"
             "%s A 192.0.2.3\n" % (domain, domain, record, domain))
    zone = []
    for line in open("t/data/spf/rfc7208-tests.txt", encoding="latin-1"):
        words = line.rstrip("\n").split(" ")
        if words[0] == "scenario":
            zone = []
        elif words[0] == "zone":
            zone.append(" ".join(words[1:]))
        elif words[0] == "test":
            _, _, client, helo, sender, _ = words
            seed("%s\n%s\n%s\n%s\n" % (client, "" if sender == "-" else sender,
                                       helo, "\n".join(zone)))
    for line in open("fuzz/spf-hostile.txt", encoding="latin-1"):
        if line.strip() and not line.startswith("#"):
            seed(line.rstrip("\n").replace("\\n", "\n") + "\n")


if __name__ == "__main__":
    main()
