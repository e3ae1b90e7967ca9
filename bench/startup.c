/*
 * startup — times exec of a server to its first HTTP 200, many times over.
 *
 *   startup -p PORT [-H HOST] [-u PATH] [-n REPS] [-l LOGFILE] [-w SECONDS] -- CMD ARGS...
 *
 * Each repetition: take the clock, fork and exec CMD (output appended to LOGFILE, default
 * /dev/null), then connect to HOST:PORT and send `GET PATH` (default /healthz) over and
 * over, 200 µs apart, until one answer's status line says 200 — that instant minus the
 * first is the sample.  Then SIGTERM (SIGKILL after 5 s) and wait, so the next repetition
 * starts with the port free.  Each repetition is bounded by -w (default 10 s).
 * The last line is `RESULT n=.. ok=.. median_ms=.. p90_ms=.. max_ms=.. min_ms=..`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void nap_us(long us)
{
	struct timespec ts = {0, us * 1000};

	nanosleep(&ts, NULL);
}

/* One attempt: 200 → 1, any other answer or no listener → 0. */
static int probe(struct sockaddr_in *sa, const char *req, size_t len)
{
	struct timeval tv = {1, 0};
	char buf[256];
	int fd, status = 0;
	ssize_t n;
	size_t got = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)sa, sizeof *sa) != 0)
		goto out;
	if (write(fd, req, len) != (ssize_t)len)
		goto out;
	while (got < sizeof buf - 1) {
		n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strchr(buf, '\n') != NULL)
			break;
	}
	buf[got] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
out:
	close(fd);
	return status == 200;
}

static void stop_child(pid_t pid)
{
	double deadline;
	int st;

	kill(pid, SIGTERM);
	deadline = now_ms() + 5000;
	while (now_ms() < deadline) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		nap_us(1000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *path = "/healthz", *logfile = "/dev/null";
	struct sockaddr_in sa;
	char req[512];
	double *samples, limit_s = 10;
	int opt, port = 0, reps = 20, ok = 0;
	size_t len;

	while ((opt = getopt(argc, argv, "+H:p:u:n:l:w:")) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'u': path = optarg; break;
		case 'n': reps = atoi(optarg); break;
		case 'l': logfile = optarg; break;
		case 'w': limit_s = atof(optarg); break;
		default: goto usage;
		}
	}
	if (port <= 0 || reps <= 0 || optind >= argc)
		goto usage;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		goto usage;
	len = (size_t)snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n",
	                       path, host, port);
	samples = calloc((size_t)reps, sizeof *samples);
	if (samples == NULL)
		return 1;
	if (probe(&sa, req, len)) {
		fprintf(stderr, "startup: something already answers on %s:%d\n", host, port);
		return 1;
	}
	for (int r = 0; r < reps; r++) {
		double t0, deadline, t = -1;
		pid_t pid;

		t0 = now_ms();
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			int fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT, 0644);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
			prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the timer */
			execvp(argv[optind], argv + optind);
			_exit(127);
		}
		deadline = t0 + limit_s * 1e3;
		while (now_ms() < deadline) {
			int st;

			if (probe(&sa, req, len)) {
				t = now_ms() - t0;
				break;
			}
			if (waitpid(pid, &st, WNOHANG) == pid) {
				pid = 0;
				break;
			}
			nap_us(200);
		}
		if (pid > 0)
			stop_child(pid);
		if (t >= 0) {
			samples[ok++] = t;
			fprintf(stderr, "startup: run %d: %.2f ms\n", r + 1, t);
		} else {
			if (pid == 0)
				fprintf(stderr, "startup: run %d: the server exited before answering 200\n", r + 1);
			else
				fprintf(stderr, "startup: run %d: no 200 within %.0f s\n", r + 1, limit_s);
		}
	}
	if (ok == 0) {
		printf("RESULT n=%d ok=0 median_ms=-1 p90_ms=-1 max_ms=-1 min_ms=-1\n", reps);
		return 1;
	}
	qsort(samples, (size_t)ok, sizeof *samples, cmp_double);
	printf("RESULT n=%d ok=%d median_ms=%.2f p90_ms=%.2f max_ms=%.2f min_ms=%.2f\n", reps, ok,
	       ok % 2 ? samples[ok / 2] : (samples[ok / 2 - 1] + samples[ok / 2]) / 2,
	       samples[(size_t)((ok - 1) * 0.9)], samples[ok - 1], samples[0]);
	free(samples);
	return 0;

usage:
	fprintf(stderr, "usage: startup -p PORT [-H HOST] [-u PATH] [-n REPS] [-l LOG] [-w SECONDS] -- CMD ARGS...\n");
	return 2;
}
