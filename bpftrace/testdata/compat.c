// compat opens and reads the file argv[1] names (/etc/shadow without one)
// through the i386 entry point (int $0x80) from a 64-bit program. Built with -static -no-pie, its
// data lies below 4 GiB, where the 32-bit calls can point.
#include <string.h>

static char path[256];
static char buf[64];

static long call32(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

int main(int argc, char **argv)
{
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
