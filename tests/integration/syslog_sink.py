# A private syslog receiver for the fail2ban test: reads datagrams on a
# unix socket and writes them as a syslog daemon would, one per line:
#   "Mmm dd hh:mm:ss HOST ident[pid]: message"
import os, socket, sys

path, out = sys.argv[1], sys.argv[2]
host = socket.gethostname().split('.')[0]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, 'a', buffering=1) as f:
    print('ready', flush=True)
    while True:
        data = s.recv(65536).decode('utf-8', 'replace').rstrip('\n\0')
        if data.startswith('<'):
            data = data[data.index('>') + 1:]
        # glibc: "Mmm dd hh:mm:ss ident[pid]: msg" -> insert the host
        f.write(data[:15] + ' ' + host + data[15:] + '\n')
