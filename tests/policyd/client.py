#!/usr/bin/env python3
"""A Postfix policy client for tests/policyd/test_policyd.sh.

    client.py ADDR ask [NAME=VALUE ...]      one request, prints the action
    client.py ADDR SCENARIO                  a scenario, prints TAP lines

ADDR is a unix socket path or HOST:PORT.  A request gets
request=smtpd_access_policy and client_address=192.0.2.7 unless given.
"""
import socket
import sys
import threading
import time


def connect(addr, timeout=10):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
    return s


def request(**attrs):
    a = {"request": "smtpd_access_policy", "client_address": "192.0.2.7"}
    a.update(attrs)
    return "".join("%s=%s\n" % kv for kv in a.items()).encode() + b"\n"


def eom(user, instance, rcpts=1):
    return request(protocol_state="END-OF-MESSAGE", sasl_username=user,
                   instance=instance, recipient_count=str(rcpts))


pending = {}


def read_answer(s):
    """One answer, or None when the connection closed first."""
    buf = pending.pop(s.fileno(), b"")
    while b"\n\n" not in buf:
        try:
            chunk = s.recv(4096)
        except (ConnectionResetError, socket.timeout):
            return None
        if not chunk:
            return None
        buf += chunk
    one, rest = buf.split(b"\n\n", 1)
    if rest:
        pending[s.fileno()] = rest
    return one.decode().strip()


def closed(s, wait=5):
    """Did the server close the connection (no answer) within wait s?"""
    s.settimeout(wait)
    try:
        data = s.recv(4096)
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return data == b""


def tap(ok, what):
    print("%s - %s" % ("ok" if ok else "not ok", what), flush=True)


def ask(addr, pairs):
    s = connect(addr)
    s.sendall(request(**dict(p.split("=", 1) for p in pairs)))
    print(read_answer(s))
    s.close()


# ---- scenarios ------------------------------------------------------------

def keepalive(addr):
    s = connect(addr)
    answers = []
    for i in range(5):
        s.sendall(request(protocol_state="RCPT"))
        answers.append(read_answer(s))
    tap(answers == ["action=DUNNO"] * 5,
        "five requests on one connection, five answers")
    s.sendall(request(protocol_state="RCPT") + request(protocol_state="RCPT"))
    a1, a2 = read_answer(s), read_answer(s)
    tap(a1 == a2 == "action=DUNNO", "two pipelined requests, two answers")
    s.close()


def malformed(addr):
    s = connect(addr)
    s.sendall(b"no equals sign\nrequest=smtpd_access_policy\n\n")
    tap(read_answer(s) == "action=DUNNO", "a line without '=': DUNNO")
    s.sendall(b"=value\nrequest=smtpd_access_policy\n\n")
    tap(read_answer(s) == "action=DUNNO", "an empty name: DUNNO")
    s.sendall(b"protocol_state=RCPT\n\n")
    tap(read_answer(s) == "action=DUNNO", "no request=: DUNNO")
    s.sendall(request(protocol_state="RCPT"))
    tap(read_answer(s) == "action=DUNNO",
        "the connection goes on after them")
    s.close()

    s = connect(addr)
    try:
        s.sendall(b"request=smtpd_access_policy\nx=" + b"a" * (1 << 20) +
                  b"\n\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    tap(closed(s), "a 1 MB line: closed without an answer")
    s.close()

    s = connect(addr)
    s.sendall(b"request=smtpd_access_policy\nsasl_username=a\0b\n\n")
    tap(closed(s), "a NUL byte: closed without an answer")
    s.close()

    s = connect(addr)
    try:
        s.sendall(b"".join(b"a%d=%d\n" % (i, i) for i in range(10000)) +
                  b"\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    tap(closed(s), "10,000 attributes: closed without an answer")
    s.close()

    s = connect(addr)
    try:
        s.sendall((b"a=" + b"b" * 4000 + b"\n") * 20)
    except (BrokenPipeError, ConnectionResetError):
        pass
    tap(closed(s), "a request over 64 KiB: closed without an answer")
    s.close()

    s = connect(addr)
    s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n")
    s.close()
    s = connect(addr)
    s.sendall(request(protocol_state="RCPT"))
    tap(read_answer(s) == "action=DUNNO",
        "a client that stops mid-request harms no other")
    s.close()

    s = connect(addr)
    s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n"
              b"sasl_username=\nsasl_username=alice@example.org\n\n")
    tap(read_answer(s) == "action=DUNNO",
        "an attribute sent twice keeps its first value")
    s.close()


def slow(addr):
    """A client sending a byte every 50 ms does not hold up another."""
    s = connect(addr)
    data = request(protocol_state="RCPT")
    stop = threading.Event()

    def dribble():
        for b in data:
            if stop.is_set():
                return
            s.sendall(bytes([b]))
            time.sleep(0.01)

    t = threading.Thread(target=dribble)
    t.start()
    time.sleep(0.1)
    worst = 0.0
    for i in range(20):
        c = connect(addr)
        t0 = time.monotonic()
        c.sendall(request(protocol_state="RCPT"))
        ok = read_answer(c) == "action=DUNNO"
        worst = max(worst, time.monotonic() - t0)
        c.close()
        if not ok:
            break
    tap(ok and worst < 0.5,
        "a slow client blocks no other (worst answer %.3f s)" % worst)
    t.join()
    tap(read_answer(s) == "action=DUNNO", "and is answered in the end")
    s.close()


def concurrent(addr, user="eve@example.org", conns=50, each=20):
    """conns connections at once, each sending each messages of user."""
    results = []
    lock = threading.Lock()

    def run(k):
        try:
            s = connect(addr, timeout=30)
            got = []
            for i in range(each):
                s.sendall(eom(user, "c%d.%d" % (k, i), 2))
                got.append(read_answer(s))
            s.close()
        except OSError as e:
            got = [str(e)]
        with lock:
            results.append(got)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tap(len(results) == conns and
        all(r == ["action=DUNNO"] * each for r in results),
        "%d connections at once, %d requests each, all answered" %
        (conns, each))


def timeouts(addr, request_s, idle_s):
    s = connect(addr)
    s.sendall(b"request=smtpd_access_policy\nprotocol_state=RCPT\n")
    t0 = time.monotonic()
    c = closed(s, request_s + 3)
    tap(c and time.monotonic() - t0 >= request_s - 0.5,
        "an unfinished request is dropped after request_timeout")
    s.close()
    s = connect(addr)
    s.sendall(request(protocol_state="RCPT"))
    read_answer(s)
    t0 = time.monotonic()
    c = closed(s, idle_s + 3)
    tap(c and time.monotonic() - t0 >= idle_s - 0.5,
        "an idle connection is closed after idle_timeout")
    s.close()


def main():
    addr, what = sys.argv[1], sys.argv[2]
    if what == "ask":
        ask(addr, sys.argv[3:])
    elif what == "keepalive":
        keepalive(addr)
    elif what == "malformed":
        malformed(addr)
    elif what == "slow":
        slow(addr)
    elif what == "concurrent":
        concurrent(addr)
    elif what == "timeouts":
        timeouts(addr, int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("unknown scenario " + what)


if __name__ == "__main__":
    main()
