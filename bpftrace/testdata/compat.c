// compat opens and reads the file argv[1] names (/etc/shadow without one)
// through the i386 entry point (int $0x80) from a 64-bit program. Built
// with -static -no-pie, its data lies below 4 GiB, where the 32-bit calls
// can point. With a second argument "refuse", it first installs a seccomp
// filter that refuses every i386 call with ENOSYS, as detector's sandbox
// does, and makes an i386 getpid too.
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>

static char path[256];
static char buf[64];

static long call32(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static int refuse_i386(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
	struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[2], "refuse") == 0) {
		if (refuse_i386())
			return 3;
		if (call32(20, 0, 0, 0) != -ENOSYS) // i386 getpid
			return 4;
	}
	const char *name = argc < 2 ? "/etc/shadow" : argv[1];
	if (strlen(name) >= sizeof(path))
		return 2;
	strcpy(path, name);
	long fd = call32(5, (long)path, 0, 0); // i386 open(path, O_RDONLY)
	if (fd < 0)
		return 1;
	call32(3, fd, (long)buf, sizeof(buf)); // i386 read
	call32(6, fd, 0, 0);                   // i386 close
	return 0;
}
