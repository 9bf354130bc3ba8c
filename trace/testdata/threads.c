/* threads.c: a multi-threaded load for the strace exactness corpus.
 * Eight threads pass tokens through pipes and sleep briefly, so strace -f
 * prints many <unfinished ...> / <... resumed> pairs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#define NT 8
#define ROUNDS 40

static int pipes[NT][2];

static void *worker(void *arg) {
	long id = (long)arg;
	char c = 'x';
	struct timespec ts = {0, 100000};
	for (int i = 0; i < ROUNDS; i++) {
		if (read(pipes[id][0], &c, 1) != 1)
			break;
		nanosleep(&ts, NULL);
		if (write(pipes[(id + 1) % NT][1], &c, 1) != 1)
			break;
		int fd = open("/etc/hostname", O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

int main(void) {
	pthread_t t[NT];
	for (int i = 0; i < NT; i++)
		if (pipe(pipes[i]) != 0)
			return 1;
	for (long i = 0; i < NT; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	char c = 't';
	if (write(pipes[0][1], &c, 1) != 1)
		return 1;
	for (int i = 0; i < NT; i++)
		pthread_join(t[i], NULL);
	fprintf(stderr, "threads: done\n");
	return 0;
}
