# A private syslog receiver for the tests: reads datagrams on a unix
# socket and writes them one per line.
#   syslog_sink.py [--raw] SOCKET FILE [PARENT_PID]
# By default each line is as a syslog daemon writes it, for fail2ban:
#   "Mmm dd hh:mm:ss HOST ident[pid]: message"
# --raw keeps the datagram as it came ("<PRI>" included, so that a test
# can check the level).  With PARENT_PID, the receiver leaves when that
# process is no longer its parent, even if it was killed.
import os, socket, sys

args = sys.argv[1:]
raw = args[:1] == ['--raw']
if raw:
    args = args[1:]
path, out = args[0], args[1]
parent = int(args[2]) if len(args) > 2 else None
host = socket.gethostname().split('.')[0]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
if parent is not None:
    s.settimeout(0.5)
with open(out, 'a', buffering=1) as f:
    print('ready', flush=True)
    while parent is None or os.getppid() == parent:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        data = data.decode('utf-8', 'replace').rstrip('\n\0')
        if raw:
            f.write(data.replace('\n', ' ') + '\n')
            continue
        if data.startswith('<'):
            data = data[data.index('>') + 1:]
        # glibc: "Mmm dd hh:mm:ss ident[pid]: msg" -> insert the host
        f.write(data[:15] + ' ' + host + data[15:] + '\n')
