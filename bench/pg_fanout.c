/*
 * pg_fanout — cross-replica live-event latency: N idle SSE clients on one replica, one
 * write on another, and the time until every client has the event.
 *
 *   pg_fanout -p CLIENT_PORT -q TRIGGER_PORT [-H HOST] [-n CLIENTS] [-u STREAM_PATH]
 *             -T TRIGGER_PATH [-b TRIGGER_BODY] [-c INFLIGHT] [-w SECONDS]
 *
 * 1. CLIENTS connections to HOST:CLIENT_PORT each send `GET STREAM_PATH` and read the
 *    response head (200 required), at most INFLIGHT connecting at a time;
 * 2. after one quiet second, one POST of TRIGGER_BODY to HOST:TRIGGER_PORT TRIGGER_PATH;
 *    the clock starts just before that write;
 * 3. each client's latency is the time until a `data:` line reaches it.
 * The same port for -p and -q measures a single server (the SQLite figure beside).
 * Every phase has a deadline (-w, default 30 s).  Last line:
 *   RESULT clients=.. connected=.. received=.. missing=.. trigger_status=.. p50_ms=..
 *          p99_ms=.. max_ms=..
 * Standalone for bench/pg_bench.sh (bench/sse_clients.c triggers on its clients' port).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum cstate { C_NEW, C_CONNECTING, C_HEAD, C_IDLE, C_DONE, C_FAILED };

struct client {
	int fd;
	enum cstate state;
	char head[1024];
	size_t headlen;
	char tail[8]; /* the last bytes seen, so "\ndata:" split across reads is found */
	size_t taillen;
	double latency_ms;
};

static const char *host = "127.0.0.1";
static int cport, tport;
static long nclients = 2000;
static const char *stream_path = "/api/v1/stream";
static const char *trigger_path;
static const char *trigger_body = "{\"text\":\"cross-replica fan-out benchmark\",\"type\":\"action\"}";
static long inflight_max = 200;
static double deadline_s = 30;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long arg_long(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi) {
		fprintf(stderr, "pg_fanout: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static int open_nb(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, host, &sa.sin_addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether "\ndata:" occurs in the client's tail followed by buf[0..n). */
static int saw_data(struct client *c, const char *buf, size_t n)
{
	static const char needle[] = "\ndata:";
	char scan[8 + 4096];
	size_t len = 0, take = n > 4096 ? 4096 : n;
	int found;

	memcpy(scan, c->tail, c->taillen);
	len = c->taillen;
	/* Only the first 4 KiB matter: the event's data line comes right after its id. */
	memcpy(scan + len, buf, take);
	len += take;
	found = memmem(scan, len, needle, sizeof(needle) - 1) != NULL;
	c->taillen = len < 6 ? len : 6;
	memcpy(c->tail, scan + len - c->taillen, c->taillen);
	return found;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct client *cl;
	struct epoll_event ev, evs[512];
	char req[1024], buf[65536];
	int ep, opt, tfd = -1, trigger_status = 0;
	long next = 0, inflight = 0, connected = 0, failed = 0, received = 0;
	double t_trigger = 0, deadline;
	int triggered = 0;

	while ((opt = getopt(argc, argv, "H:p:q:n:u:T:b:c:w:")) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case 'p': cport = (int)arg_long(optarg, 1, 65535, "port"); break;
		case 'q': tport = (int)arg_long(optarg, 1, 65535, "port"); break;
		case 'n': nclients = arg_long(optarg, 1, 1000000, "client count"); break;
		case 'u': stream_path = optarg; break;
		case 'T': trigger_path = optarg; break;
		case 'b': trigger_body = optarg; break;
		case 'c': inflight_max = arg_long(optarg, 1, 100000, "inflight"); break;
		case 'w': deadline_s = (double)arg_long(optarg, 1, 3600, "deadline"); break;
		default:
			fprintf(stderr, "usage: pg_fanout -p CLIENT_PORT -q TRIGGER_PORT -T PATH [-n N]\n");
			return 2;
		}
	}
	if (!cport || !tport || !trigger_path) {
		fprintf(stderr, "pg_fanout: -p, -q and -T are required\n");
		return 2;
	}
	cl = calloc((size_t)nclients, sizeof(*cl));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (cl == NULL || ep < 0)
		return 1;
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n\r\n", stream_path,
		 host, cport);

	/* 1. connect everyone */
	deadline = now_ms() + deadline_s * 1e3;
	while ((connected + failed < nclients) && now_ms() < deadline) {
		while (next < nclients && inflight < inflight_max) {
			struct client *c = &cl[next];

			c->fd = open_nb(cport);
			if (c->fd < 0) {
				c->state = C_FAILED;
				failed++;
			} else {
				c->state = C_CONNECTING;
				ev.events = EPOLLOUT | EPOLLIN;
				ev.data.u64 = (uint64_t)next;
				epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
				inflight++;
			}
			next++;
		}
		int n = epoll_wait(ep, evs, 512, 100);

		for (int i = 0; i < n; i++) {
			struct client *c = &cl[evs[i].data.u64];

			if (c->state == C_CONNECTING && (evs[i].events & EPOLLOUT)) {
				int err = 0;
				socklen_t el = sizeof(err);

				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err || write(c->fd, req, strlen(req)) != (ssize_t)strlen(req)) {
					c->state = C_FAILED;
					failed++;
					inflight--;
					close(c->fd);
					continue;
				}
				c->state = C_HEAD;
				ev.events = EPOLLIN;
				ev.data.u64 = evs[i].data.u64;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			} else if (c->state == C_HEAD && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
				ssize_t r = read(c->fd, c->head + c->headlen, sizeof(c->head) - 1 - c->headlen);

				if (r <= 0) {
					c->state = C_FAILED;
					failed++;
					inflight--;
					close(c->fd);
					continue;
				}
				c->headlen += (size_t)r;
				c->head[c->headlen] = '\0';
				if (strstr(c->head, "\r\n\r\n")) {
					inflight--;
					if (strncmp(c->head, "HTTP/1.1 200", 12) != 0) {
						c->state = C_FAILED;
						failed++;
						close(c->fd);
					} else {
						c->state = C_IDLE;
						connected++;
					}
				} else if (c->headlen + 1 >= sizeof(c->head)) {
					c->state = C_FAILED;
					failed++;
					inflight--;
					close(c->fd);
				}
			}
		}
	}
	/* one quiet second: drain the stream preambles */
	for (double quiet = now_ms() + 1000; now_ms() < quiet;) {
		int n = epoll_wait(ep, evs, 512, 100);

		for (int i = 0; i < n; i++) {
			struct client *c = &cl[evs[i].data.u64];

			if (c->state == C_IDLE && read(c->fd, buf, sizeof(buf)) == 0) {
				c->state = C_FAILED;
				connected--;
				close(c->fd);
			}
		}
	}

	/* 2. the write on the other replica */
	if (connected > 0) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)tport)};
		char post[2048];
		int len = snprintf(post, sizeof(post),
				   "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
				   "X-MajorOps-Actor: bench\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
				   trigger_path, host, tport, strlen(trigger_body), trigger_body);

		tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		inet_pton(AF_INET, host, &sa.sin_addr);
		if (tfd >= 0 && connect(tfd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			t_trigger = now_ms();
			if (write(tfd, post, (size_t)len) == len) {
				triggered = 1;
				fcntl(tfd, F_SETFL, O_NONBLOCK);
				ev.events = EPOLLIN;
				ev.data.u64 = UINT64_MAX;
				epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
			}
		}
	}

	/* 3. until every connected client has the event */
	deadline = now_ms() + deadline_s * 1e3;
	while (triggered && received < connected && now_ms() < deadline) {
		int n = epoll_wait(ep, evs, 512, 100);
		double t = now_ms();

		for (int i = 0; i < n; i++) {
			ssize_t r;

			if (evs[i].data.u64 == UINT64_MAX) {
				r = read(tfd, buf, sizeof(buf) - 1);
				if (r > 0 && trigger_status == 0) {
					buf[r] = '\0';
					sscanf(buf, "HTTP/1.%*d %d", &trigger_status);
				}
				if (r <= 0) {
					epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL);
				}
				continue;
			}
			struct client *c = &cl[evs[i].data.u64];

			if (c->state != C_IDLE)
				continue;
			r = read(c->fd, buf, sizeof(buf));
			if (r <= 0) {
				c->state = C_FAILED;
				close(c->fd);
				continue;
			}
			if (saw_data(c, buf, (size_t)r)) {
				c->latency_ms = t - t_trigger;
				c->state = C_DONE;
				received++;
			}
		}
	}

	/* results */
	double *lat = calloc((size_t)(received > 0 ? received : 1), sizeof(double));
	long k = 0;

	for (long i = 0; i < nclients; i++)
		if (cl[i].state == C_DONE)
			lat[k++] = cl[i].latency_ms;
	qsort(lat, (size_t)k, sizeof(double), cmp_double);
	printf("RESULT clients=%ld connected=%ld received=%ld missing=%ld trigger_status=%d "
	       "p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
	       nclients, connected, received, connected - received, trigger_status,
	       k ? lat[k / 2] : -1.0, k ? lat[(k * 99) / 100 < k ? (k * 99) / 100 : k - 1] : -1.0,
	       k ? lat[k - 1] : -1.0);
	for (long i = 0; i < nclients; i++)
		if (cl[i].state == C_IDLE || cl[i].state == C_DONE || cl[i].state == C_HEAD)
			close(cl[i].fd);
	if (tfd >= 0)
		close(tfd);
	free(lat);
	free(cl);
	close(ep);
	return received == connected && connected > 0 ? 0 : 1;
}
