#!/usr/bin/env python3
"""mkcap.py - small hand-made captures for the end-to-end tests.

    mkcap.py linktype OUT LT      classic pcap, link type LT, one HTTP
                                  connection framed as Ethernet
    mkcap.py pcapng-same OUT      pcapng, two Ethernet interfaces
    mkcap.py pcapng-mixed OUT     pcapng, interface 0 Ethernet (1),
                                  interface 1 raw IP (101), both IDBs first
    mkcap.py pcapng-sll OUT       the same with Linux cooked (113)
    mkcap.py pcapng-mixed-late OUT  interface 0's packets, then the IDB of
                                  raw-IP interface 1 and its packets
    mkcap.py pcapng-snaplen OUT   two Ethernet interfaces, other snaplens
    mkcap.py pcapng-many OUT      70 Ethernet interfaces; interface 69
                                  carries what interface 1 does above
    mkcap.py quiet-before CAP OUT  60 classic pcap records, no file header,
                                  to feed before CAP's (Ethernet, either
                                  byte order): one a minute for the hour
                                  before CAP's first minute, each an ARP
                                  frame (no flow, no hit, no row) at second
                                  30 of its minute, so each closes the
                                  minute of the one before; 58 bytes each
    mkcap.py pcapng-badtime OUT   three Ethernet interfaces; interface 1
                                  (if_tsoffset +300e9 s, past 9999) and 2
                                  (-2e9 s, before 1970) each carry one of
                                  interface 1's connections above

Interface 0 carries 3 requests for eta.cic.gc.ca from 198.51.100.10
(US in tests/data), interface 1 carries 2 from 2001:db8:1::5 (FR), all in
the minute 2016-11-08T19:00:00Z; every connection is complete (handshake,
request, FIN).
"""
import ipaddress
import struct
import sys

T0 = 1478631610                 # 2016-11-08T19:00:10Z
SERVER4 = "205.193.117.158"
SERVER6 = "2001:db8:ff::80"
CLIENT4 = "198.51.100.10"
CLIENT6 = "2001:db8:1::5"


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0)
    seg = hdr + payload
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack("!BBH", 0, 6, len(seg))
    else:
        pseudo = s.packed + d.packed + struct.pack("!IxxxB", len(seg), 6)
    c = csum(pseudo + seg)
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    if s.version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000,
                         64, 6, 0, s.packed, d.packed)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        return 0x0800, ip + seg
    ip = struct.pack("!IHBB16s16s", 6 << 28, len(seg), 6, 64, s.packed,
                     d.packed)
    return 0x86dd, ip + seg


def connection(client, server, sport, t, path):
    """[(ts, ethertype, ip packet)] of one HTTP request."""
    req = ("GET %s HTTP/1.1\r\nHost: eta.cic.gc.ca\r\nUser-Agent: mkcap\r\n"
           "\r\n" % path).encode()
    c, s = 1000, 5000
    pk = [
        tcp(client, server, sport, 80, c, 0, 0x02),
        tcp(server, client, 80, sport, s, c + 1, 0x12),
        tcp(client, server, sport, 80, c + 1, s + 1, 0x10),
        tcp(client, server, sport, 80, c + 1, s + 1, 0x18, req),
        tcp(server, client, 80, sport, s + 1, c + 1 + len(req), 0x10),
        tcp(client, server, sport, 80, c + 1 + len(req), s + 1, 0x11),
        tcp(server, client, 80, sport, s + 1, c + 2 + len(req), 0x11),
    ]
    return [(t + i * 0.001, et, p) for i, (et, p) in enumerate(pk)]


def frame(linktype, ethertype, ip):
    if linktype == 1:
        return (b"\x00\x11\x22\x33\x44\x55\x00\x66\x77\x88\x99\xaa" +
                struct.pack("!H", ethertype) + ip)
    if linktype == 101:
        return ip
    if linktype == 113:
        return struct.pack("!HHH8sH", 0, 1, 6, b"\x00\x66\x77\x88\x99\xaa",
                           ethertype) + ip
    return (b"\x00\x11\x22\x33\x44\x55\x00\x66\x77\x88\x99\xaa" +
            struct.pack("!H", ethertype) + ip)


def traffic():
    """Packets of interface 0 and of interface 1, each in time order."""
    if0, if1 = [], []
    for i in range(3):
        if0 += connection(CLIENT4, SERVER4, 40000 + i, T0 + 2 * i,
                          "/eta/apply?i=%d" % i)
    for i in range(2):
        if1 += connection(CLIENT6, SERVER6, 41000 + i, T0 + 2 * i + 1,
                          "/eta/status?i=%d" % i)
    return if0, if1


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def shb():
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(linktype, snaplen=65535):
    return block(1, struct.pack("<HHI", linktype, 0, snaplen))


def epb(ifid, ts, data):
    us = int(round(ts * 1e6))
    return block(6, struct.pack("<IIIII", ifid, us >> 32, us & 0xffffffff,
                                len(data), len(data)) + data)


def pcapng_many():
    if0, if1 = traffic()
    out = shb() + b"".join(idb(1) for _ in range(70))
    pk = [(t, 0, et, p) for t, et, p in if0] + \
         [(t, 69, et, p) for t, et, p in if1]
    pk.sort(key=lambda x: x[0])
    return out + b"".join(epb(i, t, frame(1, et, p)) for t, i, et, p in pk)


def idb_tsoffset(linktype, offset):
    opts = struct.pack("<HHq", 14, 8, offset) + struct.pack("<HH", 0, 0)
    return block(1, struct.pack("<HHI", linktype, 0, 65535) + opts)


def pcapng_badtime():
    """Packet times stay as written; the IDBs shift interfaces 1, 2."""
    if0, if1 = traffic()
    out = shb() + idb(1) + idb_tsoffset(1, 300 * 10**9) + \
        idb_tsoffset(1, -2 * 10**9)
    half = len(if1) // 2
    pk = [(t, 0, et, p) for t, et, p in if0] + \
         [(t, 1, et, p) for t, et, p in if1[:half]] + \
         [(t, 2, et, p) for t, et, p in if1[half:]]
    pk.sort(key=lambda x: x[0])
    return out + b"".join(epb(i, t, frame(1, et, p)) for t, i, et, p in pk)


def pcapng(kind):
    if kind == "pcapng-many":
        return pcapng_many()
    if kind == "pcapng-badtime":
        return pcapng_badtime()
    lt1 = {"pcapng-same": 1, "pcapng-mixed": 101, "pcapng-sll": 113,
           "pcapng-mixed-late": 101, "pcapng-snaplen": 1}[kind]
    snap1 = 1500 if kind == "pcapng-snaplen" else 65535
    if0, if1 = traffic()
    out = shb() + idb(1)
    if kind == "pcapng-mixed-late":
        out += b"".join(epb(0, t, frame(1, et, p)) for t, et, p in if0)
        out += idb(lt1, snap1)
        out += b"".join(epb(1, t, frame(lt1, et, p)) for t, et, p in if1)
        return out
    out += idb(lt1, snap1)
    pk = [(t, 0, et, p) for t, et, p in if0] + \
         [(t, 1, et, p) for t, et, p in if1]
    pk.sort(key=lambda x: x[0])
    lts = (1, lt1)
    out += b"".join(epb(i, t, frame(lts[i], et, p)) for t, i, et, p in pk)
    return out


def classic(linktype):
    if0, _ = traffic()
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)
    for t, et, p in if0:
        f = frame(1, et, p)
        us = int(round(t * 1e6))
        out += struct.pack("<IIII", us // 1000000, us % 1000000, len(f),
                           len(f)) + f
    return out


def quiet_before(cap):
    with open(cap, "rb") as f:
        d = f.read(40)
    e = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
         b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}[d[:4]]
    assert struct.unpack_from(e + "I", d, 20)[0] == 1, "not Ethernet"
    first = struct.unpack_from(e + "I", d, 24)[0] // 60 * 60
    arp = (b"\xff" * 6 + b"\x02\0\0\0\0\x01" + b"\x08\x06" +
           struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + bytes(20))
    assert 16 + len(arp) == 58
    return b"".join(struct.pack(e + "IIII", first - 60 * i + 30, 0,
                                len(arp), len(arp)) + arp
                    for i in range(60, 0, -1))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "quiet-before":
        data, out = quiet_before(sys.argv[2]), sys.argv[3]
    elif kind == "linktype":
        data = classic(int(sys.argv[3]))
    elif kind.startswith("pcapng-"):
        data = pcapng(kind)
    else:
        sys.exit("mkcap.py: unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
