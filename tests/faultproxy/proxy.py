#!/usr/bin/env python3
"""A fault-injecting HTTP proxy in front of the local AWS emulator, for the integration tests.

    proxy.py --upstream http://127.0.0.1:4566 --seed 7 --throttle 0.05 --lost-500 0.02 ...

Listens on 127.0.0.1 on a port of its own choosing and prints ``http://127.0.0.1:PORT`` as the first
line of stdout. Every AWS request (ECR's JSON protocol, recognised by its
``X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.*`` header; IAM's and STS's query protocol,
recognised by ``Action=`` in the form body) gets at most one fault, drawn from the per-kind rates:

  before the emulator sees the request:
    throttle    HTTP 400 with the service's own throttling error (IAM/STS: query XML ``Throttling``;
                ECR: JSON ``ThrottlingException``), as AWS sends it
    error-500   HTTP 500 (IAM/STS ``InternalFailure``, ECR ``ServerException``)
    error-503   HTTP 503 ``ServiceUnavailable``
    reset       the connection is reset (TCP RST) instead of an answer
    delay       the request is held for a while (--delay-ms), then forwarded normally
  after the emulator acted (the lost response):
    lost-500    the emulator's answer is thrown away and HTTP 500 sent instead
    lost-reset  the emulator's answer is thrown away and the connection reset

Reproducible: the decision for a request is a hash of the seed, the operation, the request body (with
12-digit account ids masked, so that tests in random accounts draw alike) and how many identical
requests came before it. The same seed therefore gives the same faults for the same requests, even
when concurrent requests arrive in another order; a retried request draws again.

``--latency-ms MS`` holds every AWS request that long before forwarding it (no fault; the latency a
caller far from the region sees), so that a benchmark or a test can model AWS's round trips in front
of an emulator that answers in a few milliseconds. Requests are held concurrently: the proxy serves
each connection on its own thread.

``GET /_faultproxy/stats`` answers the counts so far as JSON, with ``peak_in_flight``: the most AWS
requests the proxy held at once, overall (``all``) and by service (``ecr``, ``iam``, ``sts``, ``ssm``),
and ``rounds``: the longest chain of requests each sent after the previous one was answered (the rounds of
latency waited through in sequence); ``GET /_faultproxy/reset`` zeroes peaks, rounds and the request count; ``--log FILE`` writes one JSON line per
AWS request with its decision; ``--record FILE`` one JSON line per request of any AWS service (SSM
too) with its operation and string parameters, for tests that check what was called on what. Only connects to 127.0.0.1. Exits by itself when its parent process
dies or after --max-seconds. Python 3 standard library only.
"""

import argparse
import hashlib
import http.client
import http.server
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid

# Order matters: a request's draw walks the rates cumulatively in this order.
KINDS = ("throttle", "error-500", "error-503", "reset", "delay", "lost-500", "lost-reset")
ECR_TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921."
ACCOUNT_ID = re.compile(rb"(?<![0-9])[0-9]{12}(?![0-9])")
# Hop-by-hop headers are the proxy's own business on each side.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", required=True, help="the emulator, http://127.0.0.1:PORT")
    p.add_argument("--seed", type=int, required=True)
    for kind in KINDS:
        p.add_argument(f"--{kind}", type=float, default=0.0, metavar="RATE",
                       help=f"probability (0..1) of a {kind} fault per AWS request")
    p.add_argument("--delay-ms", default="200:1500", metavar="MIN:MAX",
                   help="how long a delay fault holds a request (default 200:1500)")
    p.add_argument("--only", default="",
                   help="comma-separated operations (e.g. CreatePolicyVersion) that get faults; "
                        "default every operation")
    p.add_argument("--max-faults", type=int, default=None, metavar="N",
                   help="inject at most N faults in all, then let everything through")
    p.add_argument("--log", help="append one JSON line per AWS request to this file")
    p.add_argument("--record", help="append one JSON line per request of any AWS service, with its "
                   "operation and string parameters, to this file")
    p.add_argument("--latency-ms", type=float, default=0.0, metavar="MS",
                   help="hold every AWS request this long before forwarding it (default 0)")
    p.add_argument("--max-seconds", type=float, default=1800.0,
                   help="exit after this long at the latest (default 1800)")
    args = p.parse_args(argv)
    rates = {k: getattr(args, k.replace("-", "_")) for k in KINDS}
    if any(r < 0 for r in rates.values()) or sum(rates.values()) > 1.0 + 1e-9:
        p.error("rates must be >= 0 and add up to at most 1")
    url = urllib.parse.urlsplit(args.upstream)
    if url.scheme != "http" or url.hostname not in ("127.0.0.1", "localhost") or not url.port:
        p.error("--upstream must be http://127.0.0.1:PORT")
    lo, _, hi = args.delay_ms.partition(":")
    args.delay_range = (int(lo), int(hi or lo))
    args.rates = rates
    args.upstream_port = url.port
    args.only_ops = {o for o in args.only.split(",") if o}
    return args


class Injector:
    """Decides the fault of each request and keeps the counts."""

    def __init__(self, seed, rates, delay_range, only_ops, max_faults, log_path):
        self.seed = seed
        self.max_faults = max_faults
        self.rates = rates
        self.delay_range = delay_range
        self.only_ops = only_ops
        self.lock = threading.Lock()
        self.seen = {}
        self.requests = 0
        self.by_kind = {k: 0 for k in KINDS}
        self.by_operation = {}
        self.in_flight = {}
        self.peak = {}
        # The longest chain of requests each sent after the one before had been answered: the
        # rounds of sequential latency a run waited through (its read graph's depth when calls
        # never queue for a slot).
        self.rounds = 0
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None

    def started(self, service):
        """Counts the request in flight; returns its depth: one more than the deepest request
        answered before it arrived."""
        with self.lock:
            for key in ("all", service):
                self.in_flight[key] = self.in_flight.get(key, 0) + 1
                self.peak[key] = max(self.peak.get(key, 0), self.in_flight[key])
            return self.rounds + 1

    def ended(self, service, depth):
        with self.lock:
            for key in ("all", service):
                self.in_flight[key] -= 1
            self.rounds = max(self.rounds, depth)

    def reset_counts(self):
        """Zeroes the peaks and rounds (between the phases of a benchmark)."""
        with self.lock:
            self.peak = {}
            self.rounds = 0
            self.requests = 0

    def decide(self, service, operation, body):
        """Returns (kind or None, a number in [0, 1) for the fault's details, request id)."""
        masked = ACCOUNT_ID.sub(b"<account>", body)
        key = hashlib.sha256(f"{service}|{operation}|".encode() + masked).hexdigest()
        with self.lock:
            nth = self.seen.get(key, 0)
            self.seen[key] = nth + 1
        digest = hashlib.sha256(f"{self.seed}|{key}|{nth}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        detail = int.from_bytes(digest[8:16], "big") / 2**64
        request_id = str(uuid.UUID(bytes=digest[16:32], version=4))
        kind = None
        if not self.only_ops or operation in self.only_ops:
            edge = 0.0
            for k in KINDS:
                edge += self.rates[k]
                if draw < edge:
                    kind = k
                    break
        with self.lock:
            self.requests += 1
            if kind and self.max_faults is not None and sum(self.by_kind.values()) >= self.max_faults:
                kind = None
            if kind:
                self.by_kind[kind] += 1
                per_op = self.by_operation.setdefault(operation, {})
                per_op[kind] = per_op.get(kind, 0) + 1
            if self.log:
                self.log.write(json.dumps({"service": service, "operation": operation,
                                           "nth": nth, "fault": kind}) + "\n")
                self.log.flush()
        return kind, detail, request_id

    def delay_seconds(self, detail):
        lo, hi = self.delay_range
        return (lo + (hi - lo) * detail) / 1000.0

    def stats(self):
        with self.lock:
            return {"requests": self.requests, "faults": sum(self.by_kind.values()),
                    "by_kind": dict(self.by_kind),
                    "by_operation": {op: dict(k) for op, k in self.by_operation.items()},
                    "peak_in_flight": dict(self.peak), "rounds": self.rounds}


def describe(headers, body):
    """(service, operation, params) of any AWS request: the JSON protocols' top-level string
    fields, or the query protocol's form fields; `hasTags` says whether it carries tags."""
    target = headers.get("X-Amz-Target", "")
    if target and "." in target:
        prefix, operation = target.rsplit(".", 1)
        service = {"AmazonEC2ContainerRegistry_V20150921": "ecr", "AmazonSSM": "ssm"}.get(prefix, prefix)
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        params = {k: v for k, v in data.items() if isinstance(v, str)}
        params["hasTags"] = bool(data.get("tags") or data.get("Tags"))
        return service, operation, params
    service, operation = classify(headers, body)
    if not service:
        return None, None, {}
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    params = {k: v[0] for k, v in form.items()}
    params["hasTags"] = any(k.startswith("Tags.member") for k in form)
    return service, operation, params


def classify(headers, body):
    """(service, operation) of an AWS request (service ecr, iam or sts), or (None, None)."""
    target = headers.get("X-Amz-Target", "")
    if target.startswith(ECR_TARGET_PREFIX):
        return "ecr", target[len(ECR_TARGET_PREFIX):]
    if "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        action = form.get("Action", [""])[0]
        if action:
            # The SigV4 credential scope names the service: .../REGION/sts/aws4_request
            scope = headers.get("Authorization", "")
            return ("sts" if "/sts/aws4_request" in scope else "iam"), action
    return None, None


# The error bodies AWS sends: IAM and STS speak the query protocol (an XML ErrorResponse with
# Type Sender/Receiver), ECR the JSON 1.1 protocol (`__type` in the body, and the code in
# x-amzn-ErrorType, which the SDKs read first and strip of its namespace suffix).
QUERY_ERRORS = {
    "throttle": (400, "Sender", "Throttling", "Rate exceeded"),
    "500": (500, "Receiver", "InternalFailure",
            "The request processing has failed because of an unknown error, exception or failure."),
    "503": (503, "Receiver", "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server."),
}
QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
JSON_ERRORS = {
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "500": (500, "ServerException", "Internal error"),
    "503": (503, "ServiceUnavailableException", "Service Unavailable"),
}


def error_response(service, which, request_id):
    """(status, headers, body) of an AWS error answer."""
    if service == "ecr":
        status, code, message = JSON_ERRORS[which]
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"),
                   ("x-amzn-RequestId", request_id),
                   ("x-amzn-ErrorType",
                    f"{code}:http://internal.amazon.com/coral/com.amazon.coral.availability/")]
        return status, headers, body
    status, typ, code, message = QUERY_ERRORS[which]
    namespace = QUERY_NAMESPACES[service]
    body = (f"<ErrorResponse xmlns=\"{namespace}\">"
            f"<Error><Type>{typ}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()
    headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    return status, headers, body


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultproxy"
    upstream = None  # per connection

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def do_GET(self):
        if self.path in ("/_faultproxy/stats", "/_faultproxy/reset"):
            if self.path.endswith("reset"):
                self.server.injector.reset_counts()
            body = json.dumps(self.server.injector.stats()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.relay()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = lambda self: self.relay()

    def relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.server.record:
            seen, op, params = describe(self.headers, body)
            if seen:
                with self.server.record_lock:
                    self.server.record.write(json.dumps(
                        {"service": seen, "operation": op, "params": params}) + "\n")
                    self.server.record.flush()
        service, operation = classify(self.headers, body)
        # Latency for every AWS service (SSM too), faults only for those classify knows.
        held = service or describe(self.headers, body)[0]
        if not held:
            return self.relay_decided(service, operation, body)
        depth = self.server.injector.started(held)
        try:
            if self.server.latency > 0:
                time.sleep(self.server.latency)
            return self.relay_decided(service, operation, body)
        finally:
            self.server.injector.ended(held, depth)

    def relay_decided(self, service, operation, body):
        kind, detail, request_id = (None, 0.0, "")
        if service:
            kind, detail, request_id = self.server.injector.decide(service, operation, body)
        if kind == "throttle":
            return self.answer(*error_response(service, "throttle", request_id))
        if kind in ("error-500", "error-503"):
            return self.answer(*error_response(service, kind[-3:], request_id))
        if kind == "reset":
            return self.reset()
        if kind == "delay":
            time.sleep(self.server.injector.delay_seconds(detail))
        try:
            status, headers, answer = self.forward(body)
        except (OSError, http.client.HTTPException):
            return self.reset()
        if kind == "lost-500":
            return self.answer(*error_response(service, "500", request_id))
        if kind == "lost-reset":
            return self.reset()
        self.answer(status, headers, answer)

    def forward(self, body):
        for attempt in (1, 2):
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(
                    "127.0.0.1", self.server.upstream_port, timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            try:
                self.upstream.request(self.command, self.path, body=body, headers=headers)
                resp = self.upstream.getresponse()
                data = resp.read()
                return resp.status, resp.getheaders(), data
            except (OSError, http.client.HTTPException):
                # A kept-alive upstream connection the emulator closed: one fresh try.
                self.upstream.close()
                self.upstream = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def answer(self, status, headers, body):
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reset(self):
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # The socket only really closes once the buffered reader on it is closed too.
            self.rfile.close()
            self.connection.close()
        except OSError:
            pass

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        if self.upstream is not None:
            self.upstream.close()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog of 5 drops the SYNs of a burst of new connections
    # (a client opening 100 at once), which then wait a second for their retransmission.
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # A client that went away mid-answer is the clients' business, not a proxy failure.
        pass


def watch_parent(parent, deadline):
    while True:
        if os.getppid() != parent or time.monotonic() > deadline:
            os._exit(0)
        time.sleep(0.5)


def main(argv):
    args = parse_args(argv)
    server = Server(("127.0.0.1", 0), Handler)
    server.upstream_port = args.upstream_port
    server.latency = args.latency_ms / 1000.0
    server.record = open(args.record, "a", encoding="utf-8") if args.record else None
    server.record_lock = threading.Lock()
    server.injector = Injector(args.seed, args.rates, args.delay_range, args.only_ops,
                               args.max_faults, args.log)
    threading.Thread(target=watch_parent,
                     args=(os.getppid(), time.monotonic() + args.max_seconds),
                     daemon=True).start()
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
