#!/usr/bin/env python3
"""The local stand-in for the AWS X-Ray daemon: what the real daemon does for the app,
against the local AWS stand-in (moto).

The app (lib/trace/xray_emitter.h) sends each segment as one UDP datagram: the header
line {"format": "json", "version": 1}, a newline, then the segment document. Like the
real daemon, this listens on UDP (default 127.0.0.1:2000), checks the header, buffers
the documents and sends them to X-Ray with PutTraceSegments in batches of at most 50,
at least every --flush seconds. Datagrams without the header are counted and dropped.

  xray-daemon.py --endpoint http://127.0.0.1:5000 [--listen 127.0.0.1:2000]
                 [--region ap-southeast-1] [--flush 0.2] [--watch-pid PID]

Prints "ready <host>:<port>" on stdout once bound (port 0 picks a free one). SIGTERM or
SIGINT send what is buffered and stop it; so does the end of process PID (--watch-pid:
the moto it serves, so that it never outlives it). Credentials are the environment's; dummy
ones are used when none are set (moto takes any)."""
import argparse
import json
import os
import signal
import socket
import sys
import time

import boto3

HEADER = b'{"format": "json", "version": 1}\n'
BATCH_MAX = 50          # the real daemon's batch size
DATAGRAM_MAX = 65535


def parse_hostport(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default="127.0.0.1:2000")
    ap.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL"))
    ap.add_argument("--region", default=os.environ.get("AWS_REGION", "ap-southeast-1"))
    ap.add_argument("--flush", type=float, default=0.2)
    ap.add_argument("--watch-pid", type=int, default=0)
    args = ap.parse_args()

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    xray = boto3.client("xray", region_name=args.region, endpoint_url=args.endpoint)

    host, port = parse_hostport(args.listen)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, port))
    sock.settimeout(args.flush)
    print(f"ready {host}:{sock.getsockname()[1]}", flush=True)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))

    buffered, first_at, dropped = [], None, 0

    def flush():
        nonlocal buffered, first_at
        while buffered:
            batch, buffered = buffered[:BATCH_MAX], buffered[BATCH_MAX:]
            try:
                out = xray.put_trace_segments(TraceSegmentDocuments=batch)
                for u in out.get("UnprocessedTraceSegments", []):
                    print(f"xray-daemon: segment {u.get('Id')} refused: "
                          f"{u.get('ErrorCode')} {u.get('Message')}", file=sys.stderr)
            except Exception as e:  # keep serving: the real daemon drops and goes on
                print(f"xray-daemon: PutTraceSegments failed, {len(batch)} segments "
                      f"dropped: {e}", file=sys.stderr)
        first_at = None

    def watched_gone():
        if not args.watch_pid:
            return False
        try:
            os.kill(args.watch_pid, 0)
            return False
        except ProcessLookupError:
            return True
        except PermissionError:
            return False

    while not stopping and not watched_gone():
        try:
            data = sock.recv(DATAGRAM_MAX)
        except socket.timeout:
            data = None
        except InterruptedError:
            continue
        if data is not None:
            if data.startswith(HEADER) and len(data) > len(HEADER):
                doc = data[len(HEADER):].decode("utf-8", "replace").strip()
                try:
                    json.loads(doc)
                    buffered.append(doc)
                    first_at = first_at or time.monotonic()
                except ValueError:
                    dropped += 1
            else:
                dropped += 1
                if dropped % 1000 == 1:
                    print(f"xray-daemon: datagram without the X-Ray header dropped "
                          f"({dropped} so far)", file=sys.stderr)
        if buffered and (len(buffered) >= BATCH_MAX or
                         time.monotonic() - first_at >= args.flush):
            flush()
    flush()
    sock.close()


if __name__ == "__main__":
    main()
