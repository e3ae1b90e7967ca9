/* majorops — the command line: `serve` and, as they arrive, the admin verbs. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "buf.h"
#include "http.h"
#include "parse.h"
#include "service.h"
#include "sse.h"
#include "store.h"

#ifndef MAJOROPS_VERSION
#define MAJOROPS_VERSION "0.0.0"
#endif

#define EXIT_USAGE 2

static const char usage_main[] =
	"usage: majorops <command> [options]\n"
	"\n"
	"MajorOps — a command console for major IT incidents.\n"
	"\n"
	"commands:\n"
	"  serve        run the server (majorops serve --help)\n"
	"\n"
	"options:\n"
	"  -h, --help     this help\n"
	"  --version      print the version\n";

static const char usage_serve[] =
	"usage: majorops serve [options]\n"
	"\n"
	"Serves the API and the live streams.  Every option is also an environment variable\n"
	"(--db ⇔ MAJOROPS_DB); flags win.\n"
	"\n"
	"  --listen ADDR:PORT     where to listen (MAJOROPS_LISTEN; default 127.0.0.1:8080)\n"
	"  --db PATH              the SQLite database file (MAJOROPS_DB; default ./majorops.db)\n"
	"  --threads N            HTTP worker threads (MAJOROPS_THREADS; default 16)\n"
	"  --insecure-no-auth     allow a non-loopback --listen before sign-in exists\n"
	"                         (MAJOROPS_INSECURE_NO_AUTH=1): anyone who reaches the port\n"
	"                         can change every incident\n"
	"  -h, --help             this help\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct serve_options {
	char listen_addr[64];
	unsigned short port;
	const char *db;
	int threads;
	bool insecure_no_auth;
};

/* "ADDR:PORT" (or ":PORT", or "PORT") into its parts. */
static int parse_listen(const char *s, struct serve_options *o)
{
	const char *colon = strrchr(s, ':');
	const char *port_text = colon ? colon + 1 : s;
	uint64_t port;

	if (parse_u64(&port_text, &port, 65535) != 0 || *port_text != '\0')
		return -1;
	if (colon) {
		size_t len = (size_t)(colon - s);

		if (len >= sizeof(o->listen_addr))
			return -1;
		if (len) {
			memcpy(o->listen_addr, s, len);
			o->listen_addr[len] = '\0';
		}
	}
	if (strcmp(o->listen_addr, "localhost") == 0)
		str_copy(o->listen_addr, "127.0.0.1", sizeof(o->listen_addr));
	o->port = (unsigned short)port;
	return 0;
}

static bool is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0;
}

/* Raising the descriptor limit lets the server hold thousands of live streams. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"db", required_argument, NULL, 'd'},
		{"threads", required_argument, NULL, 't'},
		{"insecure-no-auth", no_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct serve_options o = {.listen_addr = "127.0.0.1", .port = 8080, .db = "majorops.db",
				  .threads = HTTP_THREADS_DEFAULT};
	const char *env_listen = getenv("MAJOROPS_LISTEN"), *env_db = getenv("MAJOROPS_DB");
	const char *env_threads = getenv("MAJOROPS_THREADS"), *env_insecure = getenv("MAJOROPS_INSECURE_NO_AUTH");
	const char *listen_text = env_listen, *threads_text = env_threads;
	struct app app = {.clock = clock_wall_ms};
	struct store_config scfg = {0};
	struct http_server_config hcfg = {0};
	struct http_server *srv = NULL;
	struct sigaction sa;
	char err[512];
	int ch, rc = EXIT_FAILURE;

	if (env_db && *env_db)
		o.db = env_db;
	o.insecure_no_auth = env_insecure && strcmp(env_insecure, "1") == 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen_text = optarg; break;
		case 'd': o.db = optarg; break;
		case 't': threads_text = optarg; break;
		case 'I': o.insecure_no_auth = true; break;
		case 'h': fputs(usage_serve, stdout); return EXIT_SUCCESS;
		default: fputs(usage_serve, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "majorops serve: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (listen_text && parse_listen(listen_text, &o) != 0) {
		fprintf(stderr, "majorops serve: cannot use --listen '%s': expected ADDR:PORT\n", listen_text);
		return EXIT_USAGE;
	}
	if (threads_text) {
		const char *p = threads_text;
		uint64_t n;

		if (parse_u64(&p, &n, 256) != 0 || *p != '\0' || n == 0) {
			fprintf(stderr, "majorops serve: --threads must be 1..256\n");
			return EXIT_USAGE;
		}
		o.threads = (int)n;
	}
	if (!is_loopback(o.listen_addr) && !o.insecure_no_auth) {
		fprintf(stderr,
			"majorops serve: refusing to listen on %s: sign-in does not exist yet, so anyone "
			"who reaches the port could change every incident; listen on 127.0.0.1 behind "
			"an authenticating proxy, or pass --insecure-no-auth to accept that\n",
			o.listen_addr);
		return EXIT_USAGE;
	}
	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);

	app.hub = NULL;
	scfg.path = o.db;
	scfg.on_commit = sse_hub_publish;
	/* The hub needs the store and the store's hook needs the hub: create the hub first
	 * with the store attached right after (no event can commit before store_open). */
	app.hub = sse_hub_new(NULL);
	if (app.hub == NULL) {
		fprintf(stderr, "majorops serve: out of memory\n");
		return EXIT_FAILURE;
	}
	scfg.on_commit_ctx = app.hub;
	if (store_open(&app.store, &scfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops serve: %s\n", err);
		goto done;
	}
	sse_hub_attach_store(app.hub, app.store);

	hcfg.listen_addr = o.listen_addr;
	hcfg.port = o.port;
	hcfg.threads = o.threads;
	hcfg.routes = api_routes;
	hcfg.nroutes = api_nroutes;
	hcfg.app = &app;
	srv = http_server_start(&hcfg, err, sizeof(err));
	if (srv == NULL) {
		fprintf(stderr, "majorops serve: %s\n", err);
		goto done;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "majorops %s serving on http://%s:%u/ with database '%s'\n", MAJOROPS_VERSION,
		o.listen_addr, o.port, o.db);
	while (!stop_requested)
		pause();
	fprintf(stderr, "majorops: stopping\n");
	rc = EXIT_SUCCESS;
done:
	if (srv) {
		struct timespec settle = {0, 50 * 1000 * 1000};

		sse_hub_shutdown(app.hub);
		nanosleep(&settle, NULL);
		http_server_stop(srv);
	}
	store_close(app.store);
	sse_hub_free(app.hub);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("majorops %s\n", MAJOROPS_VERSION);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_main, stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	fprintf(stderr, "majorops: unknown command '%s'\n\n", argv[1]);
	fputs(usage_main, stderr);
	return EXIT_USAGE;
}
