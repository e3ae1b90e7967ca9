/*
 * httpload — sends exactly N requests over C keep-alive connections and counts statuses.
 * The benchmark's loader: it seeds incidents and timeline entries through the API.
 *
 *   httpload -p PORT [-H HOST] [-c CONNS] -n TOTAL [-m METHOD] -u PATH
 *            [-b BODY | -T TEXTLEN] [-t SECONDS]
 *
 * PATH may hold "{n}": request k goes to 1 + (k mod R) there (R from -r, default 1), so
 * `-u /api/v1/incidents/INC-{n}/timeline -r 200` spreads entries over 200 incidents.
 * -T LEN sends {"text":"<LEN characters, numbered>","type":"action"}; -b sends BODY as is.
 * Bounded in count (-n) and time (-t, default 120 s); a failed request is not retried
 * (a POST that may have landed is never sent twice).  The last line is
 * `RESULT sent=.. ok=.. status_XXX=.. errors=.. seconds=.. rate=..`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define RBUF 65536

static const char *host = "127.0.0.1";
static int port;
static int nconns = 8;
static long total;
static const char *method = "POST";
static const char *path_tmpl;
static const char *body_lit;
static long textlen = -1;
static long rotate = 1;
static double limit_s = 120;
static struct sockaddr_in sa;

static atomic_long next_req;
static atomic_long nstatus[600];
static atomic_long nerrors;
static double t_end;

struct conn {
	int fd;
	char rbuf[RBUF];
	size_t rlen, roff;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int conn_open(struct conn *c)
{
	struct timeval tv = {10, 0};
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->rlen = c->roff = 0;
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Makes at least one more byte available; -1 on EOF or error. */
static int conn_fill(struct conn *c)
{
	ssize_t n;

	if (c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rlen - c->roff);
		c->rlen -= c->roff;
		c->roff = 0;
	}
	if (c->rlen == RBUF)
		return -1;
	do
		n = read(c->fd, c->rbuf + c->rlen, RBUF - c->rlen);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	c->rlen += (size_t)n;
	return 0;
}

/* One line (CRLF stripped) into out; -1 on error. */
static int conn_line(struct conn *c, char *out, size_t max)
{
	for (;;) {
		char *nl = memchr(c->rbuf + c->roff, '\n', c->rlen - c->roff);

		if (nl != NULL) {
			size_t len = (size_t)(nl - (c->rbuf + c->roff));

			if (len > 0 && c->rbuf[c->roff + len - 1] == '\r')
				len--;
			if (len >= max)
				len = max - 1;
			memcpy(out, c->rbuf + c->roff, len);
			out[len] = '\0';
			c->roff = (size_t)(nl - c->rbuf) + 1;
			return 0;
		}
		if (conn_fill(c) != 0)
			return -1;
	}
}

static int conn_skip(struct conn *c, uint64_t n)
{
	while (n > 0) {
		size_t have = c->rlen - c->roff;

		if (have == 0) {
			if (conn_fill(c) != 0)
				return -1;
			continue;
		}
		if (have > n)
			have = (size_t)n;
		c->roff += have;
		n -= have;
	}
	return 0;
}

/* Reads one response; returns its status (or -1) and sets *close_after. */
static int conn_response(struct conn *c, int *close_after)
{
	char line[8192];
	int status = 0, chunked = 0;
	long long clen = -1;

	*close_after = 0;
	if (conn_line(c, line, sizeof line) != 0 || sscanf(line, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	if (strncmp(line, "HTTP/1.0", 8) == 0)
		*close_after = 1;
	for (;;) {
		if (conn_line(c, line, sizeof line) != 0)
			return -1;
		if (line[0] == '\0')
			break;
		if (strncasecmp(line, "content-length:", 15) == 0)
			clen = strtoll(line + 15, NULL, 10);
		else if (strncasecmp(line, "transfer-encoding:", 18) == 0 && strcasestr(line, "chunked"))
			chunked = 1;
		else if (strncasecmp(line, "connection:", 11) == 0 && strcasestr(line, "close"))
			*close_after = 1;
	}
	if (chunked) {
		for (;;) {
			unsigned long long n;

			if (conn_line(c, line, sizeof line) != 0 || sscanf(line, "%llx", &n) != 1)
				return -1;
			if (n == 0) {
				do
					if (conn_line(c, line, sizeof line) != 0)
						return -1;
				while (line[0] != '\0');
				break;
			}
			if (conn_skip(c, n) != 0 || conn_line(c, line, sizeof line) != 0)
				return -1;
		}
	} else if (clen >= 0) {
		if (conn_skip(c, (uint64_t)clen) != 0)
			return -1;
	} else if (status >= 200 && status != 204 && status != 304) {
		/* body to EOF */
		while (conn_fill(c) == 0)
			c->roff = c->rlen;
		*close_after = 1;
	}
	return status;
}

static char *make_path(long k)
{
	const char *mark = strstr(path_tmpl, "{n}");
	char *out;

	if (mark == NULL)
		return strdup(path_tmpl);
	if (asprintf(&out, "%.*s%ld%s", (int)(mark - path_tmpl), path_tmpl, 1 + k % rotate, mark + 3) < 0)
		return NULL;
	return out;
}

static char *make_body(long k, size_t *len)
{
	char *out;
	int head;

	if (body_lit != NULL) {
		*len = strlen(body_lit);
		return strdup(body_lit);
	}
	if (textlen < 0) {
		*len = 0;
		return strdup("");
	}
	out = malloc((size_t)textlen + 128);
	if (out == NULL)
		return NULL;
	head = snprintf(out, 128, "{\"text\":\"bench entry %ld ", k);
	for (long i = 0; i < textlen; i++)
		out[head + i] = (char)('a' + (k + i) % 26);
	*len = (size_t)head + (size_t)textlen;
	*len += (size_t)snprintf(out + *len, 64, "\",\"type\":\"action\"}");
	return out;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *worker(void *arg)
{
	struct conn *c = calloc(1, sizeof *c);

	(void)arg;
	if (c == NULL)
		return NULL;
	c->fd = -1;
	for (;;) {
		long k = atomic_fetch_add(&next_req, 1);
		char *p = NULL, *b = NULL, *head = NULL;
		size_t blen = 0;
		int hlen, status, close_after;

		if (k >= total || now_s() > t_end)
			break;
		p = make_path(k);
		b = make_body(k, &blen);
		if (p == NULL || b == NULL)
			goto err;
		hlen = asprintf(&head,
		                "%s %s HTTP/1.1\r\nHost: %s:%d\r\nX-MajorOps-Actor: bench\r\n"
		                "%sContent-Length: %zu\r\n\r\n",
		                method, p, host, port,
		                blen > 0 ? "Content-Type: application/json\r\n" : "", blen);
		if (hlen < 0) {
			head = NULL;
			goto err;
		}
		if (c->fd < 0 && conn_open(c) != 0)
			goto err;
		if (send_all(c->fd, head, (size_t)hlen) != 0 || send_all(c->fd, b, blen) != 0)
			goto err;
		status = conn_response(c, &close_after);
		if (status < 100 || status >= 600)
			goto err;
		atomic_fetch_add(&nstatus[status], 1);
		if (close_after)
			conn_close(c);
		free(p);
		free(b);
		free(head);
		continue;
err:
		atomic_fetch_add(&nerrors, 1);
		conn_close(c);
		free(p);
		free(b);
		free(head);
	}
	conn_close(c);
	free(c);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: httpload -p PORT [-H HOST] [-c CONNS] -n TOTAL [-m METHOD] -u PATH\n"
	                "                [-r ROTATE] [-b BODY | -T TEXTLEN] [-t SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	pthread_t *th;
	double t0, secs;
	long ok = 0, sent = 0;
	int opt;

	while ((opt = getopt(argc, argv, "H:p:c:n:m:u:r:b:T:t:")) != -1) {
		switch (opt) {
		case 'H': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': nconns = atoi(optarg); break;
		case 'n': total = atol(optarg); break;
		case 'm': method = optarg; break;
		case 'u': path_tmpl = optarg; break;
		case 'r': rotate = atol(optarg); break;
		case 'b': body_lit = optarg; break;
		case 'T': textlen = atol(optarg); break;
		case 't': limit_s = atof(optarg); break;
		default: usage();
		}
	}
	if (port <= 0 || nconns <= 0 || total <= 0 || path_tmpl == NULL || rotate <= 0)
		usage();
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		usage();
	th = calloc((size_t)nconns, sizeof *th);
	if (th == NULL)
		return 1;
	t0 = now_s();
	t_end = t0 + limit_s;
	for (int i = 0; i < nconns; i++)
		if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
			perror("pthread_create");
			return 1;
		}
	for (int i = 0; i < nconns; i++)
		pthread_join(th[i], NULL);
	secs = now_s() - t0;
	printf("RESULT");
	for (int s = 100; s < 600; s++) {
		long n = atomic_load(&nstatus[s]);

		if (n == 0)
			continue;
		printf(" status_%d=%ld", s, n);
		sent += n;
		if (s >= 200 && s < 300)
			ok += n;
	}
	sent += atomic_load(&nerrors);
	printf(" sent=%ld ok=%ld errors=%ld seconds=%.2f rate=%.0f\n", sent, ok,
	       atomic_load(&nerrors), secs, secs > 0 ? ok / secs : 0.0);
	free(th);
	return 0;
}
