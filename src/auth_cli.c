/* auth_cli — the command-line verbs for accounts and tokens, and `majorops routes`. */
#include "auth_cli.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "parse.h"
#include "service.h"
#include "store.h"

#define EXIT_USAGE 2
#define DAY_MS (24LL * 3600 * 1000)

static const char usage_user[] =
	"usage: majorops user <verb> [--db PATH|URL] ...\n"
	"\n"
	"Local accounts of the store (--db, or MAJOROPS_DB; default ./majorops.db):\n"
	"  user add NAME --role ROLE [--display TEXT] [--password-stdin]\n"
	"                          a new account; the password is asked twice on the terminal,\n"
	"                          or read from the first line of standard input\n"
	"  user list               one account a line: name, role, state, source, display name\n"
	"  user set-role NAME ROLE viewer, responder, mim or admin\n"
	"  user disable NAME       its sessions and tokens stop working at once\n"
	"  user enable NAME\n"
	"  user passwd NAME [--password-stdin]\n"
	"                          a new password; every session of the account ends\n"
	"Every change is in the audit log (GET /api/v1/audit) with the actor \"cli\".\n";

static const char usage_token[] =
	"usage: majorops token <verb> [--db PATH|URL] ...\n"
	"\n"
	"API tokens (Authorization: Bearer) of the store (--db, or MAJOROPS_DB):\n"
	"  token create USER [--role ROLE] [--expires ISO-TIME | --days N] [--name TEXT]\n"
	"                          a new token acting as USER with ROLE (at most the account's;\n"
	"                          default the account's); the token is printed once, alone on\n"
	"                          the last line\n"
	"  token list [--user USER] one token a line: id, user, role, state, expiry, name\n"
	"  token revoke ID         the token stops working at once\n";

static const char usage_routes[] =
	"usage: majorops routes\n"
	"\n"
	"Prints the route table as JSON: [{\"method\", \"pattern\", \"role\"}, ...], role being\n"
	"the least one a route needs (public, viewer, responder, mim, admin).\n";

static int open_store(const char *verb, const char *db, struct store **out)
{
	struct store_config cfg = {.db = db, .nreaders = 1};
	char err[768];

	if (store_open(out, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "majorops %s: %s\n", verb, err);
		return -1;
	}
	return 0;
}

/* Reads a password: the first line of standard input, or twice without echo on the
 * terminal.  0, or -1 with a message printed. */
static int read_password(const char *verb, bool from_stdin, char *out, size_t outlen)
{
	char again[AUTH_PASSWORD_MAX * 4 + 2];
	struct termios old, quiet;
	FILE *tty, *say;
	size_t len;

	if (from_stdin) {
		if (fgets(out, (int)outlen, stdin) == NULL) {
			fprintf(stderr, "majorops %s: no password on standard input\n", verb);
			return -1;
		}
		len = strcspn(out, "\r\n");
		out[len] = '\0';
		return 0;
	}
	/* The terminal, once to read and once to write (one stream may not do both without a
	 * seek between). */
	tty = fopen("/dev/tty", "r");
	say = tty ? fopen("/dev/tty", "w") : NULL;
	if (tty == NULL || say == NULL) {
		if (tty)
			fclose(tty);
		fprintf(stderr, "majorops %s: no terminal to ask the password on; use "
				"--password-stdin\n", verb);
		return -1;
	}
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	fputs("Password: ", say);
	fflush(say);
	if (fgets(out, (int)outlen, tty) == NULL)
		out[0] = '\0';
	fputs("\nAgain: ", say);
	fflush(say);
	if (fgets(again, (int)sizeof(again), tty) == NULL)
		again[0] = '\0';
	fputs("\n", say);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fclose(say);
	fclose(tty);
	out[strcspn(out, "\r\n")] = '\0';
	again[strcspn(again, "\r\n")] = '\0';
	if (strcmp(out, again) != 0) {
		sodium_memzero(again, sizeof(again));
		fprintf(stderr, "majorops %s: the two passwords differ\n", verb);
		return -1;
	}
	sodium_memzero(again, sizeof(again));
	return 0;
}

static void print_field(const char *s)
{
	for (; s && *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static int report(const char *verb, int rc, const struct api_error *err)
{
	if (rc == 0)
		return EXIT_SUCCESS;
	fprintf(stderr, "majorops %s: %s\n", verb, err->message);
	return EXIT_FAILURE;
}

int auth_cli_user(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},      {"role", required_argument, NULL, 'r'},
		{"display", required_argument, NULL, 'D'}, {"password-stdin", no_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *db = getenv("MAJOROPS_DB"), *role_text = NULL, *display = NULL, *verb;
	const char *positional[3] = {NULL, NULL, NULL};
	struct auth_actor by = {.name = "cli", .address = ""};
	char password[AUTH_PASSWORD_MAX * 4 + 2];
	struct store *s = NULL;
	struct api_error err;
	enum access_role role = ACCESS_VIEWER;
	bool from_stdin = false;
	int ch, npos = 0, rc = EXIT_FAILURE;
	int64_t now;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'r': role_text = optarg; break;
		case 'D': display = optarg; break;
		case 'p': from_stdin = true; break;
		case 'h': fputs(usage_user, stdout); return EXIT_SUCCESS;
		default: fputs(usage_user, stderr); return EXIT_USAGE;
		}
	}
	while (optind < argc && npos < 3)
		positional[npos++] = argv[optind++];
	verb = positional[0];
	if (verb == NULL || optind < argc) {
		fputs(usage_user, stderr);
		return EXIT_USAGE;
	}
	if (db == NULL || *db == '\0')
		db = "majorops.db";
	if (strcmp(verb, "list") == 0 ? npos != 1
	    : strcmp(verb, "set-role") == 0 ? npos != 3
	    : (strcmp(verb, "add") == 0 || strcmp(verb, "disable") == 0 ||
	       strcmp(verb, "enable") == 0 || strcmp(verb, "passwd") == 0)
		? npos != 2
		: true) {
		fprintf(stderr, "majorops user: '%s' is not a verb with those arguments\n\n%s", verb,
			usage_user);
		return EXIT_USAGE;
	}
	if (strcmp(verb, "set-role") == 0)
		role_text = positional[2];
	if (role_text && auth_role_parse(role_text, &role) != 0) {
		fprintf(stderr, "majorops user: role '%s' is not one of viewer, responder, mim, admin\n",
			role_text);
		return EXIT_USAGE;
	}
	if (strcmp(verb, "add") == 0 && role_text == NULL) {
		fprintf(stderr, "majorops user add: --role is needed\n\n%s", usage_user);
		return EXIT_USAGE;
	}
	if ((strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0) &&
	    read_password("user", from_stdin, password, sizeof(password)) != 0)
		return EXIT_FAILURE;
	if (open_store("user", db, &s) != 0)
		goto done;
	now = clock_wall_ms(NULL);
	if (strcmp(verb, "add") == 0) {
		rc = report("user add", auth_user_add(s, &by, now, positional[1], display, role,
						      password, "local", &err), &err);
		if (rc == EXIT_SUCCESS)
			fprintf(stderr, "majorops user add: '%s' is %s\n", positional[1], role_text);
	} else if (strcmp(verb, "passwd") == 0) {
		rc = report("user passwd", auth_user_set_password(s, &by, now, positional[1], password,
								  &err), &err);
	} else if (strcmp(verb, "set-role") == 0) {
		rc = report("user set-role", auth_user_set_role(s, &by, now, positional[1], role, &err),
			    &err);
	} else if (strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0) {
		rc = report(verb, auth_user_set_disabled(s, &by, now, positional[1],
							 strcmp(verb, "disable") == 0, &err), &err);
	} else {
		json_t *out = NULL, *u;
		size_t i;

		if (auth_user_list(s, &out, &err) != 0) {
			rc = report("user list", -1, &err);
			goto done;
		}
		json_array_foreach(json_object_get(out, "users"), i, u) {
			print_field(json_string_value(json_object_get(u, "name")));
			printf("\t%s\t%s\t%s\t", json_string_value(json_object_get(u, "role")),
			       json_is_true(json_object_get(u, "disabled")) ? "disabled" : "enabled",
			       json_string_value(json_object_get(u, "source")));
			print_field(json_string_value(json_object_get(u, "display")));
			putchar('\n');
		}
		json_decref(out);
		rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
done:
	sodium_memzero(password, sizeof(password));
	store_close(s);
	return rc;
}

int auth_cli_token(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, NULL, 'd'},      {"role", required_argument, NULL, 'r'},
		{"expires", required_argument, NULL, 'e'}, {"days", required_argument, NULL, 'D'},
		{"name", required_argument, NULL, 'n'},    {"user", required_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	const char *db = getenv("MAJOROPS_DB"), *role_text = NULL, *expires_text = NULL;
	const char *days_text = NULL, *label = NULL, *user = NULL, *verb;
	const char *positional[2] = {NULL, NULL};
	struct auth_actor by = {.name = "cli", .address = ""};
	enum access_role role = ACCESS_UNDECLARED;
	char token[AUTH_TOKEN_TEXT];
	struct store *s = NULL;
	struct api_error err;
	int64_t now = clock_wall_ms(NULL), expires = 0;
	int ch, npos = 0, rc = EXIT_FAILURE;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'r': role_text = optarg; break;
		case 'e': expires_text = optarg; break;
		case 'D': days_text = optarg; break;
		case 'n': label = optarg; break;
		case 'u': user = optarg; break;
		case 'h': fputs(usage_token, stdout); return EXIT_SUCCESS;
		default: fputs(usage_token, stderr); return EXIT_USAGE;
		}
	}
	while (optind < argc && npos < 2)
		positional[npos++] = argv[optind++];
	verb = positional[0];
	if (verb == NULL || optind < argc ||
	    (strcmp(verb, "list") == 0 ? npos != 1
	     : strcmp(verb, "create") == 0 || strcmp(verb, "revoke") == 0 ? npos != 2
									    : true)) {
		fputs(usage_token, stderr);
		return EXIT_USAGE;
	}
	if (db == NULL || *db == '\0')
		db = "majorops.db";
	if (role_text && auth_role_parse(role_text, &role) != 0) {
		fprintf(stderr, "majorops token: role '%s' is not one of viewer, responder, mim, admin\n",
			role_text);
		return EXIT_USAGE;
	}
	if (expires_text && days_text) {
		fprintf(stderr, "majorops token create: --expires or --days, not both\n");
		return EXIT_USAGE;
	}
	if (expires_text && time_from_iso(expires_text, &expires) != 0) {
		fprintf(stderr, "majorops token create: --expires '%s' is not an ISO 8601 UTC time "
				"(2026-12-31T00:00:00Z)\n", expires_text);
		return EXIT_USAGE;
	}
	if (days_text) {
		const char *p = days_text;
		uint64_t days;

		if (parse_u64(&p, &days, 3650) != 0 || *p != '\0' || days == 0) {
			fprintf(stderr, "majorops token create: --days must be 1..3650\n");
			return EXIT_USAGE;
		}
		expires = now + (int64_t)days * DAY_MS;
	}
	if (open_store("token", db, &s) != 0)
		return EXIT_FAILURE;
	if (strcmp(verb, "create") == 0) {
		json_t *out = NULL;

		if (auth_token_create(s, &by, now, positional[1], role, expires, label, &out, token,
				      &err) != 0) {
			rc = report("token create", -1, &err);
			goto done;
		}
		fprintf(stdout, "token %lld for %s, role %s, %s%s\n",
			(long long)json_integer_value(json_object_get(out, "id")), positional[1],
			json_string_value(json_object_get(out, "role")),
			expires ? "expires " : "no expiry",
			expires ? json_string_value(json_object_get(out, "expiresAt")) : "");
		fprintf(stdout, "shown this once; use it as Authorization: Bearer <token>\n%s\n", token);
		sodium_memzero(token, sizeof(token));
		json_decref(out);
		rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	} else if (strcmp(verb, "revoke") == 0) {
		const char *p = positional[1];
		uint64_t id;

		if (parse_u64(&p, &id, INT64_MAX) != 0 || *p != '\0') {
			fprintf(stderr, "majorops token revoke: '%s' is not a token id\n", positional[1]);
			rc = EXIT_USAGE;
			goto done;
		}
		rc = report("token revoke", auth_token_revoke(s, &by, now, (int64_t)id, NULL, &err),
			    &err);
	} else {
		json_t *out = NULL, *t;
		size_t i;

		if (auth_token_list(s, user, &out, &err) != 0) {
			rc = report("token list", -1, &err);
			goto done;
		}
		json_array_foreach(json_object_get(out, "tokens"), i, t) {
			const char *exp = json_string_value(json_object_get(t, "expiresAt"));

			printf("%lld\t", (long long)json_integer_value(json_object_get(t, "id")));
			print_field(json_string_value(json_object_get(t, "user")));
			printf("\t%s\t%s\t%s\t", json_string_value(json_object_get(t, "role")),
			       json_is_true(json_object_get(t, "revoked")) ? "revoked" : "active",
			       exp ? exp : "never");
			print_field(json_string_value(json_object_get(t, "name")));
			putchar('\n');
		}
		json_decref(out);
		rc = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
done:
	store_close(s);
	return rc;
}

int auth_cli_routes(int argc, char **argv)
{
	json_t *list = json_array();
	char *text;

	if (argc > 1) {
		fputs(usage_routes, strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0
					    ? stdout
					    : stderr);
		json_decref(list);
		return strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ? EXIT_SUCCESS
										      : EXIT_USAGE;
	}
	for (size_t i = 0; list && i < api_nroutes; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "method", api_routes[i].method,
						      "pattern", api_routes[i].pattern, "role",
						      access_role_name(api_routes[i].role)));
	text = list ? json_dumps(list, JSON_INDENT(1)) : NULL;
	json_decref(list);
	if (text == NULL)
		return EXIT_FAILURE;
	puts(text);
	free(text);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
