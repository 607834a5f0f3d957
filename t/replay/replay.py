#!/usr/bin/env python3
"""replay.py -- a minute of an ISP's outbound relay traffic, replayed
through the real milter over the milter protocol (t/proto/rawmilter.py),
for t/replay/replay.t.  Python standard library only.

    replay.py plan   --dir DIR [--seed N] [--seconds S]
    replay.py run    --dir DIR --port PORT
    replay.py report --dir DIR --log MILTER.LOG

plan   draws the population (deterministic for a seed) and writes into DIR:
       population.json   the sessions to replay (time, host, HELO,
                         messages: queue id, sender, recipients, body)
       hosts.ROLE        the host keys of each role, one a line (an
                         IPv6 address as its /64); hosts.normal (the
                         normal roles') and hosts.zombie (the rest)
       roles.normal      the normal roles, one a line
       keys.normal       every key a normal customer is counted under:
                         host keys, delegated prefixes, user:LOGIN
       zombies.tsv       ROLE KEY, one a line: the key its quarantine
                         writes (its host, or the login or delegated
                         prefix behind many hosts)
       dns/              rbldnsd data: the DNSBL zone (ip4set) and the
                         SPF records of every sender domain (generic)
       dns/zones         the ZONE:TYPE:FILE arguments for rbldnsd, one a
                         line
       dnsbl.zone        the DNSBL zone's name
run    replays the sessions in time order, in real time (a session starts
       at its time; when the milter is slower it goes on at once), one
       connection per session, and writes DIR/results.jsonl: one line per
       message {qid, role, host, actor, t, stage, reply, text, rcpts, try,
       held} (actor: the login or prefix behind the host, or the host)
       (stage: where the message ended: mail, rcpt, eom; reply: continue,
       accept, reject, tempfail, replycode ...; "error" for a protocol
       failure; held: quarantined at end of message, the client saw 250;
       try: 0 for a planned message, K for a bot's K-th retry of it).
       Bots do not back off: a message of a bot that was refused (anything
       but a 250 at end of message) goes out again 0.4-2 s later in a new
       connection with a new queue id (QID.K), up to its retries and its
       budget of attempts, while its planned messages keep coming.
       Exit status 0 when every message was answered.
report reads the results and the milter's decision lines and prints
       "PASS text" / "FAIL text" check lines and "# text" lines (what each
       zombie got through before it was stopped, the score range of each
       normal group).  The targets, checked for every zombie (a host, or
       the login or prefix behind many): a decision line
       action=quarantine and at most 2 delivered after its first refusal;
       for abuse spread over addresses (stolen, stuffer, rotator) also the
       first refusal within its first 20 messages, retries included (the
       burster, from one address, is refused by the 1m window at 31).

The population (S = --seconds, default 30, the length of the replay):

  customers  300 residential / small-business hosts (one IPv4 /32 each),
             1-5 messages each at random times, each its own sender domain
             (SPF pass for its address: ip4, a, mx or include: of the
             ISP's record), HELO a real FQDN, 1-5 recipients at common
             domains, every body different (a few with attachments)
  office     one NAT address, 12 users under 2 domains, 26 messages in the
             replay (busy, but under the default 30 a minute), SPF pass
  list       one host, HELO lists.DOMAIN, SPF pass: a club's list server,
             230 members in ~80 domains (many at the big providers, a long
             tail), two posts to all of them and one to the board's list
             (18), each split by its MTA into transactions of 50
             recipients (Postfix's default_destination_recipient_limit
             towards a relayhost); 478 recipients, under the 1m window's
             500 (posts of a real list come hours apart); it relays
             through the ISP behind one SASL login
  traveller  one customer's login used from home, the office and a phone
             on the ISP's mobile range, each dual-stack (three /24s, three
             IPv6 /48s: six networks), 12 messages
  smallbiz   a small business: ten staff behind one address, each with a
             login of their own, 24 messages
  household  an IPv6 household: its devices use three /64s of its /56,
             12 messages, SPF ip6: of the /56
The zombies are bots on infected PCs; every one retries what is refused
(see run) and so keeps pushing a few hundred attempts:
  burster    one host, 400 messages in 20 s from t = 0.2 S, 1-3
             recipients each at a spam list's domains, every body varied;
             HELO its reverse DNS name, one sender (a domain without SPF):
             only its rates give it away; 2 retries, 600 attempts at most
  forger     one host, 60 messages spread over the replay, MAIL FROM of
             12 brands whose SPF fails for it, HELO its bare address;
             4 retries, 250 attempts at most
  listed     one PC on the DNSBL (an infection list, 127.0.0.4), HELO
             DESKTOP-XXXXXXX, 30 spam messages from 6 throw-away domains
             without SPF; 4 retries, 150 attempts at most
  campaign   8 PCs sending one identical body, 40 messages each from a
             random start in 0.05-0.35 S to the end, 2-4 recipients each;
             HELO a PC name without a dot (DESKTOP-, WIN-, LAPTOP-,
             NAME-PC) or a bare address (its own, or its LAN address);
             MAIL FROM rotating through 6-9 throw-away domains without
             SPF, half the bots also through 2-3 forged brands (SPF fail);
             4 retries, 200 attempts at most
Abuse spread over many addresses (every bot retries as above, from
the same address):
  stolen     one customer's stolen login used by a botnet from 20 IPv4
             addresses (each its own /24) and 5 IPv6 /64s (each its own
             /48), 2 messages a second in all, each address sending little
  stuffer    credential stuffing: one PC holding 30 stolen logins, a
             message through each in turn (60 in all)
  rotator    an IPv6 zombie taking a new /64 of its /56 for every message,
             3 a second
Zombie traffic is spread among the normal traffic, not after it.
"""

import argparse
import base64
import heapq
import ipaddress
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "proto"))
from rawmilter import Milter, Failure, cstr, parse_decision  # noqa: E402

RELAY = "relay1.zm-isp.net"        # relay_name and the MTA's $j
XBL = "xbl.zm-test.net"            # the DNSBL (ip4set)
CUST = "zm-cust.net"               # customers' domains live under it
SPAM = "zm-spam.net"               # sender domains without any record
FORGED = ["zm-bank%d.com" % i for i in range(1, 7)] + \
         ["zm-pay%d.net" % i for i in range(1, 7)]
ISP_SPF = "_spf." + CUST           # the ISP's record customers include
ISP_RANGE = "198.18.0.0/15"
FORGED_RANGE = "203.0.113.0/24"    # where the forged brands really send

REPLY = {b"c": "continue", b"a": "accept", b"r": "reject", b"t": "tempfail",
         b"d": "discard", b"y": "replycode"}
ROLES_NORMAL = ("customer", "office", "list", "traveller", "smallbiz",
                "household")
ROLES_ZOMBIE = ("burster", "forger", "listed", "campaign", "stolen",
                "stuffer", "rotator")
# abuse spread over many addresses: refused within its first 20 messages
# (a burster from one address is refused by the 1m window, at 31)
ROLES_SPREAD = ("stolen", "stuffer", "rotator")

WORDS = """about above account after again agenda already also answer
appointment april attached before below best birthday book call can
cheers children could dinner documents done draft evening family finally
friday garden good great have hello holiday hope house invoice just know
last later leave let letter like list look lunch many meeting monday
month morning need next note offer order party photos please plan quote
ready receipt regards remember report reply school second see send
should sorry soon still sunday talk thanks that there think this thursday
ticket time today tomorrow trip tuesday update visit wanted wednesday week
weekend well will wish with work would year yesterday""".split()
FIRST = """anna ben carla david emma frank greta hans ines jan karin lars
mia nina otto paul rita sven tina uwe vera walter xenia yusuf zoe alex
bruno chris dana elif felix gina heike ivan julia kai lena marco noah
olga pia quinn rosa sam tom ulla viktor""".split()
LAST = """mueller schmidt schneider fischer weber meyer wagner becker
schulz hoffmann koch richter klein wolf schroeder neumann schwarz zimmermann
braun krueger hofmann hartmann lange schmitt werner krause meier lehmann
schmid schulze maier koehler herrmann koenig walter mayer huber kaiser
fuchs peters lang scholz moeller weiss jung hahn vogel friedrich keller
guenther frank berger winkler roth beck lorenz baumann franke albrecht
schuster simon ludwig boehm winter kraus martin schumacher kraemer vogt
stein jaeger otto sommer gross seidel heinrich brandt haas schreiber
graf schulte dietrich ziegler kuhn kuehn pohl engel horn busch bergmann
thomas voigt sauer arnold wolff pfeiffer""".split()
# where customers write to, with weights
COMMON = [("gmail.com", 25), ("yahoo.com", 8), ("hotmail.com", 7),
          ("outlook.com", 6), ("gmx.de", 7), ("web.de", 7),
          ("t-online.de", 6), ("aol.com", 3), ("icloud.com", 4),
          ("orange.fr", 2), ("free.fr", 2), ("comcast.net", 3),
          ("btinternet.com", 2), ("libero.it", 2), ("arcor.de", 2),
          ("freenet.de", 2), ("posteo.de", 1), ("mailbox.org", 1)]
SPAM_WORDS = """cheap pills offer viagra casino winner prize claim now
limited exclusive deal discount bitcoin investment profit guaranteed
free bonus click unsubscribe urgent account verify password bank
transfer million lottery congratulations selected""".split()


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


class Plan:
    """draws the population; everything from one seeded generator"""

    def __init__(self, seed, seconds):
        self.rng = random.Random(seed)
        self.S = float(seconds)
        self.sessions = []
        self.hosts = {r: [] for r in ROLES_NORMAL + ROLES_ZOMBIE}
        self.generic = []          # lines of the CUST generic zone
        self.listed = []           # DNSBL entries
        self.nq = 0
        # every address used: 198.18.0.0/16, customers and zombies mixed
        pool = ["198.18.%d.%d" % (a, b) for a in range(0, 8)
                for b in range(1, 255)]
        self.rng.shuffle(pool)
        self.pool = pool
        self.company = ["%s-%s.%s" % (self.rng.choice(LAST),
                                      self.rng.choice(["gmbh", "ag", "kg",
                                                       "partner", "group"]),
                                      self.rng.choice(["de", "com", "eu",
                                                       "net", "at", "ch"]))
                        for _ in range(60)]
        self.spam_domains = ["%s%d.%s" % (self.rng.choice(LAST), i,
                                          self.rng.choice(["com", "net", "de",
                                                           "org", "info",
                                                           "biz", "co.uk"]))
                             for i in range(900)]
        self.cust_domains = []
        self.bots = {}             # host -> its retry behaviour (see run)
        self.bot_domains = {}      # bots' sender domains -> "none" / "fail"
        self.list_domains = self.list_members = 0
        self.seed = seed

    # -- helpers -----------------------------------------------------------
    def addr(self):
        return self.pool.pop()

    def qid(self):
        self.nq += 1
        return "R%05d" % self.nq

    def pool_name(self, ip):
        return "dyn-%s.pool.zm-isp.net" % ip.replace(".", "-")

    def person(self):
        return "%s.%s" % (self.rng.choice(FIRST), self.rng.choice(LAST))

    def common_rcpt(self):
        r = self.rng.random()
        if r < 0.75:
            dom = weighted(self.rng, COMMON)
        elif r < 0.88 and self.cust_domains:
            dom = self.rng.choice(self.cust_domains)
        else:
            dom = self.rng.choice(self.company)
        return "%s@%s" % (self.person(), dom)

    def spam_rcpt(self):
        # spam lists: mostly freemail, a long tail of other domains
        if self.rng.random() < 0.3:
            dom = weighted(self.rng, COMMON)
        else:
            dom = self.rng.choice(self.spam_domains)
        return "%s%d@%s" % (self.rng.choice(FIRST), self.rng.randint(1, 999), dom)

    def text(self, lines, unique):
        out = []
        for _ in range(lines):
            n = self.rng.randint(4, 14)
            out.append(" ".join(self.rng.choice(WORDS) for _ in range(n)).capitalize() + ".")
        out.insert(self.rng.randint(0, len(out)), unique)
        return out

    def body(self, greeting, unique, attach=False):
        lines = ["Hi %s," % greeting, ""] + self.text(self.rng.randint(2, 25), unique) + \
                ["", "Best regards", ""]
        body = "\r\n".join(lines).encode()
        if attach:
            size = self.rng.randint(20000, 90000)
            blob = self.rng.getrandbits(8 * size).to_bytes(size, "big")
            b64 = base64.encodebytes(blob).replace(b"\n", b"\r\n")
            body = (b"--b1\r\nContent-Type: text/plain\r\n\r\n" + body +
                    b"\r\n--b1\r\nContent-Type: application/pdf\r\n"
                    b"Content-Transfer-Encoding: base64\r\n\r\n" + b64 + b"--b1--\r\n")
        return body

    def spam_body(self, vary):
        rng = random.Random(0 if not vary else self.rng.random())
        lines = []
        for _ in range(12):
            lines.append(" ".join(rng.choice(SPAM_WORDS) for _ in range(10)))
        lines.append("http://%s/%s" % (rng.choice(self.spam_domains),
                                        "".join(rng.choice("abcdefgh") for _ in range(8))))
        if vary:
            # a "hash buster": random words in every copy
            lines.append(" ".join(rng.choice(WORDS) for _ in range(8)))
        return "\r\n".join(lines).encode() + b"\r\n"

    def headers(self, sender, rcpts, subject):
        return [(b"From", sender.encode()), (b"To", ", ".join(rcpts[:3]).encode()),
                (b"Subject", subject.encode()),
                (b"Date", b"Sun, 29 Nov 2026 10:00:00 +0000"),
                (b"Message-ID", ("<%08x@%s>" % (self.rng.getrandbits(32),
                                                sender.split("@")[-1])).encode()),
                (b"MIME-Version", b"1.0")]

    def msg(self, sender, rcpts, body, subject="Hello"):
        return {"qid": self.qid(), "from": sender, "rcpts": rcpts,
                "headers": [[a.decode(), b.decode()] for a, b in
                            self.headers(sender, rcpts, subject)],
                "body": base64.b64encode(body).decode()}

    def session(self, t, role, host, helo, msgs, login=None, actor=None):
        """login: the SASL login ({auth_authen}) of the session's
        messages; actor: who is behind it, when not the host (a login
        used from many hosts, a prefix sending from many /64s)"""
        s = {"t": round(t, 3), "role": role, "host": host, "helo": helo,
             "msgs": msgs, "actor": actor or host}
        if login:
            s["login"] = login
        self.sessions.append(s)

    def spf_domain(self, name, ip):
        """a customer domain NAME.CUST whose SPF passes for ip, in one of
        the ways customers publish it"""
        dom = "%s.%s" % (name, CUST)
        kind = self.rng.random()
        if kind < 0.4:
            self.generic.append('%s TXT "v=spf1 ip4:%s -all"' % (name, ip))
        elif kind < 0.6:
            self.generic.append('%s TXT "v=spf1 a -all"' % name)
            self.generic.append("%s A %s" % (name, ip))
        elif kind < 0.8:
            self.generic.append('%s TXT "v=spf1 mx -all"' % name)
            self.generic.append("%s MX 10 mail.%s" % (name, dom))
            self.generic.append("mail.%s A %s" % (name, ip))
        else:
            self.generic.append('%s TXT "v=spf1 include:%s ~all"' % (name, ISP_SPF))
        self.cust_domains.append(dom)
        return dom

    # -- the population ------------------------------------------------------
    def customers(self, n=300):
        used = set()
        for i in range(n):
            ip = self.addr()
            self.hosts["customer"].append(ip)
            while True:
                name = "%s%d" % (self.rng.choice(LAST), self.rng.randint(1, 99))
                if name not in used:
                    used.add(name)
                    break
            dom = self.spf_domain(name, ip)
            helo = self.rng.choice(["mail.", "pc.", "home.", "smtp.", ""]) + dom
            nmsg = weighted(self.rng, [(1, 35), (2, 30), (3, 20), (4, 10), (5, 5)])
            users = [self.rng.choice(FIRST) for _ in range(self.rng.randint(1, 3))]
            times = sorted(self.rng.uniform(0, self.S) for _ in range(nmsg))
            k = 0
            while k < nmsg:
                # now and then two queued messages go in one session
                batch = 2 if k + 1 < nmsg and self.rng.random() < 0.2 else 1
                msgs = []
                for _ in range(batch):
                    sender = "%s@%s" % (self.rng.choice(users), dom)
                    nr = weighted(self.rng, [(1, 60), (2, 25), (3, 10), (4, 3), (5, 2)])
                    rcpts = [self.common_rcpt() for _ in range(nr)]
                    body = self.body(rcpts[0].split(".")[0].capitalize(),
                                     "Ref %s-%d-%d" % (name, i, k),
                                     attach=self.rng.random() < 0.05)
                    msgs.append(self.msg(sender, rcpts, body, self.rng.choice(WORDS).capitalize()))
                    k += 1
                self.session(times[k - batch], "customer", ip, helo, msgs)

    def office(self, nmsg=26):
        ip = self.addr()
        self.hosts["office"].append(ip)
        doms = [self.spf_domain("kanzlei-%s" % self.rng.choice(LAST), ip),
                self.spf_domain("%s-immobilien" % self.rng.choice(LAST), ip)]
        users = ["%s@%s" % (self.person(), doms[0]) for _ in range(8)] + \
                ["%s@%s" % (self.person(), doms[1]) for _ in range(4)]
        clients = [self.rng.choice(self.company) for _ in range(15)]
        times = sorted(self.rng.uniform(0, self.S) for _ in range(nmsg))
        big = self.rng.randrange(nmsg)
        for k, t in enumerate(times):
            sender = self.rng.choice(users)
            if k == big:
                # a circular to twelve clients
                rcpts = ["%s@%s" % (self.person(), d) for d in
                         self.rng.sample(clients, 8)] + \
                        [self.common_rcpt() for _ in range(4)]
            else:
                nr = weighted(self.rng, [(1, 55), (2, 25), (3, 12), (4, 8)])
                rcpts = ["%s@%s" % (self.person(), self.rng.choice(clients))
                         if self.rng.random() < 0.6 else self.common_rcpt()
                         for _ in range(nr)]
            body = self.body("all", "Office ref %d" % k, attach=self.rng.random() < 0.15)
            self.session(t, "office", ip, "gw." + doms[0],
                         [self.msg(sender, rcpts, body, "Re: %s" % self.rng.choice(WORDS))])

    def mailing_list(self, members=230, board=18, chunk=50):
        """a club's list server: the members' list (two posts in the
        replay) and the board's list (one), from one address"""
        ip = self.addr()
        self.hosts["list"].append(ip)
        dom = self.spf_domain("verein-%s" % self.rng.choice(LAST), ip)
        # a club's list: many at the big providers, a long tail of others
        # (members' own domains, their employers')
        subs = []
        tail = ["%s%d.%s" % (self.rng.choice(LAST), self.rng.randint(1, 9),
                             self.rng.choice(["de", "com", "net", "org", "eu"]))
                for _ in range(90)]
        while len(subs) < members:
            if self.rng.random() < 0.55:
                d = weighted(self.rng, COMMON)
            else:
                d = self.rng.choice(tail)
            a = "%s@%s" % (self.person(), d)
            if a not in subs:
                subs.append(a)
        boardl = self.rng.sample(subs, board)
        self.list_domains = len({s.split("@")[1] for s in subs})
        self.list_members = members
        # posts of a list come hours apart, not seconds: three in the
        # replay stay under the 1m window's 500 recipients (2 x 230 + 18)
        posts = [(0.15 * self.S, "club", subs), (0.5 * self.S, "board", boardl),
                 (0.8 * self.S, "club", subs)]
        for post, (t, name, rcpts) in enumerate(posts):
            body = self.body("members" if name == "club" else "all",
                             "Newsletter %d of the %s" % (post, name))
            # its MTA splits the recipients into transactions of 50
            # (Postfix's default_destination_recipient_limit)
            msgs = [self.msg("%s-bounces@%s" % (name, dom), rcpts[i:i + chunk], body,
                             "[%s] Newsletter %d" % (name, post))
                    for i in range(0, len(rcpts), chunk)]
            # it relays through the ISP behind one SASL login
            self.session(t, "list", ip, "lists." + dom, msgs, login="lists@" + dom)

    def traveller(self, nmsg=12):
        """one customer's login used from home, the office and a phone on
        the ISP's mobile network within the hour, each place dual-stack:
        three IPv4 /24s and three IPv6 /48s, six networks"""
        name = "%s%d" % (self.rng.choice(LAST), self.rng.randint(100, 199))
        # three /24s: the pool's, and the ISP's mobile range
        home = self.addr()
        office = next(a for a in self.pool if a.rsplit(".", 1)[0] != home.rsplit(".", 1)[0])
        self.pool.remove(office)
        phone = "198.19.200.%d" % self.rng.randint(2, 250)
        v6 = ["2001:db8:700%d:%x::%x" % (n, self.rng.randint(1, 0xffff),
                                         self.rng.randint(2, 0xffff)) for n in (1, 2, 3)]
        dom = "%s.%s" % (name, CUST)
        self.generic.append('%s TXT "v=spf1 include:%s ip6:2001:db8:7000::/36 -all"'
                            % (name, ISP_SPF))
        self.cust_domains.append(dom)
        login = "%s@%s" % (self.rng.choice(FIRST), dom)
        places = [(home, "home." + dom), (office, "ws12.office." + dom),
                  (phone, "localhost.localdomain"), (v6[0], "home." + dom),
                  (v6[1], "ws12.office." + dom), (v6[2], "localhost.localdomain")]
        for ip, _ in places:
            self.hosts["traveller"].append(ip)
        for k, t in enumerate(sorted(self.rng.uniform(0, self.S) for _ in range(nmsg))):
            ip, helo = places[k % len(places)]
            rcpts = [self.common_rcpt() for _ in range(self.rng.randint(1, 2))]
            body = self.body("there", "Travel note %d" % k)
            self.session(t, "traveller", ip, helo,
                         [self.msg(login, rcpts, body, "On the road")],
                         login=login, actor="user:" + login)

    def smallbiz(self, staff=10, nmsg=24):
        """a small business: ten staff behind one address, each with a
        login of their own"""
        ip = self.addr()
        self.hosts["smallbiz"].append(ip)
        dom = self.spf_domain("%s-handwerk" % self.rng.choice(LAST), ip)
        people = ["%s@%s" % (self.person(), dom) for _ in range(staff)]
        for k, t in enumerate(sorted(self.rng.uniform(0, self.S) for _ in range(nmsg))):
            who = people[k % staff]
            rcpts = [self.common_rcpt() for _ in range(self.rng.randint(1, 3))]
            body = self.body("all", "Quote %d" % k)
            self.session(t, "smallbiz", ip, "mail." + dom,
                         [self.msg(who, rcpts, body, "Quote")], login=who)

    def household(self, nmsg=12):
        """an IPv6 household: the phones, the laptop and the PC use three
        /64s of its /56"""
        prefix = "2001:db8:cafe:100"
        name = "fam-%s%d" % (self.rng.choice(LAST), self.rng.randint(1, 99))
        dom = "%s.%s" % (name, CUST)
        self.generic.append('%s TXT "v=spf1 ip6:%s::/56 -all"' % (name, prefix))
        self.cust_domains.append(dom)
        hosts = ["2001:db8:cafe:1%02x::%x" % (n, self.rng.randint(2, 0xffff))
                 for n in (1, 2, 0x10)]
        self.hosts["household"] += hosts
        users = ["%s@%s" % (self.rng.choice(FIRST), dom) for _ in range(3)]
        for k, t in enumerate(sorted(self.rng.uniform(0, self.S) for _ in range(nmsg))):
            rcpts = [self.common_rcpt() for _ in range(self.rng.randint(1, 2))]
            body = self.body("you", "Family news %d" % k)
            self.session(t, "household", hosts[k % 3], "home." + dom,
                         [self.msg(users[k % 3], rcpts, body, "Hello")],
                         actor=prefix + "::/56")

    # -- the zombies: bots on infected PCs --------------------------------
    def rand_label(self, n):
        cons, vows = "bcdfghklmnprstvxz", "aeiou"
        return "".join(self.rng.choice(cons) + self.rng.choice(vows) for _ in range(n))

    def bot_domain(self, spf):
        """a throw-away sender domain a bot puts in MAIL FROM: no SPF
        record at all (spf "none"), or one that publishes "-all" for other
        addresses (spf "fail": the bot forges it)"""
        while True:
            d = "%s%s.%s" % (self.rand_label(self.rng.randint(2, 4)),
                             self.rng.choice(["", "-mail", "-shop", "24", "-online",
                                              "%d" % self.rng.randint(1, 99)]),
                             self.rng.choice(["com", "net", "info", "biz", "top",
                                              "xyz", "ru", "org"]))
            if d not in self.bot_domains:
                self.bot_domains[d] = spf
                return d

    def pc_helo(self, ip, kind):
        """what the SMTP engine of a bot on a home PC says in HELO"""
        alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
        rnd = lambda n: "".join(self.rng.choice(alnum) for _ in range(n))  # noqa: E731
        if kind == "desktop":
            return "DESKTOP-" + rnd(7)          # Windows 10/11 default name
        if kind == "laptop":
            return "LAPTOP-" + rnd(8)
        if kind == "win":
            return "WIN-" + rnd(11)             # Windows 7 / Server default
        if kind == "name":
            return self.rng.choice(FIRST).upper() + "-PC"
        if kind == "lan":                       # its address behind the router
            return "192.168.%d.%d" % (self.rng.choice([0, 1, 2, 178]),
                                      self.rng.randint(2, 250))
        return ip                               # "ip": its public address

    def bot(self, role, ip, helo, times, make_msg, retries, budget, batch=(1, 3)):
        """a bot's fresh messages at the given times, in sessions of a few;
        it retries a refused message (up to retries times, at most budget
        attempts in all: see run)"""
        self.bots[ip] = {"retries": retries, "budget": budget,
                         "delay": [0.4, 2.0]}
        k = 0
        while k < len(times):
            b = min(len(times) - k, self.rng.randint(*batch))
            self.session(times[k], role, ip, helo(), [make_msg() for _ in range(b)])
            k += b

    def spread(self, n, a, b):
        return sorted(self.rng.uniform(a * self.S, b * self.S) for _ in range(n))

    def burster(self, n=400, span=20.0):
        """a bot that says its reverse DNS name in HELO and sends from one
        domain without SPF: only the rates give it away"""
        ip = self.addr()
        self.hosts["burster"].append(ip)
        start = 0.2 * self.S
        span = min(span, self.S - start)
        sender = "info@promo-%d.%s" % (self.rng.randint(1, 99), SPAM)
        times = [start + span * k / n for k in range(n)]

        def msg():
            rcpts = [self.spam_rcpt() for _ in range(self.rng.randint(1, 3))]
            return self.msg(sender, rcpts, self.spam_body(True), "Offer")
        self.bot("burster", ip, lambda: self.pool_name(ip), times, msg,
                 retries=2, budget=600, batch=(1, 8))

    def forger(self, n=60):
        """phishing: MAIL FROM at brands whose SPF fails for it, HELO its
        bare address"""
        ip = self.addr()
        self.hosts["forger"].append(ip)

        def msg():
            sender = "%s@%s" % (self.rng.choice(["service", "security", "noreply",
                                                 "billing", "support"]),
                                self.rng.choice(FORGED))
            rcpts = [self.spam_rcpt() for _ in range(self.rng.randint(1, 3))]
            return self.msg(sender, rcpts, self.spam_body(True), "Your account")
        self.bot("forger", ip, lambda: ip, self.spread(n, 0.05, 0.95), msg,
                 retries=4, budget=250)

    def listed_host(self, n=30):
        """an infected PC on the DNSBL (an infection list): PC-name HELO,
        spam from rotating domains without SPF"""
        ip = self.addr()
        self.hosts["listed"].append(ip)
        self.listed.append(ip)
        helo = self.pc_helo(ip, "desktop")
        doms = [self.bot_domain("none") for _ in range(6)]

        def msg():
            rcpts = [self.spam_rcpt() for _ in range(self.rng.randint(1, 4))]
            return self.msg("%s%d@%s" % (self.rng.choice(FIRST), self.rng.randint(1, 99),
                                         self.rng.choice(doms)),
                            rcpts, self.spam_body(True), "Re: your order")
        self.bot("listed", ip, lambda: helo, self.spread(n, 0.0, 0.95), msg,
                 retries=4, budget=150)

    def campaign(self, hosts=8, n=40):
        """one spam run from a botnet: the same body from several infected
        PCs; each bot HELOs with its PC name or an address, and rotates
        MAIL FROM through a handful of throw-away domains (no SPF; half
        the bots also forge a few brands whose SPF fails for them)"""
        body = self.spam_body(False)
        kinds = ["desktop", "ip", "win", "lan", "name", "desktop", "laptop", "ip"]
        for h in range(hosts):
            ip = self.addr()
            self.hosts["campaign"].append(ip)
            helo = self.pc_helo(ip, kinds[h % len(kinds)])
            doms = [self.bot_domain("none") for _ in range(self.rng.randint(6, 9))]
            if h >= hosts // 2:
                doms += self.rng.sample(FORGED, self.rng.randint(2, 3))
            start = self.rng.uniform(0.05, 0.35)

            def msg(doms=doms):
                rcpts = [self.spam_rcpt() for _ in range(self.rng.randint(2, 4))]
                sender = "%s@%s" % (self.rng.choice(["news", "info", "offers", "mail",
                                                     "promo"]) +
                                    str(self.rng.randint(1, 999)), self.rng.choice(doms))
                return self.msg(sender, rcpts, body, "Exclusive offer")
            self.bot("campaign", ip, lambda helo=helo: helo,
                     self.spread(n, start, 0.95), msg, retries=4, budget=200)

    def stolen(self, v4=20, v6=5, rate=2.0):
        """one customer's stolen SASL login used by a botnet from 20 IPv4
        addresses (each in its own /24) and 5 IPv6 /64s (each in its own
        /48), rate messages a second in all, every address sending
        little; spam from throw-away domains without SPF"""
        login = "%s%d@%s" % (self.rng.choice(FIRST), self.rng.randint(1, 99), CUST)
        bots = ["198.19.%d.%d" % (n, self.rng.randint(2, 250)) for n in
                self.rng.sample(range(1, 199), v4)]
        bots += ["2001:db8:a%03x:%x::%x" % (n, self.rng.randint(1, 0xffff),
                                            self.rng.randint(2, 0xffff))
                 for n in self.rng.sample(range(1, 4000), v6)]
        self.hosts["stolen"] += bots
        doms = [self.bot_domain("none") for _ in range(4)]
        n = int(rate * 0.9 * self.S)
        times = [0.05 * self.S + 0.9 * self.S * k / n for k in range(n)]
        for k, t in enumerate(times):
            ip = bots[self.rng.randrange(len(bots))]
            self.bots[ip] = {"retries": 2, "budget": 8, "delay": [0.4, 2.0]}
            rcpts = [self.spam_rcpt() for _ in range(self.rng.randint(1, 3))]
            self.session(t, "stolen", ip, self.pc_helo(ip, "desktop"),
                         [self.msg("%s@%s" % (self.rng.choice(["info", "sales", "news"]),
                                              self.rng.choice(doms)),
                                   rcpts, self.spam_body(True), "Offer")],
                         login=login, actor="user:" + login)

    def stuffer(self, logins=30):
        """credential stuffing: one infected PC holding 30 stolen logins
        of customers, a message through each in turn"""
        ip = self.addr()
        self.hosts["stuffer"].append(ip)
        users = ["%s%d@%s" % (self.rng.choice(FIRST), self.rng.randint(1, 999),
                              self.rng.choice(self.cust_domains)) for _ in range(logins)]
        doms = [self.bot_domain("none") for _ in range(3)]
        helo = self.pc_helo(ip, "laptop")
        self.bots[ip] = {"retries": 3, "budget": 120, "delay": [0.4, 2.0]}
        for k, t in enumerate(self.spread(2 * logins, 0.05, 0.9)):
            rcpts = [self.spam_rcpt() for _ in range(self.rng.randint(1, 3))]
            self.session(t, "stuffer", ip, helo,
                         [self.msg("%s@%s" % (self.rng.choice(FIRST), self.rng.choice(doms)),
                                   rcpts, self.spam_body(True), "Invoice")],
                         login=users[k % logins])

    def rotator(self, rate=3.0):
        """an IPv6 zombie taking a new /64 of its customer's /56 for every
        message"""
        prefix = "2001:db8:77:aa"
        doms = [self.bot_domain("none") for _ in range(5)]
        helo = self.pc_helo("", "desktop")
        n = int(rate * 0.9 * self.S)
        for k in range(n):
            ip = "%s%02x::%x" % (prefix, k % 256, self.rng.randint(2, 0xffff))
            self.hosts["rotator"].append(ip)
            self.bots[ip] = {"retries": 2, "budget": 3, "delay": [0.4, 2.0]}
            rcpts = [self.spam_rcpt() for _ in range(self.rng.randint(1, 3))]
            self.session(0.05 * self.S + 0.9 * self.S * k / n, "rotator", ip, helo,
                         [self.msg("%s@%s" % (self.rng.choice(FIRST), self.rng.choice(doms)),
                                   rcpts, self.spam_body(True), "Deal")],
                         actor=prefix + "00::/56")

    def build(self):
        # the ISP's own record (customers include it)
        self.generic.append('_spf TXT "v=spf1 ip4:%s -all"' % ISP_RANGE)
        self.customers()
        self.office()
        self.mailing_list()
        self.listed_host()
        self.burster()
        self.forger()
        self.campaign()
        self.traveller()
        self.smallbiz()
        self.household()
        self.stolen()
        self.stuffer()
        self.rotator()
        self.sessions.sort(key=lambda s: s["t"])

    def write(self, d):
        os.makedirs(os.path.join(d, "dns"), exist_ok=True)
        with open(os.path.join(d, "population.json"), "w") as f:
            json.dump({"seconds": self.S, "seed": self.seed, "sessions": self.sessions,
                       "bots": self.bots, "list_domains": self.list_domains,
                       "list_members": self.list_members}, f)
        for role, hosts in self.hosts.items():
            wr(os.path.join(d, "hosts." + role), uniq(hostkey(h) for h in hosts))
        wr(os.path.join(d, "hosts.normal"),
           uniq(hostkey(h) for r in ROLES_NORMAL for h in self.hosts[r]))
        wr(os.path.join(d, "hosts.zombie"),
           uniq(hostkey(h) for r in ROLES_ZOMBIE for h in self.hosts[r]))
        wr(os.path.join(d, "roles.normal"), ROLES_NORMAL)
        # every key a normal customer is counted under: host keys, the
        # delegated prefix, the logins
        normal = [se for se in self.sessions if se["role"] in ROLES_NORMAL]
        wr(os.path.join(d, "keys.normal"), uniq(
            [hostkey(h) for r in ROLES_NORMAL for h in self.hosts[r]] +
            [hostkey(se["actor"]) for se in normal] +
            ["user:" + se["login"] for se in normal if se.get("login")]))
        # the keys quarantining a zombie must write: its host, or the login
        # or delegated prefix behind many hosts
        wr(os.path.join(d, "zombies.tsv"),
           uniq("%s %s" % (se["role"], hostkey(se["actor"])) for se in self.sessions
                if se["role"] in ROLES_ZOMBIE))
        dns = os.path.join(d, "dns")
        wr(os.path.join(dns, "xbl"), [":127.0.0.4:Listed: infected host $"] + self.listed +
           ["127.0.0.2 :127.0.0.2:RFC 5782 test point"])
        wr(os.path.join(dns, "cust"), self.generic)
        wr(os.path.join(dns, "forged"), ['@ TXT "v=spf1 ip4:%s -all"' % FORGED_RANGE])
        wr(os.path.join(dns, "empty"), ["# no records: SPF none"])
        for f in os.listdir(dns):
            os.chmod(os.path.join(dns, f), 0o644)
        zones = ["%s:ip4set:xbl" % XBL, "%s:generic:cust" % CUST, "%s:generic:empty" % SPAM]
        zones += ["%s:generic:forged" % z for z in FORGED]
        zones += ["%s:generic:%s" % (z, "empty" if v == "none" else "forged")
                  for z, v in sorted(self.bot_domains.items())]
        wr(os.path.join(dns, "zones"), zones)
        wr(os.path.join(d, "dnsbl.zone"), [XBL])


def uniq(items):
    """items in their first order, each once"""
    seen = set()
    return [i for i in items if not (i in seen or seen.add(i))]


def hostkey(who):
    """the milter's key of a host (an IPv6 address: its /64), or who
    itself (a user: key, a prefix)"""
    if ":" in who and "/" not in who and not who.startswith("user:"):
        return str(ipaddress.ip_network(who + "/64", strict=False))
    return who


def wr(path, lines):
    with open(path, "w") as f:
        for line in lines:
            f.write(line + "\n")


# -- run ---------------------------------------------------------------------

def family(addr):
    return b"6" if ":" in addr else b"4"


def run_session(port, s, t_rel):
    """one SMTP session: connect, HELO, its messages; a line per message"""
    recs = []

    def rec(m, stage, cmd, data, held=False):
        r = {"qid": m["qid"], "role": s["role"], "host": s["host"],
             "actor": s.get("actor", s["host"]), "t": t_rel,
             "stage": stage, "reply": REPLY.get(cmd, repr(cmd)) if cmd else "none",
             "text": cstr(data) if cmd == b"y" else None, "rcpts": len(m["rcpts"]),
             "try": m.get("try", 0), "held": held}
        recs.append(r)
    try:
        mt = Milter(port, "%s %s" % (s["role"], s["host"]), timeout=15)
        mt.negotiate()
        host = s["host"].encode()
        # the client's name as the MTA found it in reverse DNS
        rdns = "dyn-%s.pool.zm-isp.net" % s["host"].replace(".", "-")
        cmd, data = mt.connect(rdns, family(s["host"]), 50000, host,
                               macros=[(b"j", RELAY.encode()),
                                       (b"{daemon_name}", b"smtpd"),
                                       (b"{client_addr}", host),
                                       (b"{client_name}", b"unknown")])
        if cmd is not None and cmd != b"c":
            for m in s["msgs"]:
                rec(m, "connect", cmd, data)
            mt.quit()
            return recs
        cmd, data = mt.helo(s["helo"].encode())
        if cmd is not None and cmd != b"c":
            for m in s["msgs"]:
                rec(m, "helo", cmd, data)
            mt.quit()
            return recs
        for m in s["msgs"]:
            qid = m["qid"].encode()
            sender = m["from"].encode()
            mac = [(b"i", qid), (b"{mail_addr}", sender), (b"{mail_mailer}", b"smtp")]
            if s.get("login"):
                mac.append((b"{auth_authen}", s["login"].encode()))
            cmd, data = mt.mail(b"<" + sender + b">", b"BODY=8BITMIME", macros=mac)
            if cmd is not None and cmd != b"c":
                rec(m, "mail", cmd, data)
                continue
            stopped = False
            for r in m["rcpts"]:
                cmd, data = mt.rcpt(("<%s>" % r).encode(),
                                    macros=[(b"{rcpt_mailer}", b"smtp"),
                                            (b"{rcpt_host}", RELAY.encode()),
                                            (b"{rcpt_addr}", r.encode())])
                if cmd is not None and cmd != b"c":
                    rec(m, "rcpt", cmd, data)
                    mt.abort()
                    stopped = True
                    break
            if stopped:
                continue
            (cmd, data), packets = mt.eom(
                body=base64.b64decode(m["body"]),
                headers=[(a.encode(), b.encode()) for a, b in m["headers"]],
                macros=[(b"i", qid)])
            # a quarantined message is accepted (the client sees 250) and
            # held in the MTA's hold queue
            rec(m, "eom", cmd, data, held=any(c == b"q" for c, _ in packets))
        mt.quit()
    except (Failure, OSError) as e:
        done = {r["qid"] for r in recs}
        for m in s["msgs"]:
            if m["qid"] not in done:
                recs.append({"qid": m["qid"], "role": s["role"], "host": s["host"],
                             "actor": s.get("actor", s["host"]), "t": t_rel, "stage": None, "reply": "error",
                             "text": str(e), "rcpts": len(m["rcpts"]),
                             "try": m.get("try", 0), "held": False})
    return recs


def refused_by_client_view(r):
    """what the bot sees: anything but a 250 at end of message is a
    refusal it retries (a quarantined message got its 250)"""
    return not (r["stage"] == "eom" and r["reply"] in ("continue", "accept", "discard"))


def run(args):
    with open(os.path.join(args.dir, "population.json")) as f:
        pop = json.load(f)
    S = pop["seconds"]
    bots = pop.get("bots", {})
    rng = random.Random(pop.get("seed", 0) * 7919 + 1)
    out = open(os.path.join(args.dir, "results.jsonl"), "w")
    # sessions in time order; a bot's retries join in as they come up
    queue = [(s["t"], i, s) for i, s in enumerate(pop["sessions"])]
    heapq.heapify(queue)
    seq = len(queue)
    attempts = {}           # bot host -> messages tried so far (and queued)
    for s in pop["sessions"]:
        if s["host"] in bots:
            attempts[s["host"]] = attempts.get(s["host"], 0) + len(s["msgs"])
    t0 = time.monotonic()
    errors = retries = n = 0
    lag_max = 0.0
    while queue:
        t, _, s = heapq.heappop(queue)
        now = time.monotonic() - t0
        if t > now:
            time.sleep(t - now)
        else:
            lag_max = max(lag_max, now - t)
        recs = run_session(args.port, s, round(time.monotonic() - t0, 3))
        again = []
        for r in recs:
            n += 1
            if r["reply"] == "error":
                errors += 1
            out.write(json.dumps(r) + "\n")
        out.flush()
        # a bot does not back off: what was refused goes out again soon,
        # with a new queue id, until its retries or its budget run out
        b = bots.get(s["host"])
        if b is not None:
            byqid = {m["qid"]: m for m in s["msgs"]}
            for r in recs:
                m = byqid.get(r["qid"])
                if (m is None or r["reply"] == "error" or not refused_by_client_view(r) or
                        m.get("try", 0) >= b["retries"] or
                        attempts[s["host"]] >= b["budget"]):
                    continue
                attempts[s["host"]] += 1
                k = m.get("try", 0) + 1
                again.append(dict(m, qid="%s.%d" % (m["qid"].split(".")[0], k), **{"try": k}))
            if again:
                when = time.monotonic() - t0 + rng.uniform(*b["delay"])
                if when < S:
                    seq += 1
                    retries += len(again)
                    heapq.heappush(queue, (when, seq, dict(s, t=round(when, 3), msgs=again)))
                else:
                    attempts[s["host"]] -= len(again)
        if errors >= 20:
            sys.stderr.write("replay: 20 messages unanswered, giving up\n")
            break
    out.close()
    el = time.monotonic() - t0
    with open(os.path.join(args.dir, "run.json"), "w") as f:
        json.dump({"messages": n, "retries": retries, "errors": errors,
                   "elapsed": round(el, 2), "lag_max": round(lag_max, 2)}, f)
    print("replay: %d messages (%d of them bots' retries) in %.1f s (planned %.0f s, "
          "max lag %.2f s), %d unanswered" % (n, retries, el, S, lag_max, errors))
    return 0 if errors == 0 else 1


# -- report ------------------------------------------------------------------

def decisions(log):
    out = {}
    with open(log, "rb") as f:
        for raw in f:
            got = parse_decision(raw.decode("latin-1").rstrip("\n"))
            if not got:
                continue
            qid, d = got
            try:
                d["score"] = int(d.get("score", "0"))
            except ValueError:
                d["score"] = 0
            out.setdefault(qid, []).append(d)
    return out


def verdict(r, ds):
    """the verdict of one message: the decision's action, or what the
    client saw when the milter logged nothing"""
    if ds:
        return ds[-1].get("action", "?")
    return "nolog:%s/%s" % (r["stage"], r["reply"])


def accepted(r):
    """delivered: accepted at end of message and not held (quarantined)"""
    return r["stage"] == "eom" and r["reply"] in ("continue", "accept") and \
        not r.get("held")


def report(args):
    res = [json.loads(line) for line in open(os.path.join(args.dir, "results.jsonl"))]
    with open(os.path.join(args.dir, "population.json")) as f:
        pop = json.load(f)
    planned = sum(len(s["msgs"]) for s in pop["sessions"])
    dec = decisions(args.log)
    try:
        with open(os.path.join(args.dir, "run.json")) as f:
            runinfo = json.load(f)
    except OSError:
        runinfo = {}
    checks = []

    def check(cond, text):
        checks.append(("PASS " if cond else "FAIL ") + text)

    errs = [r for r in res if r["reply"] == "error"]
    retried = runinfo.get("retries", 0)
    fresh = sum(1 for r in res if not r.get("try"))
    check(fresh == planned and len(res) == planned + retried and not errs,
          "every one of the %d planned messages and the bots' %d retries was answered "
          "(%d results, %d errors%s)" % (planned, retried, len(res), len(errs),
                                         (": " + errs[0]["text"]) if errs else ""))
    nolog = [r for r in res if r["reply"] != "error" and not dec.get(r["qid"]) and
             (r["stage"] == "eom" or r["reply"] not in ("continue", "none"))]
    check(not nolog, "every message decided at end of message or refused has its "
          "decision line (%d without)%s" % (len(nolog), (": " + nolog[0]["qid"]) if nolog else ""))
    fb = sum(1 for ds in dec.values() for d in ds if "fallback" in d)
    check(fb == 0, "no decision fell back to the local store (%d did): Redis answered" % fb)

    print("# replay: %d messages (%d planned in %d sessions, %d bots' retries) over "
          "%.0f s planned, %.1f s taken (max lag %.2f s)"
          % (len(res), planned, len(pop["sessions"]), retried, pop["seconds"],
             runinfo.get("elapsed", 0), runinfo.get("lag_max", 0)))

    byactor = {}
    for r in res:
        byactor.setdefault((r["role"], hostkey(r.get("actor", r["host"]))), []).append(r)

    def best(rs):
        top = None
        for r in rs:
            for d in dec.get(r["qid"], []):
                if top is None or d["score"] > top[1]["score"]:
                    top = (r, d)
        return top

    def tally(rs):
        c = {}
        for r in rs:
            v = verdict(r, dec.get(r["qid"]))
            if r["stage"] == "mail" and dec.get(r["qid"]):
                v += "@mail"
            c[v] = c.get(v, 0) + 1
        return " ".join("%s=%d" % kv for kv in sorted(c.items()))

    # the normal groups: how close they came
    for role in ROLES_NORMAL:
        rs = [r for (ro, _), v in byactor.items() if ro == role for r in v]
        top = best(rs)
        nhosts = len({r["host"] for r in rs})
        extra = ""
        if role == "list":
            extra = ", %d members in %d domains" % (pop.get("list_members", 0),
                                                    pop.get("list_domains", 0))
        if top:
            print("# normal %s (%d hosts, %d messages%s): %s; max score %d at %s %s: %s"
                  % (role, nhosts, len(rs), extra, tally(rs), top[1]["score"],
                     top[0]["host"], top[0]["qid"], top[1].get("reasons", "-")))
        else:
            print("# normal %s: no decisions" % role)
    # the zombies: what they got through before they were stopped
    helos = {}
    for se in pop["sessions"]:
        helos.setdefault(se["host"], se["helo"])
    expected = {(se["role"], hostkey(se["actor"])) for se in pop["sessions"]
                if se["role"] in ROLES_ZOMBIE}
    for role, actor in sorted(expected - set(byactor)):
        check(False, "zombie %s %s: its messages were replayed" % (role, actor))
    for role in ROLES_ZOMBIE:
        for (ro, actor), rs in byactor.items():
            if ro != role:
                continue
            rs = sorted(rs, key=lambda r: r["t"])
            acc_first = 0       # delivered before the first refusal
            first_ref = quar = None
            for i, r in enumerate(rs, 1):
                ds = dec.get(r["qid"], [])
                act = ds[-1].get("action") if ds else None
                if first_ref is None:
                    if accepted(r):
                        acc_first += 1
                    else:
                        first_ref = (i, r, ds[-1] if ds else None)
                if quar is None and act == "quarantine":
                    quar = (i, r, ds[-1])
            top = best(rs)
            tot_acc = sum(1 for r in rs if accepted(r))
            tries = sum(1 for r in rs if r.get("try"))
            # the targets: quarantined with at most 2 delivered after the
            # first refusal; abuse spread over addresses refused within 20
            # messages
            check(quar is not None, "zombie %s %s: a decision line action=quarantine"
                  % (role, actor))
            if role in ROLES_SPREAD:
                check(first_ref is not None and first_ref[0] <= 20,
                      "zombie %s %s: first refused within 20 messages (at %s)"
                      % (role, actor, first_ref[0] if first_ref else "none"))
            late = tot_acc - acc_first
            check(late <= 2, "zombie %s %s: at most 2 delivered after its first refusal (%d)"
                  % (role, actor, late))
            if quar:
                after = rs[quar[0]:]
                head = ("quarantined at attempt %d of %d (t=%.1f s) after %d delivered "
                        "(%d before its first refusal); after it %d attempts, %d delivered"
                        % (quar[0], len(rs), quar[1]["t"], tot_acc - sum(
                            1 for r in after if accepted(r)), acc_first, len(after),
                           sum(1 for r in after if accepted(r))))
            else:
                head = "NOT quarantined: %d of %d attempts delivered" % (tot_acc, len(rs))
            fr = ""
            if first_ref:
                i, r, d = first_ref
                fr = "; first refusal attempt %d: %s score %s (%s)" % (
                    i, d.get("action") if d else r["reply"],
                    d["score"] if d else "?", d.get("reasons") if d else r["stage"])
            q = ""
            if quar:
                q = "; quarantine at score %d (%s)" % (quar[2]["score"],
                                                       quar[2].get("reasons", "-"))
            nh = len({r["host"] for r in rs})
            print("# zombie %s %s (%d host%s) HELO %s: %s%s%s; %d retries; verdicts %s; "
                  "max score %d (%s)"
                  % (role, actor, nh, "" if nh == 1 else "s", helos.get(rs[0]["host"], "?"),
                     head, fr, q, tries, tally(rs),
                     top[1]["score"] if top else -1,
                     top[1].get("reasons", "-") if top else "-"))
    for c in checks:
        print(c)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("plan", "run", "report"))
    ap.add_argument("--dir", required=True)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--port")
    ap.add_argument("--log")
    args = ap.parse_args()
    if args.what == "plan":
        p = Plan(args.seed, args.seconds)
        p.build()
        p.write(args.dir)
        print("plan: %d sessions, %d messages, %d hosts" % (
            len(p.sessions), sum(len(s["msgs"]) for s in p.sessions),
            sum(len(v) for v in p.hosts.values())))
        return 0
    if args.what == "run":
        return run(args)
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
