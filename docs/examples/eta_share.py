#!/usr/bin/env python3
"""Print, minute by minute, the share of an originstatd's hits that went to
the eTA pages: the question of 8 November 2016, asked of the live stream.

A plain ZeroMQ subscriber that needs nothing but docs/wire.md and pyzmq
(Debian: python3-zmq):

    python3 docs/examples/eta_share.py tcp://127.0.0.1:5556

One line per closed minute, when its "minute" marker arrives:

    2016-11-08T19:00:00Z eta 53/210 hits 25.2%

Hits are requests plus TLS handshakes (HTTPS requests cannot be seen, their
handshakes can).  The share's denominator is the marker's totals over every
class, "other" included.  Like any plain subscriber it sees only what is
published while it is connected (docs/wire.md, "Slow joiner"); the client
`originstat csv` also fetches what it missed.
"""
import argparse
import json
import signal
import sys

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("endpoint", nargs="?", default="tcp://127.0.0.1:5556",
                    help="originstatd's --publish endpoint")
    ap.add_argument("--class", dest="cls", default="eta",
                    help="the class whose share is shown (default: eta)")
    args = ap.parse_args()
    # SIGTERM (systemd, kill) ends it as quietly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    ctx = zmq.Context()
    sub = ctx.socket(zmq.SUB)
    sub.connect(args.endpoint)
    # Prefix match: "counts.eta" also brings "counts.eta_visa" and the
    # like, so the class is compared below.
    sub.setsockopt(zmq.SUBSCRIBE, b"counts." + args.cls.encode())
    sub.setsockopt(zmq.SUBSCRIBE, b"minute")

    hits = {}  # minute_ts -> hits of the class, until its marker
    try:
        while True:
            frames = sub.recv_multipart()
            if len(frames) != 2:
                continue
            topic, payload = frames
            msg = json.loads(payload)
            if msg.get("v") != 1:
                continue  # a wire version this script does not know
            ts = msg["minute_ts"]
            if topic == b"minute":
                total = msg["requests"] + msg["tls_handshakes"]
                mine = hits.pop(ts, 0)
                share = f"{100 * mine / total:.1f}%" if total else "-"
                print(f"{msg['minute']} {args.cls} {mine}/{total} hits "
                      f"{share}", flush=True)
                # Counts whose marker never came (missed) are dropped.
                for old in [t for t in hits if t < ts]:
                    del hits[old]
            elif msg.get("class") == args.cls:
                hits[ts] = sum(r["requests"] + r["tls_handshakes"]
                               for r in msg["rows"])
    except KeyboardInterrupt:
        pass
    finally:
        sub.close(linger=0)
        ctx.term()


if __name__ == "__main__":
    sys.exit(main())
