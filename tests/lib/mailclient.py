#!/usr/bin/python3
"""Small mail-protocol client for the integration tests, the demo and the
benchmark.  Standard library only.

  mailclient.py wait HOST PORT [SECONDS]
      Wait until HOST:PORT accepts a connection and sends a greeting line;
      exit 1 if it does not within SECONDS (default 10).
  mailclient.py freeport [HOST]
      Print a TCP port that is free on HOST (default 127.0.0.1) just now.
  mailclient.py imap [-s SRC] HOST PORT USER PASSWORD
      LOGIN, then LOGOUT if it worked.  Prints the server's tagged reply
      to LOGIN, e.g. "OK [CAPABILITY ...] Logged in" or "NO [...] ...".
  mailclient.py pop3 [-s SRC] HOST PORT USER PASSWORD
      USER, PASS, QUIT.  Prints the reply to PASS ("+OK ..." or "-ERR ...").
  mailclient.py imap-bench HOST PORT USER PASSWORD SECONDS [N]
      New connection, LOGIN, LOGOUT, again and again for SECONDS; prints
      "LOGINS FAILURES".  Every LOGIN must answer OK, else it is a failure.
      With N, USER holds "%d", replaced by a random number from 1 to N at
      each login.
  mailclient.py crypt SETTING
      Read a password from standard input and print crypt(password,
      SETTING) made by the system's libcrypt (libxcrypt).

-s SRC connects from the local address SRC (e.g. 127.0.0.2).  Exit status
0 when the command ran (whatever the server said), 1 on a connection or
protocol error (with a message on standard error).
"""
import ctypes
import ctypes.util
import random
import socket
import sys
import time

TIMEOUT = 10.0


class Conn:
    def __init__(self, host, port, src=None):
        self.sock = socket.create_connection(
            (host, int(port)), timeout=TIMEOUT,
            source_address=(src, 0) if src else None)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("connection closed by the server")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def send(self, text):
        self.sock.sendall(text.encode("utf-8") + b"\r\n")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def imap_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_tagged(c, tag):
    while True:
        line = c.line()
        if line.startswith(tag + " "):
            return line[len(tag) + 1:]


def imap_login(host, port, user, password, src=None):
    c = Conn(host, port, src)
    try:
        greeting = c.line()
        if not greeting.startswith("* OK"):
            raise EOFError("unexpected greeting: " + greeting)
        c.send("a LOGIN %s %s" % (imap_quote(user), imap_quote(password)))
        reply = imap_tagged(c, "a")
        if reply.startswith("OK"):
            c.send("b LOGOUT")
            imap_tagged(c, "b")
        return reply
    finally:
        c.close()


def pop3_login(host, port, user, password, src=None):
    c = Conn(host, port, src)
    try:
        greeting = c.line()
        if not greeting.startswith("+OK"):
            raise EOFError("unexpected greeting: " + greeting)
        c.send("USER " + user)
        r = c.line()
        if not r.startswith("+OK"):
            return r
        c.send("PASS " + password)
        reply = c.line()
        c.send("QUIT")
        try:
            c.line()
        except (EOFError, OSError):
            pass
        return reply
    finally:
        c.close()


def wait(host, port, seconds):
    end = time.monotonic() + float(seconds)
    while True:
        try:
            c = Conn(host, port)
            try:
                c.sock.settimeout(2)
                c.line()
                return 0
            finally:
                c.close()
        except (OSError, EOFError):
            if time.monotonic() > end:
                sys.stderr.write("mailclient: %s:%s not ready after %ss\n"
                                 % (host, port, seconds))
                return 1
            time.sleep(0.05)


def freeport(host):
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    print(port)
    return 0


def imap_bench(host, port, user, password, seconds, n=None):
    end = time.monotonic() + float(seconds)
    ok = bad = 0
    while time.monotonic() < end:
        name = user % random.randint(1, int(n)) if n else user
        try:
            if imap_login(host, port, name, password).startswith("OK"):
                ok += 1
            else:
                bad += 1
        except (OSError, EOFError):
            bad += 1
    print(ok, bad)
    return 0


def do_crypt(setting):
    name = ctypes.util.find_library("crypt") or "libcrypt.so.1"
    lib = ctypes.CDLL(name)
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    pw = sys.stdin.readline().rstrip("\n")
    out = lib.crypt(pw.encode(), setting.encode())
    if not out or out.startswith(b"*"):
        sys.stderr.write("mailclient: crypt failed\n")
        return 1
    print(out.decode())
    return 0


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    src = None
    if args[:1] == ["-s"]:
        src, args = args[1], args[2:]
    try:
        if cmd == "wait" and len(args) in (2, 3):
            return wait(args[0], args[1], args[2] if len(args) == 3 else 10)
        if cmd == "freeport" and len(args) <= 1:
            return freeport(args[0] if args else "127.0.0.1")
        if cmd == "imap" and len(args) == 4:
            print(imap_login(*args, src=src))
            return 0
        if cmd == "pop3" and len(args) == 4:
            print(pop3_login(*args, src=src))
            return 0
        if cmd == "imap-bench" and len(args) in (5, 6):
            return imap_bench(*args)
        if cmd == "crypt" and len(args) == 1:
            return do_crypt(args[0])
    except (OSError, EOFError) as e:
        sys.stderr.write("mailclient: %s: %s\n" % (cmd, e))
        return 1
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
