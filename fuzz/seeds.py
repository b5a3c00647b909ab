#!/usr/bin/env python3
"""Make the seed corpora under fuzz/corpus/ from the shared captures.

    fuzz/seeds.py [CAPTURE_DIR]      (default ../shared/captures)

Run once by hand; the seeds are kept in the repository, the captures are
not.  Also writes hand-made seeds (request heads, X-Forwarded-For and
Forwarded values, configuration files) and ClientHellos built by
sim/hello.c (compiled with cc into a temporary directory).  Every seed is
kept under 4 KiB.
"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
CAP = 4000
# decode_frame link types, in the order of links[] in fuzz_decode_flow.c.
LINKS = [1, 113, 276, 101, 0, 108, 228, 229, 239, 127, 105, 12, 14]


def pcap_records(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return None, []
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link = struct.unpack(end + "I", data[20:24])[0] & 0xffff
    off, recs = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        us = sec * 1000000 + (frac // 1000 if nano else frac)
        recs.append((us, data[off:off + incl]))
        off += incl
    return link, recs


def frame_seed(link, recs):
    """[link index][len:2][dt:1][frame]... up to CAP bytes."""
    out = bytearray([LINKS.index(link)])
    last = None
    for us, fr in recs:
        fr = fr[:1600]
        if len(out) + 3 + len(fr) > CAP:
            break
        dt = 0 if last is None else min(0x3f, max(0, (us - last) // 50000))
        last = us
        out += struct.pack(">HB", len(fr), dt) + fr
    return bytes(out)


def interesting(fr):
    return any(m in fr for m in (b"GET ", b"POST ", b"HEAD ", b"CONNECT ",
                                 b"\x16\x03\x01", b"\x16\x03\x03"))


def write(target, name, data):
    if not data or len(data) > CAP + 96:
        return
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def follow_client(path, stream):
    """Client-side chunks of one TCP stream, in order (tshark follow)."""
    out = subprocess.run(["tshark", "-n", "-r", path, "-q", "-z",
                          "follow,tcp,raw,%d" % stream],
                         capture_output=True, text=True).stdout
    chunks, started = [], False
    for line in out.splitlines():
        if line.startswith("Node 1:"):
            started = True
            continue
        if not started or not line or line.startswith("=") or \
                line.startswith("\t"):
            continue
        try:
            chunks.append(bytes.fromhex(line.strip()))
        except ValueError:
            pass
    return chunks

HTTP = {
    "get": b"GET / HTTP/1.1\r\nHost: eta.cic.gc.ca\r\n\r\n",
    "get10": b"GET /index.html HTTP/1.0\r\n\r\n",
    "abs": b"GET http://www.cic.gc.ca:80/english/immigrate/?q=1#x HTTP/1.1"
           b"\r\nHost: other.example\r\n\r\n",
    "connect": b"CONNECT eta.cic.gc.ca:443 HTTP/1.1\r\nHost: eta.cic.gc.ca"
               b":443\r\n\r\n",
    "xff": b"GET /eta/ HTTP/1.1\r\nHost: onlineservices-servicesenligne.cic"
           b".gc.ca\r\nX-Forwarded-For: 203.0.113.9, 10.0.0.1\r\n"
           b"X-Forwarded-For: [2001:db8::1]:443\r\nForwarded: for=192.0.2."
           b"60;proto=http, for=\"[2001:db8:cafe::17]:4711\"\r\n\r\n",
    "post-cl": b"POST /eta/apply HTTP/1.1\r\nHost: eta.cic.gc.ca\r\n"
               b"Content-Length: 11\r\n\r\nhello=world",
    "post-chunked": b"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip,"
                    b" chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\n"
                    b"abcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\n",
    "expect": b"PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
              b"Content-Length: 4\r\n\r\nbody",
    "upgrade": b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\n\r\n",
    "bare-lf": b"GET /a HTTP/1.1\nHost: H.Example.\n\n",
    "badlen": b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n"
              b"Content-Length: 18446744073709551616\r\n\r\n",
    "pipeline": b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\n"
                b"Host: b\r\n\r\n",
    "chunked-only": b"4\r\nwiki\r\n5\r\npedia\r\n0\r\n\r\n",
}

PROXY = {
    "v4": b"\x04203.0.113.9",
    "chain": b"\x0c203.0.113.9, 10.0.0.1\x00198.51.100.2 , 10.1.1.1",
    "v6": b"\x04[2001:db8::1]:443, 2001:db8::2\x00fd00::5",
    "junk": b"\x08unknown, -, _hidden, 1.2.3\x00256.1.1.1:99999, "
            b"::ffff:1.2.3.4",
    "fwd": b"\x01for=192.0.2.60;proto=http;by=203.0.113.43, "
           b"for=\"[2001:db8:cafe::17]:4711\"",
    "fwd-junk": b"\x01for=unknown, for=_obf;by=x, FOR=\"10.0.0.9\"\x00"
                b"for=\"\\\"quoted\\\"\";host=h",
    "untrusted": b"\x06198.51.100.1\x00for=1.1.1.1",
    "cidr": b"\x0010.0.0.0/8\x00fd00::/8\x00192.0.2.1/33\x00::/0",
}

CONFIG = {
    "minimal": b"[rules]\neta = eta.cic.gc.ca\n",
    "full": b"; comment\n[rules]\neta = *.cic.gc.ca/eta/  # c\n"
            b"A = Host.Example.:8080/p?q\n\n[proxy]\ntrusted = 10.0.0.0/8,"
            b" 192.0.2.1, fd00::/8 ; c\n[geoip]\ndatabase = /x/y.mmdb\n"
            b"cache = 1024\n[aggregate]\ngrace = 2.5\n[publish]\n"
            b"sensor = web1\n",
    "errors": b"[rules\nnoequals\n[nope]\nk = v\n[rules]\n= x\n"
              b"toolongclassname_abcdefghijklmnopqrstuvwxyz = h\n"
              b"c = *.\nc = a..b\n[proxy]\ntrusted = 10.0.0.0/99, x\n"
              b"[geoip]\ncache = -1\n[aggregate]\ngrace = 1e9\n",
    "crlf": b"[rules]\r\nx = h/p\r\n[aggregate]\r\ngrace = 0\r\n",
}


def hello_seeds():
    src = os.path.join(HERE, "..", "sim")
    prog = r"""
#include <stdio.h>
#include <string.h>
#include "hello.h"
int main(int argc, char **argv) {
	static const char *snis[] = { "eta.cic.gc.ca", NULL, "x" };
	struct hello_params hp;
	unsigned char buf[4096];
	size_t n;
	int i;
	char name[256];
	FILE *f;
	(void)argc;
	for (i = 0; i < 12; i++) {
		memset(&hp, 0, sizeof(hp));
		memset(hp.random, i, sizeof(hp.random));
		hp.sni = snis[i % 3];
		hp.tls13 = i & 1;
		hp.grease = (i & 2) != 0;
		hp.sni_last = (i & 4) != 0;
		hp.pad = i == 5;
		hp.frag = i >= 8 ? (size_t)(i * 13) : 0;
		if ((n = hello_build(&hp, buf, sizeof(buf))) == 0)
			return 1;
		snprintf(name, sizeof(name), "%s/hello-%02d", argv[1], i);
		if ((f = fopen(name, "wb")) == NULL)
			return 1;
		fwrite(buf, 1, n, f);
		fclose(f);
	}
	return 0;
}
"""
    with tempfile.TemporaryDirectory() as tmp:
        c = os.path.join(tmp, "gen.c")
        with open(c, "w") as f:
            f.write(prog)
        exe = os.path.join(tmp, "gen")
        subprocess.run(["cc", "-std=c11", "-I" + src, c,
                        os.path.join(src, "hello.c"), "-o", exe], check=True)
        subprocess.run([exe, os.path.join(CORPUS, "tls")], check=True)


def hand_seeds():
    for name, data in HTTP.items():
        write("http", name, data)
    for name, data in PROXY.items():
        write("proxy", name, data)
    for name, data in CONFIG.items():
        write("config", name, data)
    with open(os.path.join(HERE, "..", "docs",
                           "originstatd.conf.example"), "rb") as f:
        write("config", "example", f.read())
    hello_seeds()


def capfile_seeds(capdir):
    """Whole small files for fuzz_capfile: tests/tools/mkcap.py's, the
    classic one in the other byte order, with ns and 2.3 headers, and the
    first CAP bytes of a few shared captures (cut inside a record)."""
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "tools"))
    import mkcap
    for kind in ("same", "mixed", "sll", "mixed-late", "snaplen",
                 "badtime"):
        write("capfile", "pcapng-" + kind, mkcap.pcapng("pcapng-" + kind))
    le = mkcap.classic(1)
    write("capfile", "pcap-le", le)
    out, off = bytearray(struct.pack(">IHHiIII", *struct.unpack(
        "<IHHiIII", le[:24]))), 24
    while off < len(le):
        hdr = struct.unpack("<IIII", le[off:off + 16])
        out += struct.pack(">IIII", *hdr) + le[off + 16:off + 16 + hdr[2]]
        off += 16 + hdr[2]
    write("capfile", "pcap-be", bytes(out))
    write("capfile", "pcap-ns", b"\x4d\x3c\xb2\xa1" + le[4:])
    write("capfile", "pcap-2.3", le[:4] + struct.pack("<HH", 2, 3) + le[8:])
    for fn in ("ark__v6-http.pcap", "zeek__http-methods.pcap",
               "zeek__nflog-http.pcap"):
        path = os.path.join(capdir, fn)
        if os.path.exists(path):
            with open(path, "rb") as f:
                write("capfile", fn[:-5].split("__", 1)[-1] + "-cut",
                      f.read(CAP))


def main():
    hand_seeds()
    capdir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(HERE, "..", "..", "shared", "captures")
    capfile_seeds(capdir)
    for fn in sorted(os.listdir(capdir)):
        if not fn.endswith(".pcap"):
            continue
        path = os.path.join(capdir, fn)
        base = fn[:-5].split("__", 1)[-1]
        link, recs = pcap_records(path)
        if link not in LINKS or not recs:
            continue
        write("decode_flow", base + "-first", frame_seed(link, recs))
        picked = [r for r in recs if interesting(r[1])][:3]
        if picked:
            write("decode_flow", base + "-req", frame_seed(link, picked))
        for s in range(2):
            chunks = follow_client(path, s)
            if not chunks:
                continue
            head = b"".join(chunks[:3])[:CAP]
            if head[:1] == b"\x16":
                write("tls", "%s-%d" % (base, s), head)
            elif head[:1].isalpha():
                write("http", "%s-%d" % (base, s), head)


if __name__ == "__main__":
    main()
