/*
 * sse_clients — opens many idle Server-Sent-Events connections, measures the server's
 * memory per idle client, then fires one event and times its fan-out to every client.
 *
 *   sse_clients -p PORT [-H HOST] [-n CLIENTS] [-u PATH] [-P PID] [-T TRIGGER_PATH]
 *               [-b TRIGGER_BODY] [-E EVENTS] [-c INFLIGHT] [-w SECONDS] [-K]
 *
 * Phases (one thread, epoll, non-blocking sockets):
 *   1. RSS of PID (plus its direct children, so an nginx master with its workers counts
 *      whole) is read from /proc/PID/status VmRSS with no clients connected;
 *   2. CLIENTS connections are opened, at most INFLIGHT still connecting at a time; each
 *      sends `GET PATH` and reads the response headers (status 200 required);
 *   3. after one quiet second the RSS is read again: (rss1 - rss0) / connected is the
 *      memory the server spends per idle client;
 *   4. with -T, one POST to TRIGGER_PATH goes out on its own connection; the time from just
 *      before that write until each client has received a complete SSE event carrying a
 *      `data:` field is that client's latency.  Chunked transfer coding is decoded.
 *      With -E N (default 1, at most 32) that is done N times, one event after another;
 *      the event whose slowest client is the median of the N speaks for the run (p50,
 *      p99, max) and `max_ms_each` lists every event's max.
 * -K (reference mode) sends a plain keep-alive GET and only holds the connections idle.
 * Every phase has a deadline (-w, default 30 s), so the run is bounded in time and count.
 * The last line is machine-readable: `RESULT key=value ...`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HDR_MAX 4096

enum cstate {
	C_NEW,        /* not yet opened */
	C_CONNECTING, /* connect(2) in progress */
	C_HEADERS,    /* request sent, reading response headers */
	C_IDLE,       /* headers read; waiting for the event */
	C_DONE,       /* event received (or, in -K mode, never used) */
	C_FAILED      /* refused, reset, closed or answered other than 200 */
};

enum chunk_state { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_END };

struct client {
	int fd;
	enum cstate state;
	size_t req_off;     /* bytes of the request already written */
	char *hdr;          /* header bytes until the blank line */
	size_t hdr_len;
	int chunked;
	enum chunk_state ch;
	uint64_t ch_left;
	/* SSE line scanner */
	size_t line_len;
	int line_is_data;   /* the current line starts with "data:" */
	char line_head[5];
	int event_has_data;
	long events_before; /* complete events seen before the trigger */
	double latency_ms;
};

static struct client *clients;
static int nclients = 5000;
static const char *host = "127.0.0.1";
static int port;
static const char *path = "/api/v1/stream";
static const char *trigger_path;
static const char *trigger_body = "{\"text\":\"sse fan-out benchmark trigger\",\"type\":\"action\"}";
static int inflight_max = 256;
static double deadline_s = 30.0;
static int keepalive_mode;
static long watch_pid;
static char request[1024];
static size_t request_len;
static int triggered;
static double t_trigger;
static int nevents = 1;

#define MAX_EVENTS 32

struct round {
	long received, missing;
	double p50, p99, max; /* over the clients that got the event; -1 when none did */
	double rank;          /* max, or +inf-like when a client missed the event */
};
static struct round rounds[MAX_EVENTS];
static int nrounds;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long rss_of(long pid)
{
	char p[64], line[256];
	FILE *f;
	long kb = -1;

	snprintf(p, sizeof p, "/proc/%ld/status", pid);
	f = fopen(p, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

static long ppid_of(long pid)
{
	char p[64], buf[512];
	FILE *f;
	char *rp;
	size_t n;
	long ppid = -1;

	snprintf(p, sizeof p, "/proc/%ld/stat", pid);
	f = fopen(p, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	rp = strrchr(buf, ')');
	if (rp != NULL && sscanf(rp + 1, " %*c %ld", &ppid) != 1)
		ppid = -1;
	return ppid;
}

/* VmRSS in KiB of `pid` plus its direct children (nginx: master + workers). */
static long rss_tree_kib(long pid)
{
	DIR *d;
	struct dirent *de;
	long total;

	total = rss_of(pid);
	if (total < 0)
		return -1;
	d = opendir("/proc");
	if (d == NULL)
		return total;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long child = strtol(de->d_name, &end, 10);
		long r;

		if (*end != '\0' || child <= 0 || child == pid)
			continue;
		if (ppid_of(child) != pid)
			continue;
		r = rss_of(child);
		if (r > 0)
			total += r;
	}
	closedir(d);
	return total;
}

static void usage(void)
{
	fprintf(stderr, "usage: sse_clients -p PORT [-H HOST] [-n CLIENTS] [-u PATH] [-P PID]\n"
	                "                   [-T TRIGGER_PATH] [-b BODY] [-E EVENTS] [-c INFLIGHT] [-w SECONDS] [-K]\n");
	exit(2);
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		perror("setrlimit RLIMIT_NOFILE");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)nclients + 64)
		fprintf(stderr, "sse_clients: RLIMIT_NOFILE %llu is below %d clients\n",
		        (unsigned long long)rl.rlim_cur, nclients);
}

static void fail_client(int ep, struct client *c)
{
	if (c->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	free(c->hdr);
	c->hdr = NULL;
	c->state = C_FAILED;
}

static int open_client(int ep, struct client *c, struct sockaddr_in *sa)
{
	struct epoll_event ev;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("socket");
		c->state = C_FAILED;
		return -1;
	}
	c->fd = fd;
	c->state = C_CONNECTING;
	if (connect(fd, (struct sockaddr *)sa, sizeof *sa) != 0 && errno != EINPROGRESS) {
		fail_client(ep, c);
		return -1;
	}
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = c;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		perror("epoll_ctl");
		fail_client(ep, c);
		return -1;
	}
	return 0;
}

/* Feeds decoded body bytes through the SSE line scanner. */
static void sse_feed(struct client *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];

		if (ch == '\r')
			continue;
		if (ch == '\n') {
			if (c->line_len == 0) {
				if (c->event_has_data) {
					if (triggered) {
						if (c->state == C_IDLE) {
							c->latency_ms = now_ms() - t_trigger;
							c->state = C_DONE;
						}
					} else {
						c->events_before++;
					}
				}
				c->event_has_data = 0;
			} else if (c->line_is_data) {
				c->event_has_data = 1;
			}
			c->line_len = 0;
			c->line_is_data = 0;
			continue;
		}
		if (c->line_len < sizeof c->line_head) {
			c->line_head[c->line_len] = ch;
			if (c->line_len == 4 && memcmp(c->line_head, "data:", 5) == 0)
				c->line_is_data = 1;
		}
		c->line_len++;
	}
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Body bytes, raw from the socket: undo chunked coding if needed.  Returns -1 on a
 * framing error or at the terminating chunk (the stream ended). */
static int body_feed(struct client *c, const char *p, size_t n)
{
	size_t i = 0;

	if (!c->chunked) {
		sse_feed(c, p, n);
		return 0;
	}
	while (i < n) {
		char ch = p[i];
		int h;

		switch (c->ch) {
		case CH_SIZE:
			h = hexval(ch);
			if (h >= 0) {
				c->ch_left = c->ch_left * 16 + (uint64_t)h;
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->ch = CH_EXT;
			} else if (ch == '\r') {
				c->ch = CH_SIZE_LF;
			} else if (ch == '\n') {
				c->ch = c->ch_left ? CH_DATA : CH_END;
			} else {
				return -1;
			}
			i++;
			break;
		case CH_EXT:
			if (ch == '\r')
				c->ch = CH_SIZE_LF;
			else if (ch == '\n')
				c->ch = c->ch_left ? CH_DATA : CH_END;
			i++;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			c->ch = c->ch_left ? CH_DATA : CH_END;
			i++;
			break;
		case CH_DATA: {
			size_t take = n - i;

			if (take > c->ch_left)
				take = (size_t)c->ch_left;
			sse_feed(c, p + i, take);
			i += take;
			c->ch_left -= take;
			if (c->ch_left == 0)
				c->ch = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (ch == '\r') {
				c->ch = CH_DATA_LF;
			} else if (ch == '\n') {
				c->ch = CH_SIZE;
			} else {
				return -1;
			}
			i++;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -1;
			c->ch = CH_SIZE;
			i++;
			break;
		case CH_END:
			return -1;
		}
	}
	return c->ch == CH_END ? -1 : 0;
}

/* Parses the collected header block; returns the status code, sets c->chunked. */
static int parse_headers(struct client *c, size_t end)
{
	int status = 0;
	char *line, *eol;

	if (sscanf(c->hdr, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	line = strstr(c->hdr, "\r\n");
	while (line != NULL && (size_t)(line - c->hdr) < end) {
		line += 2;
		eol = strstr(line, "\r\n");
		if (eol == NULL)
			break;
		if (strncasecmp(line, "transfer-encoding:", 18) == 0) {
			char *v = line + 18;

			while (v < eol && isspace((unsigned char)*v))
				v++;
			if (eol - v >= 7 && strncasecmp(v, "chunked", 7) == 0)
				c->chunked = 1;
		}
		line = eol;
	}
	return status;
}

static char rbuf[65536];

/* Reads what is there; returns -1 when the client failed or closed. */
static int client_read(int ep, struct client *c, long *closed_idle)
{
	for (;;) {
		ssize_t n = read(c->fd, rbuf, sizeof rbuf);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			goto gone;
		}
		if (n == 0)
			goto gone;
		if (c->state == C_HEADERS) {
			size_t take = (size_t)n, keep;
			char *end;

			if (c->hdr == NULL) {
				c->hdr = malloc(HDR_MAX + 1);
				if (c->hdr == NULL)
					goto gone;
			}
			if (take > HDR_MAX - c->hdr_len)
				take = HDR_MAX - c->hdr_len;
			memcpy(c->hdr + c->hdr_len, rbuf, take);
			c->hdr_len += take;
			c->hdr[c->hdr_len] = '\0';
			end = strstr(c->hdr, "\r\n\r\n");
			if (end == NULL) {
				if (c->hdr_len >= HDR_MAX)
					goto gone;
				continue;
			}
			keep = (size_t)(end - c->hdr) + 4;
			if (parse_headers(c, keep) != 200)
				goto gone;
			c->state = C_IDLE;
			/* bytes after the blank line are body */
			if (c->hdr_len > keep && !keepalive_mode &&
			    body_feed(c, c->hdr + keep, c->hdr_len - keep) != 0)
				goto gone;
			if ((size_t)n > take)
				goto gone; /* header block larger than HDR_MAX */
			free(c->hdr);
			c->hdr = NULL;
			continue;
		}
		if (keepalive_mode)
			continue; /* reference mode: discard the small body, stay idle */
		if (body_feed(c, rbuf, (size_t)n) != 0)
			goto gone;
	}
gone:
	if (c->state == C_IDLE || c->state == C_DONE)
		(*closed_idle)++;
	fail_client(ep, c);
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmp_round(const void *a, const void *b)
{
	const struct round *x = *(const struct round *const *)a, *y = *(const struct round *const *)b;

	return (x->rank > y->rank) - (x->rank < y->rank);
}

static int trigger_open(struct sockaddr_in *sa)
{
	char req[2048];
	int fd, len, one = 1;

	len = snprintf(req, sizeof req,
	               "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
	               "X-MajorOps-Actor: bench\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	               trigger_path, host, port, strlen(trigger_body), trigger_body);
	if (len < 0 || (size_t)len >= sizeof req)
		return -1;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)sa, sizeof *sa) != 0) {
		close(fd);
		return -1;
	}
	t_trigger = now_ms();
	triggered = 1;
	if (write(fd, req, (size_t)len) != len) {
		triggered = 0;
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		triggered = 0;
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct epoll_event *evs;
	int ep, opt, next = 0, inflight = 0, tfd = -1, trigger_status = 0;
	long connected = 0, failed = 0, closed_idle = 0, rss0, rss1 = -1, rss2 = -1;
	long received = 0, pre_events = 0;
	double t0, t_connect_done, deadline;
	char tbuf[4096];
	size_t tlen = 0;

	while ((opt = getopt(argc, argv, "H:p:n:u:P:T:b:c:w:KE:")) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n': nclients = atoi(optarg); break;
		case 'u': path = optarg; break;
		case 'P': watch_pid = strtol(optarg, NULL, 10); break;
		case 'T': trigger_path = optarg; break;
		case 'b': trigger_body = optarg; break;
		case 'c': inflight_max = atoi(optarg); break;
		case 'w': deadline_s = atof(optarg); break;
		case 'K': keepalive_mode = 1; break;
		case 'E': nevents = atoi(optarg); break;
		default: usage();
		}
	}
	if (port <= 0 || port > 65535 || nclients <= 0 || inflight_max <= 0 || deadline_s <= 0 ||
	    nevents < 1 || nevents > MAX_EVENTS)
		usage();
	raise_nofile();

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "sse_clients: bad host '%s'\n", host);
		return 2;
	}
	request_len = (size_t)snprintf(request, sizeof request,
	                               keepalive_mode
	                                   ? "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n"
	                                   : "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n"
	                                     "X-MajorOps-Actor: bench\r\nCache-Control: no-cache\r\n\r\n",
	                               path, host, port);

	clients = calloc((size_t)nclients, sizeof *clients);
	evs = calloc(1024, sizeof *evs);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (clients == NULL || evs == NULL || ep < 0) {
		perror("sse_clients: setup");
		return 1;
	}
	for (int i = 0; i < nclients; i++)
		clients[i].fd = -1;

	rss0 = watch_pid > 0 ? rss_tree_kib(watch_pid) : -1;

	/* Phase 2: connect everyone, at most inflight_max still handshaking at a time. */
	t0 = now_ms();
	deadline = t0 + deadline_s * 1e3;
	while (connected + failed < nclients && now_ms() < deadline) {
		int n;

		while (next < nclients && inflight < inflight_max) {
			if (open_client(ep, &clients[next], &sa) == 0)
				inflight++;
			else
				failed++;
			next++;
		}
		n = epoll_wait(ep, evs, 1024, 100);
		for (int i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;
			enum cstate before = c->state;

			if (c->state == C_CONNECTING) {
				int err = 0;
				socklen_t el = sizeof err;
				struct epoll_event ev;

				if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
					fail_client(ep, c);
				} else if (evs[i].events & EPOLLOUT) {
					c->state = C_HEADERS;
					memset(&ev, 0, sizeof ev);
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
					/* the request is small: one write on a fresh socket */
					if (write(c->fd, request, request_len) != (ssize_t)request_len)
						fail_client(ep, c);
				}
			} else if (c->state == C_HEADERS || c->state == C_IDLE) {
				client_read(ep, c, &closed_idle);
			}
			if (before != c->state) {
				if (c->state == C_FAILED && (before == C_CONNECTING || before == C_HEADERS)) {
					failed++;
					inflight--;
				} else if (c->state == C_IDLE && before == C_HEADERS) {
					connected++;
					inflight--;
				} else if (c->state == C_FAILED && before == C_IDLE) {
					connected--;
					failed++;
				}
			}
		}
	}
	t_connect_done = now_ms();
	/* Anything still handshaking at the deadline counts as failed. */
	for (int i = 0; i < nclients; i++) {
		if (clients[i].state == C_CONNECTING || clients[i].state == C_HEADERS ||
		    clients[i].state == C_NEW) {
			fail_client(ep, &clients[i]);
			failed++;
		}
	}
	fprintf(stderr, "sse_clients: %ld connected, %ld failed in %.0f ms\n", connected, failed,
	        t_connect_done - t0);

	/* Phase 3: one quiet second (still draining), then the RSS with everyone idle. */
	{
		double quiet = now_ms() + 1000;

		while (now_ms() < quiet) {
			int n = epoll_wait(ep, evs, 1024, 100);

			for (int i = 0; i < n; i++) {
				struct client *c = evs[i].data.ptr;

				if (c->state == C_IDLE && client_read(ep, c, &closed_idle) != 0) {
					connected--;
					failed++;
				}
			}
		}
	}
	rss1 = watch_pid > 0 ? rss_tree_kib(watch_pid) : -1;
	for (int i = 0; i < nclients; i++)
		pre_events += clients[i].events_before;

	/* Phase 4: one event at a time (-E of them), each timed to every idle client. */
	for (int round = 0; trigger_path != NULL && connected > 0 && round < nevents; round++) {
		struct epoll_event ev;
		int status = 0;
		double *lat;
		long k = 0;

		for (int i = 0; i < nclients; i++) {
			if (clients[i].state == C_DONE)
				clients[i].state = C_IDLE;
			clients[i].latency_ms = 0;
		}
		received = 0;
		tlen = 0;
		triggered = 0;
		tfd = trigger_open(&sa);
		if (tfd < 0) {
			fprintf(stderr, "sse_clients: trigger connection failed\n");
			break;
		}
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.ptr = NULL;
		epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
		deadline = now_ms() + deadline_s * 1e3;
		while (received < connected && now_ms() < deadline) {
			int n = epoll_wait(ep, evs, 1024, 100);

			for (int i = 0; i < n; i++) {
				struct client *c = evs[i].data.ptr;

				if (c == NULL) {
					ssize_t r = tfd >= 0 ? read(tfd, tbuf + tlen, sizeof tbuf - 1 - tlen) : 0;

					if (r > 0) {
						tlen += (size_t)r;
						tbuf[tlen] = '\0';
						if (status == 0)
							sscanf(tbuf, "HTTP/1.%*d %d", &status);
						if (tlen >= sizeof tbuf - 1)
							tlen = 0;
					} else if (tfd >= 0 && (r == 0 || (errno != EAGAIN && errno != EINTR))) {
						epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL);
						close(tfd);
						tfd = -1; /* answered and closed; keep waiting for the clients */
					}
					continue;
				}
				if (c->state == C_IDLE) {
					if (client_read(ep, c, &closed_idle) != 0) {
						connected--;
						failed++;
					} else if (c->state == C_DONE) {
						received++;
					}
				} else if (c->state == C_DONE) {
					client_read(ep, c, &closed_idle);
				}
			}
		}
		if (tfd >= 0) {
			epoll_ctl(ep, EPOLL_CTL_DEL, tfd, NULL);
			close(tfd);
			tfd = -1;
		}
		if (trigger_status == 0 || trigger_status == 201)
			trigger_status = status; /* the first odd answer sticks */
		lat = calloc((size_t)nclients, sizeof *lat);
		for (int i = 0; i < nclients && lat != NULL; i++)
			if (clients[i].state == C_DONE)
				lat[k++] = clients[i].latency_ms;
		rounds[nrounds].missing = connected - received;
		rounds[nrounds].received = received;
		rounds[nrounds].p50 = rounds[nrounds].p99 = rounds[nrounds].max = -1;
		if (k > 0) {
			qsort(lat, (size_t)k, sizeof *lat, cmp_double);
			rounds[nrounds].p50 = lat[(size_t)((k - 1) * 0.50)];
			rounds[nrounds].p99 = lat[(size_t)((k - 1) * 0.99)];
			rounds[nrounds].max = lat[k - 1];
		}
		rounds[nrounds].rank = rounds[nrounds].max;
		if (rounds[nrounds].missing > 0)
			rounds[nrounds].rank = 1e12; /* an event that did not reach everyone ranks last */
		nrounds++;
		free(lat);
		/* a short pause between events, still draining */
		if (round + 1 < nevents) {
			double pause = now_ms() + 300;

			while (now_ms() < pause) {
				int n = epoll_wait(ep, evs, 1024, 50);

				for (int i = 0; i < n; i++) {
					struct client *c = evs[i].data.ptr;

					if (c != NULL && (c->state == C_IDLE || c->state == C_DONE) &&
					    client_read(ep, c, &closed_idle) != 0) {
						connected--;
						failed++;
					}
				}
			}
		}
	}
	rss2 = watch_pid > 0 ? rss_tree_kib(watch_pid) : -1;

	{
		/* The median event by its max latency speaks for the run; every max is listed. */
		struct round *order[MAX_EVENTS], *med = NULL;
		long worst_missing = 0;
		char each[MAX_EVENTS * 16] = "";
		size_t used = 0;

		for (int i = 0; i < nrounds; i++) {
			order[i] = &rounds[i];
			if (rounds[i].missing > worst_missing)
				worst_missing = rounds[i].missing;
			used += (size_t)snprintf(each + used, sizeof each - used, "%s%.2f", i ? "," : "",
			                         rounds[i].missing > 0 ? -1.0 : rounds[i].max);
		}
		qsort(order, (size_t)nrounds, sizeof order[0], cmp_round);
		if (nrounds > 0)
			med = order[(nrounds - 1) / 2];
		printf("RESULT clients=%d connected=%ld failed=%ld closed=%ld connect_ms=%.0f "
		       "rss0_kib=%ld rss_idle_kib=%ld rss_after_kib=%ld per_client_kib=%.2f "
		       "trigger_status=%d events=%d received=%ld missing=%ld pre_events=%ld "
		       "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f max_ms_each=%s\n",
		       nclients, connected, failed, closed_idle, t_connect_done - t0, rss0, rss1, rss2,
		       (rss0 >= 0 && rss1 >= 0 && connected > 0) ? (double)(rss1 - rss0) / (double)connected : -1.0,
		       trigger_status, nrounds, med ? med->received : 0,
		       trigger_path ? (med ? worst_missing : connected) : 0, pre_events,
		       med ? med->p50 : -1.0, med ? med->p99 : -1.0,
		       med ? med->max : -1.0, nrounds ? each : "-");
	}
	for (int i = 0; i < nclients; i++) {
		if (clients[i].fd >= 0)
			close(clients[i].fd);
		free(clients[i].hdr);
	}
	if (tfd >= 0)
		close(tfd);
	free(clients);
	free(evs);
	close(ep);
	return 0;
}
