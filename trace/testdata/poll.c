/* poll.c: a polling and timer load for the strace exactness corpus.
 *
 * It makes strace print every kind of return comment and return
 * decoration it has: "(Timeout)", "(in [3], left {...})", "(out [4], left
 * {...})", "([{fd=3, revents=POLLIN}], left {...})", fcntl's "(flags ...)",
 * "(seals ...)", personality's and the scheduler's names, time's date,
 * "(errno 1000)" for an errno strace has no name for, the ERESTART* notes
 * of interrupted calls and restart_syscall, returns decorated by -y/-yy
 * (socket, TCP, TCPv6, UDP, UNIX, NETLINK, pipe, anon_inode, pidfd, memfd
 * and deleted files, which -y prints as "<path>(deleted)"), and, with -f,
 * such returns on "<... resumed>" lines of threads blocked in select,
 * pselect6, poll, ppoll, epoll_wait and epoll_pwait.
 *
 * Every call is checked only loosely: the program is a load, not a test. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int pin[2], pout[2]; /* a thread blocks reading pin; main feeds it */

static void msleep(long ms) {
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* waiter blocks in each polling call in turn; main wakes it by writing a
 * byte to pin, so strace -f prints the calls unfinished and resumed. */
static void *waiter(void *arg) {
	(void)arg;
	char c;
	for (int round = 0; round < 3; round++) {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(pin[0], &r);
		struct timeval tv = {5, 0};
		if (syscall(SYS_select, pin[0] + 1, &r, NULL, NULL, &tv) > 0)
			read(pin[0], &c, 1);

		FD_ZERO(&r);
		FD_SET(pin[0], &r);
		fd_set w;
		FD_ZERO(&w);
		FD_SET(pout[1], &w);
		struct timespec ts = {5, 0};
		/* pout is writable at once: "(out [N], left {...})" */
		pselect(pout[1] + 1, NULL, &w, NULL, &ts, NULL);
		FD_ZERO(&r);
		FD_SET(pin[0], &r);
		if (pselect(pin[0] + 1, &r, NULL, NULL, &ts, NULL) > 0)
			read(pin[0], &c, 1);

		struct pollfd p = {pin[0], POLLIN, 0};
		if (poll(&p, 1, 5000) > 0)
			read(pin[0], &c, 1);
		if (ppoll(&p, 1, &ts, NULL) > 0)
			read(pin[0], &c, 1);

		int ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = pin[0]};
		epoll_ctl(ep, EPOLL_CTL_ADD, pin[0], &ev);
		struct epoll_event out[4];
		if (syscall(SYS_epoll_wait, ep, out, 4, 5000) > 0)
			read(pin[0], &c, 1);
		sigset_t none;
		sigemptyset(&none);
		if (epoll_pwait(ep, out, 4, 5000, &none) > 0)
			read(pin[0], &c, 1);
		close(ep);
	}
	return NULL;
}

static void on_alarm(int sig) { (void)sig; }

static void polls(void) {
	/* Timeouts first, without a waiting thread. */
	fd_set r, w;
	FD_ZERO(&r);
	FD_SET(pin[0], &r);
	struct timeval tv0 = {0, 1000};
	/* glibc's select is pselect6; the select system call itself: */
	syscall(SYS_select, pin[0] + 1, &r, NULL, NULL, &tv0); /* (Timeout) */
	struct timespec ts0 = {0, 1000000};
	FD_ZERO(&r);
	FD_SET(pin[0], &r);
	pselect(pin[0] + 1, &r, NULL, NULL, &ts0, NULL);
	struct pollfd p[2] = {{pin[0], POLLIN, 0}, {pout[1], POLLOUT, 0}};
	poll(p, 1, 1);
	ppoll(p, 1, &ts0, NULL);
	/* Ready at once: in and out sets, two revents. */
	write(pin[1], "xy", 2);
	FD_ZERO(&r);
	FD_SET(pin[0], &r);
	FD_ZERO(&w);
	FD_SET(pout[1], &w);
	struct timeval tv = {1, 0};
	syscall(SYS_select, pout[1] + 1, &r, &w, NULL, &tv); /* (in [3], out [6], left {...}) */
	FD_ZERO(&r);
	FD_SET(pin[0], &r);
	syscall(SYS_select, pin[0] + 1, &r, NULL, NULL, NULL); /* (in [3]) */
	FD_ZERO(&w);
	FD_SET(pout[1], &w);
	tv.tv_sec = 1;
	syscall(SYS_select, pout[1] + 1, NULL, &w, NULL, &tv); /* (out [6], left {...}) */
	struct timespec ts = {1, 0};
	FD_ZERO(&r);
	FD_SET(pin[0], &r);
	FD_ZERO(&w);
	FD_SET(pout[1], &w);
	pselect(pout[1] + 1, &r, &w, NULL, &ts, NULL);
	poll(p, 2, 1000);     /* ([{fd=3, revents=POLLIN}, {fd=6, revents=POLLOUT}]) */
	ppoll(p, 2, &ts, NULL); /* ([...], left {...}) */
	ppoll(p, 2, NULL, NULL);
	char buf[8];
	read(pin[0], buf, sizeof buf);

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = 42};
	epoll_ctl(ep, EPOLL_CTL_ADD, pout[1], &ev);
	struct epoll_event out[4];
	epoll_wait(ep, out, 4, 0);
	epoll_ctl(ep, EPOLL_CTL_DEL, pout[1], NULL);
	epoll_wait(ep, out, 4, 1); /* 0: epoll prints no Timeout */
	close(ep);
}

static void timers(void) {
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = {{0, 0}, {0, 2000000}}, old;
	timerfd_settime(tfd, 0, &its, &old);
	timerfd_gettime(tfd, &old);
	unsigned long long n;
	read(tfd, &n, sizeof n);
	struct pollfd p = {tfd, POLLIN, 0};
	timerfd_settime(tfd, 0, &its, NULL);
	poll(&p, 1, 1000);
	close(tfd);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART: calls fail or restart */
	sigaction(SIGALRM, &sa, NULL);

	/* The timer repeats: when the first expiry comes before the call
	 * starts (strace stops the process at every call, and a loaded
	 * machine is slow to run it again), the next one interrupts the
	 * call, so read and pause cannot block for ever. */
	struct itimerval iv = {{0, 5000}, {0, 3000}}, off = {{0, 0}, {0, 0}}, oiv;
	setitimer(ITIMER_REAL, &iv, &oiv);
	getitimer(ITIMER_REAL, &oiv);
	struct timespec longer = {1, 0};
	nanosleep(&longer, NULL); /* = ? ERESTART_RESTARTBLOCK, then EINTR or restart_syscall */
	setitimer(ITIMER_REAL, &off, NULL);
	setitimer(ITIMER_REAL, &iv, NULL);
	char c;
	read(pin[0], &c, 1); /* = ? ERESTARTSYS */
	setitimer(ITIMER_REAL, &off, NULL);
	setitimer(ITIMER_REAL, &iv, NULL);
	pause(); /* = ? ERESTARTNOHAND */
	setitimer(ITIMER_REAL, &off, NULL);
	alarm(0);

	timer_t tid;
	struct sigevent se;
	memset(&se, 0, sizeof se);
	se.sigev_notify = SIGEV_SIGNAL;
	se.sigev_signo = SIGALRM;
	timer_create(CLOCK_MONOTONIC, &se, &tid);
	struct itimerspec t2 = {{0, 0}, {0, 2000000}}, o2;
	timer_settime(tid, 0, &t2, &o2);
	timer_gettime(tid, &o2);
	clock_nanosleep(CLOCK_MONOTONIC, 0, &longer, NULL);
	timer_getoverrun(tid);
	timer_delete(tid);

	/* A signal whose default action is to be ignored does not run a
	 * handler, so the kernel restarts the sleep: restart_syscall. */
	pid_t kid = fork();
	if (kid == 0) {
		struct timespec s = {0, 200000000};
		syscall(SYS_nanosleep, &s, NULL);
		_exit(0);
	}
	msleep(50);
	kill(kid, SIGWINCH);
	waitpid(kid, NULL, 0);
}

static void sockets(void) {
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	bind(l, (struct sockaddr *)&a, sizeof a);
	listen(l, 4);
	getsockname(l, (struct sockaddr *)&a, &al);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof a);
	int s = accept4(l, NULL, NULL, SOCK_CLOEXEC); /* = 5<TCP:[127.0.0.1:P->127.0.0.1:Q]> */
	write(c, "ping", 4);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(s, &r);
	struct timeval tv = {1, 0};
	select(s + 1, &r, NULL, NULL, &tv);
	char buf[16];
	read(s, buf, sizeof buf);
	int d = dup(s);
	fcntl(s, F_DUPFD_CLOEXEC, 20);
	close(d);
	close(s);
	close(c);
	close(l);

	int l6 = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t a6l = sizeof a6;
	if (bind(l6, (struct sockaddr *)&a6, sizeof a6) == 0) {
		listen(l6, 1);
		getsockname(l6, (struct sockaddr *)&a6, &a6l);
		int c6 = socket(AF_INET6, SOCK_STREAM, 0);
		connect(c6, (struct sockaddr *)&a6, sizeof a6);
		int s6 = accept(l6, NULL, NULL); /* <TCPv6:[[::1]:P->[::1]:Q]> */
		close(s6);
		close(c6);
	}
	close(l6);

	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t ual = sizeof ua;
	bind(u, (struct sockaddr *)&ua, sizeof ua);
	getsockname(u, (struct sockaddr *)&ua, &ual);
	sendto(u, "d", 1, 0, (struct sockaddr *)&ua, sizeof ua);
	struct mmsghdr mm;
	struct iovec iov = {buf, sizeof buf};
	memset(&mm, 0, sizeof mm);
	mm.msg_hdr.msg_iov = &iov;
	mm.msg_hdr.msg_iovlen = 1;
	struct timespec ts = {0, 1000000};
	recvmmsg(u, &mm, 1, 0, &ts); /* 1 (left {...}) */
	recvmmsg(u, &mm, 1, MSG_DONTWAIT, &ts); /* -1 EAGAIN */
	close(u);

	int sp[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp); /* [3<UNIX:[A->B]>, 4<UNIX:[B->A]>] */
	write(sp[0], "u", 1);
	struct pollfd p = {sp[1], POLLIN, 0};
	poll(&p, 1, 100);
	read(sp[1], buf, 1);
	close(sp[0]);
	close(sp[1]);

	int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl na = {.nl_family = AF_NETLINK};
	bind(nl, (struct sockaddr *)&na, sizeof na); /* <NETLINK:[ROUTE:PID]> */
	close(nl);
}

static void fds(void) {
	int m = syscall(SYS_memfd_create, "corpus", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	write(m, "memfd", 5);
	fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK);
	fcntl(m, F_GET_SEALS); /* = 0x2 (seals F_SEAL_SHRINK) */
	fcntl(m, F_GETFD);     /* = 0x1 (flags FD_CLOEXEC) */
	fcntl(m, F_GETFL);     /* = 0x8002 (flags O_RDWR|O_LARGEFILE) */
	lseek(m, 0, SEEK_SET);
	int m2 = syscall(SYS_memfd_create, "", 0); /* = 4</memfd:>(deleted) */
	int m3 = dup(m2);
	close(m3);
	close(m2);
	close(m);

	char path[] = "/tmp/corpus-poll-XXXXXX";
	int t = mkstemp(path);
	unlink(path);
	write(t, "gone", 4);
	fstat(t, &(struct stat){0});
	int t2 = dup(t); /* = 5</tmp/corpus-poll-XXXXXX>(deleted) */
	close(t2);
	close(t);

	int e = eventfd(1, EFD_CLOEXEC);
	unsigned long long v;
	read(e, &v, sizeof v);
	close(e);
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	int sf = signalfd(-1, &ss, SFD_CLOEXEC);
	raise(SIGUSR1);
	struct signalfd_siginfo si;
	read(sf, &si, sizeof si);
	close(sf);
	int in = inotify_init1(IN_CLOEXEC);
	inotify_add_watch(in, "/tmp", IN_CREATE);
	close(in);
	int pf = syscall(SYS_pidfd_open, getpid(), 0); /* = 3<pid:N> with -yy */
	close(pf);
	int nul = open("/dev/null", O_WRONLY); /* = 3</dev/null<char 1:3>> with -yy */
	dup2(nul, 9);
	close(9);
	close(nul);

	/* Return comments of other kinds. */
	umask(022);
	umask(022);                   /* = 022 */
	personality(0xffffffff);      /* = 0 (PER_LINUX) */
	sched_getscheduler(0);        /* = 0 (SCHED_OTHER) */
	prctl(PR_GET_DUMPABLE);       /* = 1 (SUID_DUMP_USER) */
	syscall(SYS_ioprio_get, 1, 0);
	syscall(SYS_time, NULL);      /* = N (YYYY-MM-DDTHH:MM:SS+0000) */
	struct timex tx = {0};
	adjtimex(&tx);                /* = 0 (TIME_OK) */
	fcntl(0, F_GETSIG);
	syscall(0x3e7, 1, 2);         /* syscall_0x3e7(...) = -1 ENOSYS */
}

/* errnos: a child forbids getppid and getpgrp with errnos strace has no
 * name for, so strace prints "= -1 (errno 1000)". */
static void errnos(void) {
	pid_t kid = fork();
	if (kid != 0) {
		waitpid(kid, NULL, 0);
		return;
	}
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1000),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgrp, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 4095),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0) {
		syscall(SYS_getppid);
		syscall(SYS_getppid);
		syscall(SYS_getpgrp);
	}
	_exit(0);
}

int main(void) {
	if (pipe(pin) != 0 || pipe(pout) != 0)
		return 1;
	polls();
	timers();
	sockets();
	fds();
	errnos();

	pthread_t t;
	pthread_create(&t, NULL, waiter, NULL);
	for (int i = 0; i < 3 * 6; i++) {
		msleep(15);
		write(pin[1], "w", 1);
	}
	pthread_join(t, NULL);
	fprintf(stderr, "poll: done\n");
	return 0;
}
