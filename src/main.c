/* majorops — the command line: `serve` and, as they arrive, the admin verbs. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "api.h"
#include "auth.h"
#include "auth_cli.h"
#include "buf.h"
#include "command.h"
#include "http.h"
#include "oidc.h"
#include "outbox.h"
#include "parse.h"
#include "pages.h"
#include "public.h"
#include "secret.h"
#include "service.h"
#include "sse.h"
#include "store.h"
#include "worker.h"

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
	"  migrate      copy a store into a new one, SQLite ⇄ PostgreSQL (majorops migrate --help)\n"
	"  export       write every table of a store as JSON (majorops export --help)\n"
	"  import       restore an export into a new, empty store (majorops import --help)\n"
	"  backup       copy a running SQLite store to a file (majorops backup --help)\n"
	"  actions      list action items, e.g. the overdue ones (majorops actions --help)\n"
	"  user         add, list, change and disable accounts (majorops user --help)\n"
	"  token        create, list and revoke API tokens (majorops token --help)\n"
	"  routes       print the route table with each route's least role, as JSON\n"
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
	"  --db PATH|URL          the SQLite database file, or a PostgreSQL URL\n"
	"                         postgres://user:pass@host:port/dbname?sslmode=… (libpq's\n"
	"                         PG* variables fill what it leaves out); any number of\n"
	"                         servers may share one PostgreSQL database (MAJOROPS_DB;\n"
	"                         default ./majorops.db)\n"
	"  --threads N            threads for requests that wait on the store (MAJOROPS_THREADS;\n"
	"                         default 32); the public page is served by two per CPU\n"
	"  --insecure-no-auth     no sign-in at all: every request acts as admin, the actor\n"
	"                         named by its X-MajorOps-Actor header (MAJOROPS_INSECURE_NO_AUTH=1);\n"
	"                         anyone who reaches the port can change everything\n"
	"  --tls-cert FILE        serve HTTPS with this PEM certificate (chain) (MAJOROPS_TLS_CERT)\n"
	"  --tls-key FILE         and this PEM private key (MAJOROPS_TLS_KEY); cookies get Secure\n"
	"  --trusted-proxy CIDRS  addresses of an SSO proxy whose --trusted-header is believed,\n"
	"                         e.g. \"127.0.0.1/32,10.0.0.0/8\" (MAJOROPS_TRUSTED_PROXY)\n"
	"  --trusted-header NAME  the header naming the signed-in user, e.g.\n"
	"                         Cf-Access-Authenticated-User-Email or X-Forwarded-Email\n"
	"                         (MAJOROPS_TRUSTED_HEADER)\n"
	"  --proxy-default-role R the role of users the header names for the first time\n"
	"                         (MAJOROPS_PROXY_DEFAULT_ROLE; default viewer)\n"
	"                         Accounts and tokens: majorops user|token --help; docs/auth.md\n"
	"  --page-name TEXT       the public status page's name (MAJOROPS_PAGE_NAME; default Status)\n"
	"  --page-logo-text TEXT  the text in the page's header (MAJOROPS_PAGE_LOGO_TEXT; default the name)\n"
	"  --public-url URL       where the public reaches this server, for links in pages, feeds\n"
	"                         and the Statuspage API (MAJOROPS_PUBLIC_URL)\n"
	"  --page-timezone ZONE   the zone status pages show times in, e.g. Europe/Berlin\n"
	"                         (MAJOROPS_PAGE_TIMEZONE; default Etc/UTC; the API stays UTC)\n"
	"  --guardrails SPEC      guardrail thresholds per alarm level over the SPEC defaults, e.g.\n"
	"                         \"all.noMilestone=15m,box3.resolution=1h,box0.staffing=off\"\n"
	"                         (MAJOROPS_GUARDRAILS; docs/api-decisions.md lists the rules)\n"
	"  --llm-url URL          an OpenAI-compatible chat endpoint that rewrites the drafting\n"
	"                         assistant's texts (MAJOROPS_LLM_URL; also MAJOROPS_LLM_MODEL,\n"
	"                         MAJOROPS_LLM_API_KEY, MAJOROPS_LLM_TIMEOUT_MS); off by default\n"
	"  --smtp-url URL         the mail server for email channels, pages and status-page\n"
	"                         subscribers: smtp://[user:pass@]host:port (STARTTLS when\n"
	"                         offered) or smtps://… (MAJOROPS_SMTP_URL; docs/notifications.md)\n"
	"  --smtp-from ADDRESS    the From of every mail (MAJOROPS_SMTP_FROM)\n"
	"  --outbox-retry-base-ms N, --outbox-retry-cap-ms N\n"
	"                         a failed delivery is retried after a random delay up to\n"
	"                         base·2^attempts, at most cap (MAJOROPS_OUTBOX_RETRY_BASE_MS,\n"
	"                         …_CAP_MS; default 5000 and 900000)\n"
	"  --outbox-give-up-ms N  a delivery still failing this long after it was made is\n"
	"                         marked failed (MAJOROPS_OUTBOX_GIVE_UP_MS; default 24 h)\n"
	"  --digest-interval-ms N the overdue-action digest's period, counted from Monday\n"
	"                         08:00 UTC (MAJOROPS_DIGEST_INTERVAL_MS; default one week)\n"
	"  --oidc-issuer URL      single sign-on with this OpenID Connect provider, e.g.\n"
	"                         https://login.microsoftonline.com/TENANT/v2.0; needs\n"
	"                         --public-url, and <public-url>/auth/oidc/callback registered\n"
	"                         there as redirect URI (MAJOROPS_OIDC_ISSUER; docs/auth-oidc.md)\n"
	"  --oidc-client-id ID    the client id the provider gave (MAJOROPS_OIDC_CLIENT_ID)\n"
	"  --oidc-client-secret S its secret; prefer MAJOROPS_OIDC_CLIENT_SECRET, which `ps`\n"
	"                         does not show\n"
	"  --oidc-groups-claim C  the ID token claim listing the user's groups (default groups;\n"
	"                         a dotted path reaches into objects) (MAJOROPS_OIDC_GROUPS_CLAIM)\n"
	"  --oidc-role-map MAP    groups to roles, e.g. \"sre-leads=mim,ops=responder,it-admins=admin\";\n"
	"                         the highest mapped role wins, at every sign-in\n"
	"                         (MAJOROPS_OIDC_ROLE_MAP)\n"
	"  --oidc-default-role R  the role of accounts created with no mapped group (default\n"
	"                         viewer) (MAJOROPS_OIDC_DEFAULT_ROLE)\n"
	"  --oidc-scopes LIST     the scopes asked for (default \"openid email profile\")\n"
	"                         (MAJOROPS_OIDC_SCOPES)\n"
	"  -h, --help             this help\n";

static const char usage_migrate[] =
	"usage: majorops migrate --from DB --to DB\n"
	"\n"
	"Copies every table of one store into a new, empty one (a SQLite file that does not\n"
	"exist yet, or a freshly created PostgreSQL database) in one transaction, keeping ids\n"
	"and event sequence numbers: `majorops export` of the two is then byte-identical.\n"
	"Each DB is a SQLite file or a postgres:// URL, so the move goes either way.  It reads\n"
	"one snapshot of the source: stop the servers first, or later writes stay behind.\n";

static const char usage_export[] =
	"usage: majorops export [--db DB] [--out FILE]\n"
	"\n"
	"Writes every table of the store (--db, or MAJOROPS_DB) as JSON to FILE or standard\n"
	"output, from one consistent snapshot: tables in a fixed order, rows by primary key,\n"
	"so the same records give the same bytes from SQLite and from PostgreSQL.\n";

static const char usage_import[] =
	"usage: majorops import [--db DB] FILE\n"
	"\n"
	"Restores FILE, written by `majorops export`, into the store (--db, or MAJOROPS_DB),\n"
	"which must be new and empty (a SQLite file is created and migrated; a PostgreSQL\n"
	"database freshly created), in one transaction: ids and event sequence numbers are\n"
	"kept, so `majorops export` of the restored store gives the same bytes.  FILE - reads\n"
	"standard input.  The export must be of this build's schema version.\n";

static const char usage_actions[] =
	"usage: majorops actions [--overdue] [--state STATE] [--json] [--db DB]\n"
	"\n"
	"Lists the action items of After Action reviews from the store (--db, or MAJOROPS_DB),\n"
	"by due date: one item per line, tab-separated — id, incident, due date (UTC), state,\n"
	"priority, owner, title — or with --json the answer of GET /api/v1/actions.\n"
	"  --overdue      only open or in-progress items past their due date\n"
	"  --state STATE  only items in STATE (open, in_progress, done, wont_do)\n"
	"Exit status 0 also when nothing is listed; 1 when the store cannot be read.\n";

static const char usage_backup[] =
	"usage: majorops backup [--db PATH.db] --out FILE\n"
	"\n"
	"Copies a SQLite store (--db, or MAJOROPS_DB) into FILE, which must not exist, with\n"
	"SQLite's online backup API: servers go on reading and writing meanwhile, and the copy\n"
	"is one consistent moment, checked before it is named FILE.  To restore, stop the\n"
	"server and put FILE in place of the database (delete its -wal and -shm files).\n"
	"PostgreSQL stores are backed up with pg_dump (docs/postgres.md).\n";

struct serve_options {
	char listen_addr[64];
	unsigned short port;
	const char *db;
	int threads;
	bool insecure_no_auth;
	const char *tls_cert, *tls_key; /* PEM files, or NULL */
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

/* Reads a PEM file for TLS into a new string (caller frees).  0, or -1 with a message. */
static int read_pem(const char *flag, const char *path, char **out)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	*out = NULL;
	if (f == NULL) {
		fprintf(stderr, "majorops serve: %s: cannot read '%s': %s\n", flag, path, strerror(errno));
		return -1;
	}
	buf_init(&b, 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) != 0)
			break;
	fclose(f);
	sodium_memzero(chunk, sizeof(chunk));
	if (b.len == 0 || strstr(b.ptr, "-----BEGIN ") == NULL) {
		buf_free(&b);
		fprintf(stderr, "majorops serve: %s: '%s' is not a PEM file\n", flag, path);
		return -1;
	}
	*out = buf_detach(&b);
	return *out ? 0 : -1;
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
		/* sign-in (auth.h): codes above the characters, clear of short options */
		{"tls-cert", required_argument, NULL, 0x4101},
		{"tls-key", required_argument, NULL, 0x4102},
		{"trusted-proxy", required_argument, NULL, 0x4103},
		{"trusted-header", required_argument, NULL, 0x4104},
		{"proxy-default-role", required_argument, NULL, 0x4105},
		{"page-name", required_argument, NULL, 'N'},
		{"page-logo-text", required_argument, NULL, 'G'},
		{"public-url", required_argument, NULL, 'U'},
		{"page-timezone", required_argument, NULL, 'Z'},
		{"llm-url", required_argument, NULL, 'L'},
		{"guardrails", required_argument, NULL, 'R'},
		/* single sign-on (oidc.h): codes above the characters, clear of short options */
		{"oidc-issuer", required_argument, NULL, 0x4f01},
		{"oidc-client-id", required_argument, NULL, 0x4f02},
		{"oidc-client-secret", required_argument, NULL, 0x4f03},
		{"oidc-groups-claim", required_argument, NULL, 0x4f04},
		{"oidc-role-map", required_argument, NULL, 0x4f05},
		{"oidc-default-role", required_argument, NULL, 0x4f06},
		{"oidc-scopes", required_argument, NULL, 0x4f07},
		/* notifications (outbox.h) */
		{"smtp-url", required_argument, NULL, 0x5301},
		{"smtp-from", required_argument, NULL, 0x5302},
		{"outbox-retry-base-ms", required_argument, NULL, 0x5303},
		{"outbox-retry-cap-ms", required_argument, NULL, 0x5304},
		{"outbox-give-up-ms", required_argument, NULL, 0x5305},
		{"digest-interval-ms", required_argument, NULL, 0x5306},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct serve_options o = {.listen_addr = "127.0.0.1", .port = 8080, .db = "majorops.db",
				  .threads = HTTP_THREADS_DEFAULT};
	const char *env_listen = getenv("MAJOROPS_LISTEN"), *env_db = getenv("MAJOROPS_DB");
	const char *env_threads = getenv("MAJOROPS_THREADS"), *env_insecure = getenv("MAJOROPS_INSECURE_NO_AUTH");
	const char *listen_text = env_listen, *threads_text = env_threads;
	const char *guardrails_text = getenv("MAJOROPS_GUARDRAILS");
	struct app app = {.clock = clock_wall_ms};
	/* The public status page's settings (public.h); flags below win over the environment. */
	struct statuspage_config page = {.page_name = getenv("MAJOROPS_PAGE_NAME"),
					 .logo_text = getenv("MAJOROPS_PAGE_LOGO_TEXT"),
					 .public_url = getenv("MAJOROPS_PUBLIC_URL"),
					 .time_zone = getenv("MAJOROPS_PAGE_TIMEZONE")};
	/* Single sign-on (oidc.h); flags below win over the environment. */
	struct oidc_config oidc_cfg = {.issuer = getenv("MAJOROPS_OIDC_ISSUER"),
				       .client_id = getenv("MAJOROPS_OIDC_CLIENT_ID"),
				       .client_secret = getenv("MAJOROPS_OIDC_CLIENT_SECRET"),
				       .groups_claim = getenv("MAJOROPS_OIDC_GROUPS_CLAIM"),
				       .role_map = getenv("MAJOROPS_OIDC_ROLE_MAP"),
				       .default_role = getenv("MAJOROPS_OIDC_DEFAULT_ROLE"),
				       .scopes = getenv("MAJOROPS_OIDC_SCOPES")};
	/* Notifications (outbox.h); flags below win over the environment. */
	struct outbox_config outbox_cfg = {0};
	struct store_config scfg = {0};
	struct auth_options auth_opt = {0};
	char *tls_cert_pem = NULL, *tls_key_pem = NULL;
	struct http_server_config hcfg = {0};
	struct http_server *srv = NULL;
	struct worker *worker = NULL;
	sigset_t stop_signals;
	int sig;
	char shown[STORE_DISPLAY_MAX];
	char err[512];
	int ch, rc = EXIT_FAILURE;

	if (env_db && *env_db)
		o.db = env_db;
	o.insecure_no_auth = env_insecure && strcmp(env_insecure, "1") == 0;
	outbox_config_from_env(&outbox_cfg);
	o.tls_cert = getenv("MAJOROPS_TLS_CERT");
	o.tls_key = getenv("MAJOROPS_TLS_KEY");
	auth_opt.trusted_proxies = getenv("MAJOROPS_TRUSTED_PROXY");
	auth_opt.trusted_header = getenv("MAJOROPS_TRUSTED_HEADER");
	auth_opt.proxy_default_role = getenv("MAJOROPS_PROXY_DEFAULT_ROLE");
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen_text = optarg; break;
		case 'd': o.db = optarg; break;
		case 't': threads_text = optarg; break;
		case 'I': o.insecure_no_auth = true; break;
		case 0x4101: o.tls_cert = optarg; break;
		case 0x4102: o.tls_key = optarg; break;
		case 0x4103: auth_opt.trusted_proxies = optarg; break;
		case 0x4104: auth_opt.trusted_header = optarg; break;
		case 0x4105: auth_opt.proxy_default_role = optarg; break;
		case 'N': page.page_name = optarg; break;
		case 'G': page.logo_text = optarg; break;
		case 'U': page.public_url = optarg; break;
		case 'Z': page.time_zone = optarg; break;
		/* The drafter reads its endpoint from the environment (llm.c); the flag wins
		 * over it, and no other thread runs yet. */
		case 'L': setenv("MAJOROPS_LLM_URL", optarg, 1); break;
		case 'R': guardrails_text = optarg; break;
		case 0x4f01: oidc_cfg.issuer = optarg; break;
		case 0x4f02: oidc_cfg.client_id = optarg; break;
		case 0x4f03: oidc_cfg.client_secret = optarg; break;
		case 0x4f04: oidc_cfg.groups_claim = optarg; break;
		case 0x4f05: oidc_cfg.role_map = optarg; break;
		case 0x4f06: oidc_cfg.default_role = optarg; break;
		case 0x4f07: oidc_cfg.scopes = optarg; break;
		case 0x5301: outbox_cfg.smtp_url = optarg; break;
		case 0x5302: outbox_cfg.smtp_from = optarg; break;
		case 0x5303: outbox_cfg.retry_base_ms = optarg; break;
		case 0x5304: outbox_cfg.retry_cap_ms = optarg; break;
		case 0x5305: outbox_cfg.give_up_ms = optarg; break;
		case 0x5306: outbox_cfg.digest_interval_ms = optarg; break;
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
	if (o.insecure_no_auth)
		fprintf(stderr,
			"majorops serve: WARNING: --insecure-no-auth: sign-in is OFF; every request "
			"acts as admin and names itself with X-MajorOps-Actor%s\n",
			is_loopback(o.listen_addr) ? ""
						   : ", and this listens beyond loopback: ANYONE who "
						     "reaches the port can change everything");
	if ((o.tls_cert && *o.tls_cert) != (o.tls_key && *o.tls_key)) {
		fprintf(stderr, "majorops serve: --tls-cert and --tls-key go together\n");
		return EXIT_USAGE;
	}
	if (o.tls_cert && *o.tls_cert &&
	    (read_pem("--tls-cert", o.tls_cert, &tls_cert_pem) != 0 ||
	     read_pem("--tls-key", o.tls_key, &tls_key_pem) != 0)) {
		free(tls_cert_pem);
		return EXIT_USAGE;
	}
	auth_opt.insecure = o.insecure_no_auth;
	auth_opt.tls = tls_cert_pem != NULL;
	auth_opt.public_url = page.public_url;
	if (command_configure_guardrails(guardrails_text, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops serve: %s\n", err);
		return EXIT_USAGE;
	}
	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	/* SIGINT and SIGTERM were blocked by main() before anything else; every thread
	 * inherits that mask and sigwait() below takes them, so a stop during start-up is
	 * not lost and is always a clean one. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);

	app.hub = NULL;
	scfg.db = o.db;
	scfg.on_commit = sse_hub_publish;
	/* The hub needs the store and the store's hook needs the hub: create the hub first
	 * with the store attached right after (no event can commit before store_open). */
	app.hub = sse_hub_new(NULL);
	app.timeline_cache = timeline_cache_new();
	if (app.hub == NULL) {
		fprintf(stderr, "majorops serve: out of memory\n");
		return EXIT_FAILURE;
	}
	scfg.on_commit_ctx = app.hub;
	/* Before the store's threads start: a page time zone sets TZ in the environment. */
	app.public_site = public_site_new(&page, &app, err, sizeof(err));
	/* Links in pages and calendar feeds (pages.h, teams.h); checked by public_site_new. */
	app.public_url = page.public_url;
	if (app.public_site == NULL) {
		fprintf(stderr, "majorops serve: %s\n", err);
		rc = EXIT_USAGE;
		goto done;
	}
	/* Single sign-on, before the store: bad settings stop the start; an unreachable provider
	 * does not (the next sign-in asks it again). */
	if (oidc_cfg.issuer && *oidc_cfg.issuer) {
		oidc_cfg.public_url = page.public_url;
		app.oidc = oidc_new(&oidc_cfg, err, sizeof(err));
		if (app.oidc == NULL) {
			fprintf(stderr, "majorops serve: %s\n", err);
			rc = EXIT_USAGE;
			goto done;
		}
		if (oidc_discover(app.oidc, err, sizeof(err)) != 0)
			fprintf(stderr, "majorops serve: single sign-on is not ready: %s; "
				"sign-in will ask the provider again\n", err);
	}
	if (store_open(&app.store, &scfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops serve: %s\n", err);
		goto done;
	}
	if (secret_load(app.store, app.secret, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops serve: %s\n", err);
		goto done;
	}
	/* Sign-in (auth.h) needs the secret; the first start with sign-in on makes "admin". */
	if (auth_init(&app, &auth_opt, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops serve: %s\n", err);
		rc = EXIT_USAGE;
		goto done;
	}
	if (!o.insecure_no_auth) {
		char password[64];
		int made = auth_first_admin(app.store, app_now(&app), password, sizeof(password));

		if (made < 0) {
			fprintf(stderr, "majorops serve: cannot create the first account\n");
			goto done;
		}
		if (made == 1)
			fprintf(stderr,
				"majorops serve: no account existed, so one was made:\n"
				"    user name: admin\n    password:  %s\n"
				"  (shown this once) sign in at /login and change it with\n"
				"  majorops user passwd admin --db %s, or add your own accounts with\n"
				"  majorops user add NAME --role admin --db %s\n",
				password, o.db, o.db);
		sodium_memzero(password, sizeof(password));
	}
	sse_hub_attach_store(app.hub, app.store);
	/* Streams end with their credential also when another replica or a command-line verb
	 * ends it (sse.h); MAJOROPS_STREAM_CHECK_MS shortens the interval for tests. */
	if (!o.insecure_no_auth)
		sse_hub_set_owner_check(app.hub, auth_stream_check, &app,
					parse_env_ms("MAJOROPS_STREAM_CHECK_MS", 100, 3600 * 1000,
					     SSE_OWNER_CHECK_MS));
	/* Notifications (outbox.h): links need an absolute base, the listen address without
	 * --public-url. */
	{
		char base[96];

		snprintf(base, sizeof(base), "http://%s:%u", o.listen_addr, o.port);
		outbox_cfg.public_url = page.public_url && *page.public_url ? page.public_url : base;
		outbox_cfg.page_name = page.page_name;
		app.outbox = outbox_new(&outbox_cfg, &app, err, sizeof(err));
	}
	if (app.outbox == NULL) {
		fprintf(stderr, "majorops serve: %s\n", err);
		rc = EXIT_USAGE;
		goto done;
	}
	/* The periodic tasks run on whichever replica holds the worker lease. */
	worker = worker_new(app.store, app.clock, app.clock_ctx);
	if (worker == NULL ||
	    worker_register(worker, "heartbeat", WORKER_HEARTBEAT_MS, worker_heartbeat, worker) != 0) {
		fprintf(stderr, "majorops serve: cannot set up the worker\n");
		goto done;
	}
	/* Guardrails fire with nobody touching the incident (command.h). */
	if (worker_register(worker, "guardrails", command_sweep_interval_ms(),
			    command_guardrails_sweep, &app) != 0) {
		fprintf(stderr, "majorops serve: cannot set up the guardrail sweep\n");
		goto done;
	}
	/* Pages nobody acknowledged move to their next escalation step (pages.h). */
	if (worker_register(worker, "pages", pages_sweep_interval_ms(), pages_sweep, &app) != 0) {
		fprintf(stderr, "majorops serve: cannot set up the page escalation\n");
		goto done;
	}
	/* Notifications: the lease holder delivers the outbox and enqueues the weekly digest. */
	if (worker_register(worker, "outbox", OUTBOX_POLL_MS, outbox_task_deliver, app.outbox) != 0 ||
	    worker_register(worker, "digest", outbox_digest_check_ms(app.outbox), outbox_task_digest,
			    app.outbox) != 0 ||
	    outbox_start(app.outbox, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops serve: cannot set up notifications: %s\n", err);
		goto done;
	}
	if (worker_start(worker, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops serve: %s\n", err);
		goto done;
	}

	/* The /login page shows the single sign-on button (auth.h). */
	if (app.oidc != NULL)
		auth_set_sso_configured(&app, true);
	hcfg.listen_addr = o.listen_addr;
	hcfg.port = o.port;
	hcfg.threads = o.threads;
	hcfg.routes = api_routes;
	hcfg.nroutes = api_nroutes;
	hcfg.app = &app;
	hcfg.authorize = auth_authorize;
	hcfg.tls_cert_pem = tls_cert_pem;
	hcfg.tls_key_pem = tls_key_pem;
	srv = http_server_start(&hcfg, err, sizeof(err));
	if (srv == NULL) {
		fprintf(stderr, "majorops serve: %s\n", err);
		goto done;
	}
	store_db_display(o.db, shown, sizeof(shown));
	fprintf(stderr, "majorops %s serving on %s://%s:%u/ with database '%s'\n", MAJOROPS_VERSION,
		tls_cert_pem ? "https" : "http", o.listen_addr, o.port, shown);
	if (sigwait(&stop_signals, &sig) != 0)
		sig = 0;
	fprintf(stderr, "majorops: stopping (signal %d)\n", sig);
	rc = EXIT_SUCCESS;
done:
	if (srv) {
		struct timespec settle = {0, 50 * 1000 * 1000};

		sse_hub_shutdown(app.hub);
		nanosleep(&settle, NULL);
		http_server_stop(srv);
	}
	worker_free(worker);
	outbox_free(app.outbox);
	app.outbox = NULL;
	store_close(app.store);
	public_site_free(app.public_site);
	oidc_free(app.oidc);
	auth_free(&app);
	if (tls_key_pem)
		sodium_memzero(tls_key_pem, strlen(tls_key_pem));
	free(tls_key_pem);
	free(tls_cert_pem);
	sse_hub_free(app.hub);
	timeline_cache_free(app.timeline_cache);
	return rc;
}

/* ---- admin verbs: migrate, export, backup ---- */

/* Opens a store for an admin verb: one reader, no live streams, no worker. */
static int admin_open(const char *verb, const char *db, struct store **out)
{
	struct store_config cfg = {.db = db, .nreaders = 1};
	char err[768];

	if (store_open(out, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops %s: %s\n", verb, err);
		return -1;
	}
	return 0;
}

/* Parses `--NAME VALUE` options of an admin verb into `values` (by index of `names`). */
static int admin_options(int argc, char **argv, const char *usage, const char *const *names,
			 const char **values, size_t nnames)
{
	struct option longopts[8];
	int ch;

	if (nnames + 2 > sizeof(longopts) / sizeof(longopts[0]))
		return -1;
	for (size_t i = 0; i < nnames; i++)
		longopts[i] = (struct option){names[i], required_argument, NULL, (int)i + 1};
	longopts[nnames] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[nnames + 1] = (struct option){NULL, 0, NULL, 0};
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (ch < 1 || ch > (int)nnames) {
			fputs(usage, stderr);
			return -1;
		}
		values[ch - 1] = optarg;
	}
	if (optind < argc) {
		fprintf(stderr, "majorops: unexpected argument '%s'\n\n%s", argv[optind], usage);
		return -1;
	}
	return 0;
}

static int cmd_migrate(int argc, char **argv)
{
	static const char *const names[] = {"from", "to"};
	const char *values[2] = {NULL, NULL};
	struct store *from = NULL, *to = NULL;
	char err[768], shown_from[STORE_DISPLAY_MAX], shown_to[STORE_DISPLAY_MAX];
	int64_t rows;
	int rc = admin_options(argc, argv, usage_migrate, names, values, 2);

	if (rc != 0)
		return rc > 0 ? EXIT_SUCCESS : EXIT_USAGE;
	if (values[0] == NULL || values[1] == NULL) {
		fprintf(stderr, "majorops migrate: both --from and --to are needed\n\n%s", usage_migrate);
		return EXIT_USAGE;
	}
	store_db_display(values[0], shown_from, sizeof(shown_from));
	store_db_display(values[1], shown_to, sizeof(shown_to));
	if (!store_db_is_postgres(values[0]) && access(values[0], F_OK) != 0) {
		fprintf(stderr, "majorops migrate: cannot open '%s': no such file\n", shown_from);
		return EXIT_FAILURE;
	}
	rc = EXIT_FAILURE;
	if (admin_open("migrate", values[0], &from) != 0 || admin_open("migrate", values[1], &to) != 0)
		goto done;
	rows = store_copy(from, to, err, sizeof(err));
	if (rows < 0) {
		fprintf(stderr, "majorops migrate: cannot copy '%s' to '%s': %s\n", shown_from, shown_to,
			err);
		goto done;
	}
	fprintf(stderr, "majorops migrate: copied %lld rows from '%s' to '%s'\n", (long long)rows,
		shown_from, shown_to);
	rc = EXIT_SUCCESS;
done:
	store_close(to);
	store_close(from);
	return rc;
}

static int cmd_export(int argc, char **argv)
{
	static const char *const names[] = {"db", "out"};
	const char *values[2] = {getenv("MAJOROPS_DB"), NULL};
	struct store *s = NULL;
	FILE *out = stdout;
	char err[768];
	int rc = admin_options(argc, argv, usage_export, names, values, 2);

	if (rc != 0)
		return rc > 0 ? EXIT_SUCCESS : EXIT_USAGE;
	if (values[0] == NULL || *values[0] == '\0') {
		fprintf(stderr, "majorops export: --db is needed\n\n%s", usage_export);
		return EXIT_USAGE;
	}
	if (!store_db_is_postgres(values[0]) && access(values[0], F_OK) != 0) {
		fprintf(stderr, "majorops export: cannot open '%s': no such file\n", values[0]);
		return EXIT_FAILURE;
	}
	rc = EXIT_FAILURE;
	if (admin_open("export", values[0], &s) != 0)
		goto done;
	if (values[1]) {
		out = fopen(values[1], "w");
		if (out == NULL) {
			fprintf(stderr, "majorops export: cannot write '%s': %s\n", values[1],
				strerror(errno));
			goto done;
		}
	}
	if (store_export(s, out, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops export: %s\n", err);
		goto done;
	}
	rc = EXIT_SUCCESS;
done:
	if (out != stdout && out != NULL && fclose(out) != 0 && rc == EXIT_SUCCESS) {
		fprintf(stderr, "majorops export: cannot write '%s': %s\n", values[1], strerror(errno));
		rc = EXIT_FAILURE;
	}
	store_close(s);
	return rc;
}

static int cmd_import(int argc, char **argv)
{
	const char *values[1] = {getenv("MAJOROPS_DB")};
	const char *file;
	struct store *s = NULL;
	FILE *in = NULL;
	char err[768], shown[STORE_DISPLAY_MAX];
	int64_t rows;
	int rc;

	/* One operand (FILE) among the options: parsed here, admin_options takes options only. */
	file = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_import, stdout);
			return EXIT_SUCCESS;
		}
		if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			values[0] = argv[++i];
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			values[0] = argv[i] + 5;
		} else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && file == NULL) {
			file = argv[i];
		} else {
			fprintf(stderr, "majorops import: unexpected argument '%s'\n\n%s", argv[i],
				usage_import);
			return EXIT_USAGE;
		}
	}
	if (file == NULL) {
		fprintf(stderr, "majorops import: the export FILE is needed\n\n%s", usage_import);
		return EXIT_USAGE;
	}
	if (values[0] == NULL || *values[0] == '\0') {
		fprintf(stderr, "majorops import: --db is needed\n\n%s", usage_import);
		return EXIT_USAGE;
	}
	in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	if (in == NULL) {
		fprintf(stderr, "majorops import: cannot open '%s': %s\n", file, strerror(errno));
		return EXIT_FAILURE;
	}
	rc = EXIT_FAILURE;
	store_db_display(values[0], shown, sizeof(shown));
	if (admin_open("import", values[0], &s) != 0)
		goto done;
	rows = store_import(s, in, err, sizeof(err));
	if (rows < 0) {
		fprintf(stderr, "majorops import: cannot import '%s' into '%s': %s\n", file, shown, err);
		goto done;
	}
	fprintf(stderr, "majorops import: imported %lld rows into '%s'\n", (long long)rows, shown);
	rc = EXIT_SUCCESS;
done:
	if (in != stdin)
		fclose(in);
	store_close(s);
	return rc;
}

/* Writes `s` on one line: tabs and line breaks would split a field for scripts. */
static void print_field(const char *s)
{
	for (; s && *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static int cmd_actions(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},    {"state", required_argument, NULL, 's'},
		{"overdue", no_argument, NULL, 'o'},     {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	const char *db = getenv("MAJOROPS_DB"), *state = NULL;
	struct action_filter filter = {.limit = ACTION_LIST_MAX};
	struct app app = {.clock = clock_wall_ms};
	enum action_state parsed;
	struct api_error err;
	json_t *out = NULL, *item;
	bool as_json = false;
	size_t i;
	int ch, rc = EXIT_FAILURE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 's': state = optarg; break;
		case 'o': filter.overdue = true; break;
		case 'j': as_json = true; break;
		case 'h': fputs(usage_actions, stdout); return EXIT_SUCCESS;
		default: fputs(usage_actions, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "majorops: unexpected argument '%s'\n\n%s", argv[optind], usage_actions);
		return EXIT_USAGE;
	}
	if (db == NULL || *db == '\0') {
		fprintf(stderr, "majorops actions: --db is needed\n\n%s", usage_actions);
		return EXIT_USAGE;
	}
	if (state && action_state_parse(state, &parsed) != 0) {
		fprintf(stderr, "majorops actions: unknown state '%s'\n\n%s", state, usage_actions);
		return EXIT_USAGE;
	}
	filter.state = state;
	if (!store_db_is_postgres(db) && access(db, F_OK) != 0) {
		fprintf(stderr, "majorops actions: cannot open '%s': no such file\n", db);
		return EXIT_FAILURE;
	}
	if (admin_open("actions", db, &app.store) != 0)
		return EXIT_FAILURE;
	if (actions_list(&app, &filter, &out, &err) != 0) {
		fprintf(stderr, "majorops actions: %s\n", err.message);
		goto done;
	}
	if (as_json) {
		char *text = json_to_text(out);

		if (text == NULL)
			goto done;
		puts(text);
		free(text);
	} else {
		json_array_foreach(json_object_get(out, "actions"), i, item) {
			printf("%lld\t%s\t%s\t%s\t%s\t", (long long)json_integer_value(json_object_get(item, "id")),
			       json_string_value(json_object_get(item, "incident")),
			       json_string_value(json_object_get(item, "dueDate")),
			       json_string_value(json_object_get(item, "state")),
			       json_string_value(json_object_get(item, "priority")));
			print_field(json_string_value(json_object_get(item, "owner")));
			putchar('\t');
			print_field(json_string_value(json_object_get(item, "title")));
			putchar('\n');
		}
	}
	rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
done:
	json_decref(out);
	store_close(app.store);
	return rc;
}

static int cmd_backup(int argc, char **argv)
{
	static const char *const names[] = {"db", "out"};
	const char *values[2] = {getenv("MAJOROPS_DB"), NULL};
	char err[768];
	int rc = admin_options(argc, argv, usage_backup, names, values, 2);

	if (rc != 0)
		return rc > 0 ? EXIT_SUCCESS : EXIT_USAGE;
	if (values[0] == NULL || *values[0] == '\0' || values[1] == NULL) {
		fprintf(stderr, "majorops backup: --db and --out are needed\n\n%s", usage_backup);
		return EXIT_USAGE;
	}
	if (store_backup(values[0], values[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops backup: %s\n", err);
		return EXIT_FAILURE;
	}
	fprintf(stderr, "majorops backup: '%s' copied to '%s'\n", values[0], values[1]);
	return EXIT_SUCCESS;
}
int main(int argc, char **argv)
{
	/* serve takes its stop signals with sigwait(): block them first thing. */
	if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
		sigset_t stop_signals;

		sigemptyset(&stop_signals);
		sigaddset(&stop_signals, SIGINT);
		sigaddset(&stop_signals, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	}
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
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate(argc - 1, argv + 1);
	if (strcmp(argv[1], "export") == 0)
		return cmd_export(argc - 1, argv + 1);
	if (strcmp(argv[1], "import") == 0)
		return cmd_import(argc - 1, argv + 1);
	if (strcmp(argv[1], "backup") == 0)
		return cmd_backup(argc - 1, argv + 1);
	if (strcmp(argv[1], "actions") == 0)
		return cmd_actions(argc - 1, argv + 1);
	if (strcmp(argv[1], "user") == 0)
		return auth_cli_user(argc - 1, argv + 1);
	if (strcmp(argv[1], "token") == 0)
		return auth_cli_token(argc - 1, argv + 1);
	if (strcmp(argv[1], "routes") == 0)
		return auth_cli_routes(argc - 1, argv + 1);
	fprintf(stderr, "majorops: unknown command '%s'\n\n", argv[1]);
	fputs(usage_main, stderr);
	return EXIT_USAGE;
}
