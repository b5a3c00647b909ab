#!/usr/bin/env python3
"""privcheck.py - find IP addresses of a capture in output text.

    privcheck.py collect OUT [TEXT...]
        Read the text (tshark fields: addresses, X-Forwarded-For values,
        request heads) from the files or standard input and write every
        IPv4 and IPv6 address in it to OUT, one a line, sorted.
    privcheck.py forms ADDRS
        Print each address in every textual form searched for.
    privcheck.py search ADDRS FILE...
        Print "FILE: form (address)" for every form of every address
        found in a file; exit 1 if any was found, else 0.

The forms: IPv4 dotted quad (also inside ::ffff:a.b.c.d and with a
port), the 8 hex digits of its 32 bits; IPv6 compressed (RFC 5952),
fully expanded, each group without leading zeros, and 32 hex digits.
Case is ignored, and a form must not be part of a longer number or
address (198.51.100.1 is not found in 198.51.100.15).
"""
import ipaddress
import re
import sys

V4 = re.compile(r"(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9])")
V6 = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*"
                r"(?![0-9A-Za-z])")


def collect(text):
    found = set()
    for m in V4.finditer(text):
        try:
            found.add(ipaddress.IPv4Address(m.group(0)))
        except ValueError:
            pass
    for m in V6.finditer(text):
        s = m.group(0)
        # "[2001:db8::1]:80" and "for=2001:db8::1" leave ':' around.
        for cand in (s, s.rstrip(":"), s.strip(":")):
            try:
                a = ipaddress.IPv6Address(cand)
            except ValueError:
                continue
            found.add(a.ipv4_mapped or a)
            break
    return found


def forms(a):
    if a.version == 4:
        return [str(a), "%08x" % int(a)]
    full = a.exploded
    return sorted({a.compressed, full,
                   ":".join(g.lstrip("0") or "0" for g in full.split(":")),
                   "%032x" % int(a)})


def pattern(form):
    # Not inside a longer number, name or address.
    if "." in form or form.isdigit():
        edge = r"0-9."
    else:
        edge = r"0-9a-fA-F:"
    return re.compile(r"(?<![%s])%s(?![%s])" % (edge, re.escape(form), edge),
                      re.IGNORECASE)


def load(path):
    with open(path) as f:
        return [ipaddress.ip_address(x.strip()) for x in f if x.strip()]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd = sys.argv[1]
    if cmd == "collect":
        text = ""
        for p in sys.argv[3:] or ["-"]:
            with (open(p, errors="replace") if p != "-" else sys.stdin) as f:
                text += f.read()
        addrs = sorted(collect(text), key=lambda a: (a.version, int(a)))
        with open(sys.argv[2], "w") as f:
            f.writelines("%s\n" % a for a in addrs)
        return 0
    addrs = load(sys.argv[2])
    if cmd == "forms":
        for a in addrs:
            for fm in forms(a):
                print(fm)
        return 0
    if cmd != "search":
        sys.exit("privcheck.py: unknown command " + cmd)
    pats = [(a, fm, pattern(fm)) for a in addrs for fm in forms(a)]
    hits = 0
    for path in sys.argv[3:]:
        with open(path, errors="replace") as f:
            text = f.read()
        for a, fm, pat in pats:
            if pat.search(text):
                print("%s: %s (%s)" % (path, fm, a))
                hits += 1
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
