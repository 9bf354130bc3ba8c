# exit32 is an i386 program that exits at once (int $0x80 exit(0)), built
# with as --32 and ld -m elf_i386: no 32-bit C library needed.
.globl _start
_start:
	movl $1, %eax
	xorl %ebx, %ebx
	int $0x80
