#!/bin/bash
# t/soak/soak_short.t -- the short form of contrib/soak.sh, so that the
# soak cannot rot: 1,000 messages from 100 hosts at 20 a second through a
# private Postfix, with every fault of the schedule (Redis kill -9, CLIENT
# PAUSE, DEBUG SLEEP, the DNS server stopped, the milter killed mid-DATA,
# SIGHUP reloads, SIGTERM), and the whole accounting asserted.
exec "$(dirname "$0")/../../contrib/soak.sh" -m 1000 -H 100 -r 20
