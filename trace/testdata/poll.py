"""poll.py: a polling load for the strace exactness corpus, in Python.

Python's select.select is glibc's select (the pselect6 system call),
select.poll is poll, select.epoll is epoll_wait, time.sleep is
clock_nanosleep, and signal.setitimer drives SIGALRM. A thread blocks in
each of them while the main thread feeds it through a pipe and a TCP
connection on the loopback, so strace -f prints their return comments
("(in [N], left {...})", "([{fd=N, revents=POLLIN}])", "(Timeout)") on
resumed lines too; -y/-yy decorate the socket, pipe, memfd and deleted-file
returns.
"""
import os
import select
import signal
import socket
import tempfile
import threading
import time

r, w = os.pipe()
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()


def waiter():
    for _ in range(3):
        select.select([r], [], [], 5)  # pselect6 ... = 1 (in [N], left {...})
        os.read(r, 1)
        select.select([conn], [], [])  # = 1 (in [N])
        conn.recv(1)
        p = select.poll()
        p.register(r, select.POLLIN)
        p.poll(5000)  # = 1 ([{fd=N, revents=POLLIN}])
        os.read(r, 1)
        e = select.epoll()
        e.register(conn.fileno(), select.EPOLLIN)
        e.poll(5)
        conn.recv(1)
        e.close()


t = threading.Thread(target=waiter)
t.start()
for i in range(3):
    for sink in (lambda: os.write(w, b"p"), lambda: cli.send(b"s")) * 2:
        time.sleep(0.01)
        sink()
t.join()

select.select([r], [], [], 0.001)  # = 0 (Timeout)
select.select([], [w, cli], [], 1)  # = 2 (out [N M], left {...})
p = select.poll()
p.register(r, select.POLLIN)
p.poll(1)  # = 0 (Timeout)
p.register(w, select.POLLOUT)
p.poll(10)  # = 1 ([{fd=N, revents=POLLOUT}])

signal.signal(signal.SIGALRM, lambda *a: None)
signal.setitimer(signal.ITIMER_REAL, 0.002)
time.sleep(0.05)  # = ? ERESTART_RESTARTBLOCK, then Python sleeps again
signal.setitimer(signal.ITIMER_REAL, 0.002)
try:
    select.select([r], [], [], 0.05)  # = ? ERESTARTNOHAND, then retried
except InterruptedError:
    pass
signal.setitimer(signal.ITIMER_REAL, 0)

m = os.memfd_create("py")  # = N</memfd:py>(deleted)
os.write(m, b"x")
os.dup(m)
fd, path = tempfile.mkstemp()
os.unlink(path)
os.write(fd, b"gone")  # write(N</tmp/tmpXXXX>(deleted), ...)
os.dup(fd)
u = socket.socket(socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET, socket.SOCK_DGRAM)
u.close()
for s in (cli, conn, srv):
    s.close()
