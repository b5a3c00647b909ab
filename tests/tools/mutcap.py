#!/usr/bin/env python3
"""mutcap.py - seeded mutations of capture files for tests/e2e/hostile.sh.

    mutcap.py SEED MODE OUT IN [IN2]

MODE is one of
    data     flip bytes inside packet data (record headers left intact)
    rechdr   corrupt record headers: caplen/len absurd, zero, swapped,
             caplen > len, timestamps far off
    filehdr  corrupt the file header (magic, version, snaplen, link type)
    trunc    cut at a random offset past the file header
    splice   the start of IN and the end of IN2, cut at random offsets
    any      flip bytes anywhere
    mixed    several of the above at once

Classic pcap files (either byte order, micro- or nanosecond) are parsed
into records so that data and rechdr can aim; for other files (pcapng)
those modes fall back to "any".  One line on stdout says what was done,
for the test's failure messages.  The same SEED always gives the same
output.
"""
import random
import struct
import sys

MAGICS = {
    b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
    b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">",
}


def records(buf):
    """(byte order, [(record offset, caplen)]) of a classic pcap, or None."""
    bo = MAGICS.get(bytes(buf[:4]))
    if bo is None or len(buf) < 24:
        return None
    recs, off = [], 24
    while off + 16 <= len(buf):
        caplen = struct.unpack_from(bo + "I", buf, off + 8)[0]
        if off + 16 + caplen > len(buf):
            break
        recs.append((off, caplen))
        off += 16 + caplen
    return bo, recs


def flip_any(rng, buf, n, lo=0):
    what = []
    for _ in range(n):
        if len(buf) <= lo:
            break
        i = rng.randrange(lo, len(buf))
        buf[i] = rng.choice([0x00, 0xff, buf[i] ^ (1 << rng.randrange(8)),
                             rng.randrange(256)])
        what.append(i)
    return "bytes %s" % ",".join(map(str, what[:8]))


def mut_data(rng, buf):
    parsed = records(buf)
    if parsed is None or not parsed[1]:
        return "any (not pcap): " + flip_any(rng, buf, rng.randint(1, 64))
    _, recs = parsed
    n = rng.randint(1, 200)
    for _ in range(n):
        off, caplen = rng.choice(recs)
        if caplen == 0:
            continue
        i = off + 16 + rng.randrange(caplen)
        buf[i] = rng.choice([0x00, 0xff, buf[i] ^ (1 << rng.randrange(8)),
                             rng.randrange(256)])
    return "data: %d bytes in packets" % n


def mut_rechdr(rng, buf):
    parsed = records(buf)
    if parsed is None or not parsed[1]:
        return "any (not pcap): " + flip_any(rng, buf, rng.randint(1, 16))
    bo, recs = parsed
    what = []
    for _ in range(rng.randint(1, 4)):
        k = rng.randrange(len(recs))
        off, caplen = recs[k]
        ts, us, cl, wl = struct.unpack_from(bo + "IIII", buf, off)
        kind = rng.choice(["huge", "zero", "caplen>len", "len<caplen",
                           "swap", "bigger", "smaller", "ts", "usec"])
        if kind == "huge":
            cl = rng.choice([0xffffffff, 0x7fffffff, 262145, 1 << 24])
        elif kind == "zero":
            cl = wl = 0
        elif kind == "caplen>len":
            wl = max(0, cl - rng.randint(1, 60))
        elif kind == "len<caplen":
            wl = rng.randrange(0, max(1, cl))
        elif kind == "swap":
            cl, wl = wl, cl
        elif kind == "bigger":
            cl += rng.randint(1, 2000)
        elif kind == "smaller":
            cl = max(0, cl - rng.randint(1, 100))
        elif kind == "ts":
            ts = rng.choice([0, 0xffffffff, 0x7fffffff, ts - 86400 * 365,
                             ts + rng.randint(1, 100000)]) & 0xffffffff
        else:
            us = rng.choice([1000000, 999999999, 0xffffffff])
        struct.pack_into(bo + "IIII", buf, off, ts, us, cl, wl)
        what.append("#%d %s" % (k, kind))
    return "rechdr: " + " ".join(what)


def mut_filehdr(rng, buf):
    bo = MAGICS.get(bytes(buf[:4]), "<")
    field = rng.choice(["magic", "version", "snaplen", "linktype", "bytes"])
    if field == "magic":
        buf[rng.randrange(4)] ^= 1 << rng.randrange(8)
    elif field == "version":
        struct.pack_into(bo + "HH", buf, 4, rng.choice([0, 1, 2, 3, 0xffff]),
                         rng.choice([0, 4, 0xffff]))
    elif field == "snaplen":
        struct.pack_into(bo + "I", buf, 16,
                         rng.choice([0, 1, 14, 0xffffffff, 262145]))
    elif field == "linktype":
        struct.pack_into(bo + "I", buf, 20,
                         rng.choice([0, 1, 101, 113, 147, 276, 0xffff,
                                     0x0fffffff, rng.randrange(300)]))
    else:
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(24)] = rng.randrange(256)
    return "filehdr: " + field


def mut_trunc(rng, buf):
    cut = rng.randrange(25, len(buf))
    del buf[cut:]
    return "trunc: at %d" % cut


def mut_splice(rng, buf, other):
    a = rng.randrange(24, len(buf))
    b = rng.randrange(0, len(other))
    parsed = records(other)
    if parsed is not None and parsed[1] and rng.random() < 0.5:
        b = rng.choice(parsed[1])[0]    # at a record boundary of IN2
    del buf[a:]
    buf += other[b:]
    return "splice: IN[:%d] + IN2[%d:]" % (a, b)


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit("usage: mutcap.py SEED MODE OUT IN [IN2]")
    seed, mode, out, inp = sys.argv[1:5]
    rng = random.Random("%s/%s" % (seed, mode))
    with open(inp, "rb") as f:
        buf = bytearray(f.read())
    other = buf
    if len(sys.argv) == 6:
        with open(sys.argv[5], "rb") as f:
            other = bytearray(f.read())
    ops = {
        "data": lambda: mut_data(rng, buf),
        "rechdr": lambda: mut_rechdr(rng, buf),
        "filehdr": lambda: mut_filehdr(rng, buf),
        "trunc": lambda: mut_trunc(rng, buf),
        "splice": lambda: mut_splice(rng, buf, other),
        "any": lambda: "any: " + flip_any(rng, buf, rng.randint(1, 64)),
    }
    if mode == "mixed":
        picks = rng.sample(["data", "rechdr", "any", "trunc"], 2)
        if "trunc" in picks:            # cut last: the others aim first
            picks.remove("trunc")
            picks.append("trunc")
        what = "; ".join(ops[m]() for m in picks)
    elif mode in ops:
        what = ops[mode]()
    else:
        sys.exit("mutcap.py: unknown mode " + mode)
    with open(out, "wb") as f:
        f.write(buf)
    print(what)


if __name__ == "__main__":
    main()
