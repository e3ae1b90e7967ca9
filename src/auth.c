/* auth — accounts, sessions, API tokens, audit, and the per-request check (see auth.h). */
#include "auth.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "buf.h"
#include "parse.h"
#include "secret.h"
#include "service.h"
#include "sse.h"
#include "store.h"

/* Password checks at once: each Argon2id verification takes 64 MiB, so a flood of sign-ins
 * on every worker thread could take a gigabyte; the rest wait their turn. */
#define AUTH_VERIFY_CONCURRENCY 4
#define AUDIT_DETAIL_MAX 2000

struct auth {
	bool insecure, tls, sso;
	char public_origin[256]; /* "https://status.example.com", "" when not set */
	char trusted_header[128];
	struct auth_cidr proxies[AUTH_PROXIES_MAX];
	int nproxies;
	enum access_role proxy_role;
	int64_t idle_ms, absolute_ms;
	unsigned char csrf_key[SECRET_BYTES];
	/* Keys the hashes that name throttled accounts and addresses in the store: derived
	 * from the server secret, so every replica names them alike, and no address is kept
	 * in the clear. */
	unsigned char throttle_key[SECRET_BYTES];
	/* Verified against for an unknown user, so that answer costs what a wrong password
	 * costs (no user enumeration by timing). */
	char dummy_hash[crypto_pwhash_STRBYTES];
	pthread_mutex_t lock; /* last_prune */
	sem_t verifying;      /* AUTH_VERIFY_CONCURRENCY password checks at a time */
	int64_t last_prune;
};

/* ---- common passwords ----
 * A few hundred of the most frequent passwords of public breach-derived lists (the heads of
 * SecLists' Passwords/Common-Credentials lists, Daniel Miessler et al., MIT licence, and of
 * the UK NCSC's "100k most used passwords"), kept to those a length rule alone would let
 * through or that differ from one only by case.  Compared case-insensitively. */
static const char *const common_passwords[] = {
	"123456789012", "1234567890", "12345678910", "0123456789", "0987654321", "1q2w3e4r5t",
	"1q2w3e4r5t6y", "1qaz2wsx3edc", "1qazxsw23edc", "qwertyuiop", "qwertyuiop123",
	"asdfghjkl", "asdfghjkl1", "zxcvbnm123", "qwerty12345", "qwerty123456", "qwertyqwerty",
	"qwerty1234", "password", "password1", "password12", "password123", "password1234",
	"password12345", "password!", "password1!", "passw0rd", "passw0rd1", "p@ssw0rd",
	"p@ssword", "p@ssw0rd1", "p@ssw0rd123", "p@ssword123", "pa55word", "pa$$word",
	"passwordpassword", "mypassword", "mypassword1", "newpassword", "secretpassword",
	"iloveyou", "iloveyou1", "iloveyou12", "iloveyou123", "iloveyou2", "iloveyoubaby",
	"princess", "princess1", "princess12", "sunshine", "sunshine1", "sunshine123",
	"football", "football1", "football12", "football123", "baseball", "baseball1",
	"basketball", "basketball1", "soccer123", "hockey123", "superman", "superman1",
	"superman123", "batman123", "spiderman", "spiderman1", "starwars", "starwars1",
	"starwars123", "pokemon123", "pokemon1", "naruto123", "dragonball", "harrypotter",
	"whatever", "whatever1", "welcome", "welcome1", "welcome12", "welcome123", "welcome2023",
	"welcome2024", "welcome2025", "welcome2026", "letmein", "letmein1", "letmein123",
	"letmeinnow", "trustno1", "trustnoone", "changeme", "changeme1", "changeme123",
	"changeit", "default", "default123", "administrator", "administrator1", "admin123",
	"admin1234", "admin12345", "adminadmin", "admin@123", "administrator123", "root1234",
	"rootroot", "toor12345", "master", "master123", "mastermaster", "access14",
	"accessdenied", "computer", "computer1", "computer123", "internet", "internet1",
	"michael", "michael1", "michael123", "jennifer", "jennifer1", "jessica1", "jessica123",
	"ashley123", "daniel123", "charlie123", "jordan23", "jordan123", "michelle1",
	"nicole123", "elizabeth", "elizabeth1", "christopher", "christina", "alexander",
	"alexander1", "katherine", "benjamin1", "samantha", "samantha1", "victoria",
	"stephanie", "anthony1", "matthew1", "andrew123", "joshua123", "robert123",
	"thomas123", "william1", "richard1", "patrick1", "charlotte", "liverpool",
	"liverpool1", "chelsea123", "arsenal123", "manchester", "manchesterunited", "barcelona",
	"realmadrid", "juventus", "yankees1", "cowboys1", "steelers", "lakers24",
	"butterfly", "butterfly1", "chocolate", "chocolate1", "strawberry", "blueberry",
	"pineapple", "cheesecake", "cupcake123", "cookie123", "sweetheart", "sweetie1",
	"babygirl1", "babygirl12", "lovelove", "loveyou123", "lovely123", "mylove123",
	"forever1", "forever21", "friends1", "bestfriend", "together", "tinkerbell",
	"rainbow123", "flower123", "angel123", "angels123", "monkey123", "monkey1234",
	"dragon123", "dragon1234", "shadow123", "shadow1234", "hunter123", "hunter2hunter2",
	"tigger123", "killer123", "jordan2323", "ranger123", "buster123", "soccer1234",
	"freedom1", "freedom123", "qazwsxedc", "qazwsxedcrfv", "zaq12wsx", "zaq1zaq1",
	"zaq1xsw2", "1qaz2wsx", "!qaz2wsx", "1q2w3e4r", "q1w2e3r4t5", "q1w2e3r4t5y6",
	"a1b2c3d4e5", "abc123456", "abcd12345", "abcdef123", "abcdefghij", "abcdefg123",
	"abc12345678", "aa12345678", "aa123456789", "a123456789", "a1234567890", "1234abcd",
	"12345abcde", "123456abc", "123456789a", "123456789q", "1234567890q", "123123123",
	"123123123123", "1231231234", "123321123", "123454321", "1234554321", "1234512345",
	"1122334455", "1111111111", "0000000000", "9999999999", "2222222222", "5555555555",
	"7777777777", "8888888888", "1212121212", "1111122222", "1234567899", "9876543210",
	"987654321", "147258369", "159753456", "741852963", "789456123", "147852369",
	"963852741", "3216549870", "159357456", "1478963250", "0102030405", "1020304050",
	"11223344", "112233445566", "12341234", "1234512345a", "12344321", "87654321",
	"00000000", "11111111", "12345678", "123456789", "qwerty", "abc123", "monkey",
	"dragon", "shadow", "ninja", "mustang", "access", "trustno", "starwars2", "ginger123",
	"summer2023", "summer2024", "summer2025", "summer2026", "winter2023", "winter2024",
	"winter2025", "winter2026", "spring2024", "spring2025", "autumn2025", "fall2025",
	"january2025", "december2025", "october2025", "password2023", "password2024",
	"password2025", "password2026", "passwort", "passwort1", "passwort123", "motdepasse",
	"contrasena", "contrasena1", "senha123", "wachtwoord", "salasana", "hallo123",
	"schalke04", "ficken123", "azerty123", "azertyuiop", "qwertzuiop", "qwertz123",
	"solo1234", "samsung123", "samsung1", "google123", "facebook1", "facebook123",
	"linkedin1", "youtube123", "twitter123", "microsoft", "microsoft1", "apple1234",
	"iphone123", "nintendo", "playstation", "xbox360", "minecraft", "minecraft1",
	"minecraft123", "fortnite1", "roblox123", "counterstrike", "warcraft", "worldofwarcraft",
	"computer12", "security", "security1", "security123", "incident", "incident1",
	"incident123", "majorops", "majorops1", "majorops123", "letmein!", "welcome!",
	"opensesame", "open sesame", "ilovegod", "jesus123", "jesuschrist", "blessed1",
	"trinity1", "nothing1", "secret123", "secret1234", "mysecret", "topsecret",
	"asdf1234", "asdfasdf", "asdfasdfasdf", "asdf123456", "qwer1234", "qwerasdf",
	"qwerasdfzxcv", "zxcvbnm", "zxcvbnmasdfghjkl", "poiuytrewq", "lkjhgfdsa", "mnbvcxz",
	"1qaz!qaz", "qwe123qwe", "qweasdzxc", "qweasd123", "asd123456", "zxc123456",
	"aaaaaaaaaa", "abcabcabc", "testtest", "test1234", "test12345", "testing123",
	"demo1234", "guest1234", "user1234", "login123", "login1234", "temp1234",
	"temppassword", "passpass", "pass1234", "pass12345", "pass123456", "mypass123",
};

/* ---- small helpers ---- */

static struct auth *auth_of(const struct app *app)
{
	return app ? app->auth : NULL;
}

static const char *role_text(enum access_role r)
{
	return access_role_name(r);
}

int auth_role_parse(const char *name, enum access_role *out)
{
	static const enum access_role roles[] = {ACCESS_VIEWER, ACCESS_RESPONDER, ACCESS_MIM,
						 ACCESS_ADMIN};

	for (size_t i = 0; name && i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(name, access_role_name(roles[i])) == 0) {
			*out = roles[i];
			return 0;
		}
	}
	return -1;
}

bool auth_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > AUTH_NAME_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
	      (name[0] >= '0' && name[0] <= '9')))
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '@' || ch == '+' || ch == '-'))
			return false;
	}
	return true;
}

/* A run like "abcdefghij", "9876543210" or "aaaaaaaaaa": every step the same (-1, 0, +1). */
static bool is_simple_run(const char *s)
{
	size_t len = strlen(s);
	int step;

	if (len < 2)
		return true;
	step = (unsigned char)s[1] - (unsigned char)s[0];
	if (step < -1 || step > 1)
		return false;
	for (size_t i = 2; i < len; i++)
		if ((unsigned char)s[i] - (unsigned char)s[i - 1] != step)
			return false;
	return true;
}

int auth_password_check(const char *username, const char *password, char *why, size_t whylen)
{
	size_t nchars;

	if (password == NULL || !utf8_valid(password)) {
		snprintf(why, whylen, "the password must be text in UTF-8");
		return -1;
	}
	nchars = utf8_length(password);
	if (nchars < AUTH_PASSWORD_MIN) {
		snprintf(why, whylen, "the password must have at least %d characters",
			 AUTH_PASSWORD_MIN);
		return -1;
	}
	if (nchars > AUTH_PASSWORD_MAX) {
		snprintf(why, whylen, "the password must have at most %d characters",
			 AUTH_PASSWORD_MAX);
		return -1;
	}
	if (username && strcasecmp(username, password) == 0) {
		snprintf(why, whylen, "the password must not be the user name");
		return -1;
	}
	if (is_simple_run(password)) {
		snprintf(why, whylen, "the password must not be a run of one or consecutive characters");
		return -1;
	}
	for (size_t i = 0; i < sizeof(common_passwords) / sizeof(common_passwords[0]); i++) {
		if (strcasecmp(password, common_passwords[i]) == 0) {
			snprintf(why, whylen,
				 "the password is one of the most common passwords; choose another");
			return -1;
		}
	}
	return 0;
}

int auth_password_hash(const char *password, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES)
		return -1;
	return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
		       ? 0
		       : -1;
}

void auth_hash_hex(const char *secret, char out[AUTH_HASH_TEXT])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)secret, strlen(secret), NULL, 0);
	sodium_bin2hex(out, AUTH_HASH_TEXT, h, sizeof(h));
}

void auth_random_id(char out[AUTH_ID_TEXT])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_ID_TEXT, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

int64_t auth_throttle_wait(int failures, int limit, int64_t last_failure, int64_t now)
{
	int64_t delay = AUTH_THROTTLE_BASE_MS, wait;
	int over;

	if (failures < limit)
		return 0;
	if (now - last_failure >= AUTH_THROTTLE_WINDOW_MS)
		return 0;
	over = failures - limit;
	while (over-- > 0 && delay < AUTH_THROTTLE_MAX_MS)
		delay *= 2;
	if (delay > AUTH_THROTTLE_MAX_MS)
		delay = AUTH_THROTTLE_MAX_MS;
	wait = last_failure + delay - now;
	return wait > 0 ? wait : 0;
}

bool auth_local_path(const char *next)
{
	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return false;
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || strchr("\\\"'<>`", *p))
			return false; /* also keeps it inert inside the HTML of the SSO hop page */
	return strlen(next) < 200;
}

/* ---- CIDR ---- */

int auth_cidr_parse(const char *text, struct auth_cidr *out)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);
	struct in_addr v4;
	int max = 128;
	uint64_t prefix = 0;

	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, text, len);
	addr[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, &v4) == 1) {
		out->addr[10] = 0xff;
		out->addr[11] = 0xff;
		memcpy(out->addr + 12, &v4, 4);
		max = 32;
	} else if (inet_pton(AF_INET6, addr, out->addr) != 1) {
		return -1;
	}
	if (slash) {
		const char *p = slash + 1;

		if (parse_u64(&p, &prefix, (uint64_t)max) != 0 || *p != '\0')
			return -1;
	} else {
		prefix = (uint64_t)max;
	}
	out->prefix = (int)prefix + (max == 32 ? 96 : 0);
	return 0;
}

static bool cidr_match_bytes(const struct auth_cidr *c, const unsigned char a[16])
{
	int full = c->prefix / 8, rest = c->prefix % 8;

	if (memcmp(c->addr, a, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((c->addr[full] ^ a[full]) & (unsigned char)(0xff << (8 - rest))) == 0;
}

bool auth_cidr_match(const struct auth_cidr *c, const void *sa_ptr)
{
	const struct sockaddr *sa = sa_ptr;
	unsigned char a[16] = {0};

	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		a[10] = 0xff;
		a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)sa_ptr)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)sa_ptr)->sin6_addr, 16);
	} else {
		return false;
	}
	return cidr_match_bytes(c, a);
}

bool auth_cidr_match_text(const struct auth_cidr *c, const char *addr)
{
	struct auth_cidr one;

	if (auth_cidr_parse(addr, &one) != 0)
		return false;
	return cidr_match_bytes(c, one.addr);
}

/* ---- set-up ---- */

static int origin_of(const char *url, char *out, size_t outlen)
{
	const char *scheme_end = strstr(url, "://");
	const char *host, *end;

	if (scheme_end == NULL)
		return -1;
	host = scheme_end + 3;
	end = host + strcspn(host, "/?#");
	if (end == host || (size_t)(end - url) >= outlen)
		return -1;
	memcpy(out, url, (size_t)(end - url));
	out[end - url] = '\0';
	return 0;
}

int auth_init(struct app *app, const struct auth_options *opt, char *err, size_t errlen)
{
	struct auth *a = calloc(1, sizeof(*a));
	const char *role = opt->proxy_default_role ? opt->proxy_default_role : "viewer";

	if (a == NULL || sodium_init() < 0) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&a->lock, NULL);
	sem_init(&a->verifying, 0, AUTH_VERIFY_CONCURRENCY);
	a->insecure = opt->insecure;
	a->tls = opt->tls;
	a->idle_ms = opt->idle_ms > 0 ? opt->idle_ms : AUTH_SESSION_IDLE_MS;
	a->absolute_ms = opt->absolute_ms > 0 ? opt->absolute_ms : AUTH_SESSION_ABSOLUTE_MS;
	if (opt->public_url && *opt->public_url &&
	    origin_of(opt->public_url, a->public_origin, sizeof(a->public_origin)) != 0) {
		snprintf(err, errlen, "--public-url '%s' is not a URL with a scheme and host",
			 opt->public_url);
		goto fail;
	}
	if (auth_role_parse(role, &a->proxy_role) != 0) {
		snprintf(err, errlen,
			 "--proxy-default-role '%s' is not one of viewer, responder, mim, admin", role);
		goto fail;
	}
	if (opt->trusted_header && *opt->trusted_header) {
		if (str_copy(a->trusted_header, opt->trusted_header, sizeof(a->trusted_header)) >=
		    sizeof(a->trusted_header)) {
			snprintf(err, errlen, "--trusted-header is too long");
			goto fail;
		}
		if (opt->trusted_proxies == NULL || *opt->trusted_proxies == '\0') {
			snprintf(err, errlen,
				 "--trusted-header needs --trusted-proxy: the addresses it is believed from");
			goto fail;
		}
	}
	if (opt->trusted_proxies && *opt->trusted_proxies) {
		const char *p = opt->trusted_proxies;

		while (*p) {
			char one[80];
			size_t len = strcspn(p, ", ");

			if (len && (len >= sizeof(one) || a->nproxies == AUTH_PROXIES_MAX)) {
				snprintf(err, errlen, "--trusted-proxy: at most %d ranges of CIDR text",
					 AUTH_PROXIES_MAX);
				goto fail;
			}
			if (len) {
				memcpy(one, p, len);
				one[len] = '\0';
				if (auth_cidr_parse(one, &a->proxies[a->nproxies]) != 0) {
					snprintf(err, errlen,
						 "--trusted-proxy: '%s' is not an address or CIDR range", one);
					goto fail;
				}
				a->nproxies++;
			}
			p += len;
			while (*p == ',' || *p == ' ')
				p++;
		}
	}
	secret_derive(app->secret, "session-csrf", a->csrf_key);
	secret_derive(app->secret, "login-throttle", a->throttle_key);
	if (!a->insecure &&
	    auth_password_hash("majorops: no such user, the same cost", a->dummy_hash,
			       sizeof(a->dummy_hash)) != 0) {
		snprintf(err, errlen, "cannot hash a password (out of memory?)");
		goto fail;
	}
	app->auth = a;
	return 0;
fail:
	pthread_mutex_destroy(&a->lock);
	sem_destroy(&a->verifying);
	free(a);
	return -1;
}

void auth_free(struct app *app)
{
	struct auth *a = auth_of(app);

	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->lock);
	sem_destroy(&a->verifying);
	sodium_memzero(a, sizeof(*a));
	free(a);
	app->auth = NULL;
}

bool auth_insecure(const struct app *app)
{
	const struct auth *a = auth_of(app);

	return a && a->insecure;
}

void auth_set_sso_configured(struct app *app, bool on)
{
	if (app->auth)
		app->auth->sso = on;
}

bool auth_sso_configured(const struct app *app)
{
	const struct auth *a = auth_of(app);

	return a && a->sso;
}

/* ---- throttling ----
 * Failures are counted in the store (login_throttle), per account and per address, so
 * every replica on one PostgreSQL sees the same counts: N replicas do not give an
 * attacker N times the tries. */

/* The store's name for "u:NAME" or "a:ADDRESS": a keyed BLAKE2b-256 hash, in hex. */
static void throttle_key(const struct auth *a, char kind, const char *what,
			 char out[AUTH_HASH_TEXT])
{
	unsigned char h[32];
	char text[AUTH_NAME_MAX + 8];
	size_t n = (size_t)snprintf(text, sizeof(text), "%c:%s", kind, what);

	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	crypto_generichash(h, sizeof(h), (const unsigned char *)text, n, a->throttle_key,
			   sizeof(a->throttle_key));
	sodium_bin2hex(out, AUTH_HASH_TEXT, h, sizeof(h));
}

/* The ms a sign-in with these keys must still wait (0: go ahead) into *wait, and whether
 * the account has failures to forget on success; -1 when the store cannot be read. */
static int throttle_check(struct store *s, const char *user_key, const char *address_key,
			  int64_t now, int64_t *wait, bool *user_failed)
{
	static const int limits[2] = {AUTH_THROTTLE_ACCOUNT_LIMIT, AUTH_THROTTLE_ADDRESS_LIMIT};
	const char *keys[2] = {user_key, address_key};
	struct store_conn *c = store_read_begin(s);
	int rc = 0;

	*wait = 0;
	*user_failed = false;
	if (c == NULL)
		return -1;
	for (int i = 0; i < 2 && rc == 0; i++) {
		struct store_stmt *st = store_bind(c, STMT_THROTTLE_GET, "t", keys[i]);
		int step = st ? store_step(st) : -1;

		if (step == 1) {
			int64_t w = auth_throttle_wait((int)store_col_int(st, 0), limits[i],
						       store_col_int(st, 1), now);

			if (w > *wait)
				*wait = w;
			if (i == 0)
				*user_failed = true;
		}
		if (st)
			store_reset(st);
		if (step < 0)
			rc = -1;
	}
	store_read_end(s, c);
	return rc;
}

/* ---- the store side: one command for every write, auditing in the same transaction ---- */

enum auth_op_kind {
	OP_AUDIT,
	OP_USER_ADD,
	OP_USER_ROLE,
	OP_USER_DISABLE,
	OP_USER_PASSWORD,
	OP_USER_DISPLAY,
	OP_SSO_USER,
	OP_PROXY_USER,
	OP_SESSION_NEW,
	OP_SESSION_END,
	OP_SESSION_END_ALL,
	OP_SESSION_TOUCH,
	OP_SESSION_PRUNE,
	OP_TOKEN_NEW,
	OP_TOKEN_REVOKE,
	OP_TOKEN_TOUCH,
	OP_FIRST_ADMIN,
	OP_SIGN_IN_FAILED, /* audit, and one more failure for the keys text (account), text2 (address) */
	OP_THROTTLE_CLEAR, /* the account key `text` forgets its failures */
};

/* Results of a command besides 0: handed back by store_write. */
#define OPR_NOT_FOUND 1
#define OPR_CONFLICT 2
#define OPR_DISABLED 3
#define OPR_ROLE 4

struct auth_op {
	enum auth_op_kind kind;
	int64_t now;
	const char *actor, *address;
	const char *name;    /* the account */
	const char *text;    /* display, password hash, session or token hash */
	const char *text2;   /* source, token label, the session being replaced */
	const char *role;
	bool flag;
	int64_t num;         /* token id, expiry, prune bounds */
	const char *action;  /* OP_AUDIT */
	const char *detail;  /* OP_AUDIT: JSON text */
	int64_t id;          /* out: a new token's id */
};

static int audit_row(struct store_conn *c, const struct auth_op *op, const char *action,
		     const char *subject, const char *detail)
{
	int64_t id;

	return store_query_int(c, &id, 0, STMT_AUDIT_APPEND, "ittttt", op->now,
			       op->actor ? op->actor : "", action, subject ? subject : "",
			       op->address ? op->address : "", detail ? detail : "{}");
}

/* The account's role (text) and whether it is disabled; OPR_NOT_FOUND when absent. */
static int user_row(struct store_conn *c, const char *name, char *role, size_t rolelen,
		    bool *disabled)
{
	struct store_stmt *st = store_bind(c, STMT_USER_GET, "t", name);
	int rc;

	if (st == NULL)
		return -1;
	rc = store_step(st);
	if (rc == 1) {
		if (role)
			str_copy(role, store_col_text(st, 2), rolelen);
		if (disabled)
			*disabled = store_col_int(st, 4) != 0;
	}
	store_reset(st);
	return rc == 1 ? 0 : rc == 0 ? OPR_NOT_FOUND : -1;
}

static int op_user_add(struct store_conn *c, struct auth_op *op)
{
	char detail[256];
	int rc = user_row(c, op->name, NULL, 0, NULL);

	if (rc != OPR_NOT_FOUND)
		return rc == 0 ? OPR_CONFLICT : rc;
	if (store_run(c, STMT_USER_INSERT, "ttttbtii", op->name, op->text ? op->text : op->name,
		      op->role, op->text2 && strcmp(op->text2, "local") == 0 ? op->detail : NULL,
		      false, op->text2, op->now, op->now) != 0)
		return -1;
	snprintf(detail, sizeof(detail), "{\"role\":\"%s\",\"source\":\"%s\"}", op->role, op->text2);
	return audit_row(c, op, "user.add", op->name, detail);
}

static int op_apply(struct store_conn *c, void *arg)
{
	struct auth_op *op = arg;
	char role[16] = "", detail[256];
	bool disabled = false;
	int rc;

	switch (op->kind) {
	case OP_AUDIT:
		return audit_row(c, op, op->action, op->name, op->detail);
	case OP_SIGN_IN_FAILED:
		if (store_run(c, STMT_THROTTLE_FAIL, "tii", op->text, op->now,
			      op->now - AUTH_THROTTLE_WINDOW_MS) != 0 ||
		    store_run(c, STMT_THROTTLE_FAIL, "tii", op->text2, op->now,
			      op->now - AUTH_THROTTLE_WINDOW_MS) != 0)
			return -1;
		return audit_row(c, op, "sign-in.failure", op->name, op->detail);
	case OP_THROTTLE_CLEAR:
		return store_run(c, STMT_THROTTLE_CLEAR, "t", op->text);
	case OP_USER_ADD:
		return op_user_add(c, op);
	case OP_FIRST_ADMIN: {
		int64_t n = 0;

		if (store_query_int(c, &n, 0, STMT_USER_COUNT, "") != 0)
			return -1;
		if (n > 0)
			return OPR_CONFLICT;
		return op_user_add(c, op);
	}
	case OP_USER_ROLE:
		rc = user_row(c, op->name, role, sizeof(role), NULL);
		if (rc != 0)
			return rc;
		if (strcmp(role, op->role) == 0)
			return 0;
		if (store_run(c, STMT_USER_SET_ROLE, "tit", op->role, op->now, op->name) != 0)
			return -1;
		snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"to\":\"%s\"}", role, op->role);
		return audit_row(c, op, "user.role", op->name, detail);
	case OP_USER_DISABLE:
		rc = user_row(c, op->name, NULL, 0, &disabled);
		if (rc != 0)
			return rc;
		if (disabled == op->flag)
			return 0;
		if (store_run(c, STMT_USER_SET_DISABLED, "bit", op->flag, op->now, op->name) != 0)
			return -1;
		/* Sessions end with the account; tokens are refused by the account check. */
		if (op->flag && store_run(c, STMT_SESSION_DELETE_USER, "t", op->name) != 0)
			return -1;
		return audit_row(c, op, op->flag ? "user.disable" : "user.enable", op->name, NULL);
	case OP_USER_PASSWORD:
		rc = user_row(c, op->name, NULL, 0, NULL);
		if (rc != 0)
			return rc;
		if (store_run(c, STMT_USER_SET_PASSWORD, "tit", op->text, op->now, op->name) != 0)
			return -1;
		/* A new password signs every other session out. */
		if (store_run(c, STMT_SESSION_DELETE_USER, "t", op->name) != 0)
			return -1;
		return audit_row(c, op, "user.password", op->name, NULL);
	case OP_USER_DISPLAY:
		rc = user_row(c, op->name, NULL, 0, NULL);
		if (rc != 0)
			return rc;
		if (store_run(c, STMT_USER_SET_DISPLAY, "tit", op->text, op->now, op->name) != 0)
			return -1;
		return audit_row(c, op, "user.display", op->name, NULL);
	case OP_SSO_USER:
	case OP_PROXY_USER:
		rc = user_row(c, op->name, role, sizeof(role), &disabled);
		if (rc == OPR_NOT_FOUND)
			return op_user_add(c, op);
		if (rc != 0)
			return rc;
		if (disabled)
			return OPR_DISABLED;
		if (op->flag && strcmp(role, op->role) != 0) {
			if (store_run(c, STMT_USER_SET_ROLE, "tit", op->role, op->now, op->name) != 0)
				return -1;
			snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"to\":\"%s\"}", role,
				 op->role);
			return audit_row(c, op, "user.role", op->name, detail);
		}
		return 0;
	case OP_SESSION_NEW:
		rc = user_row(c, op->name, NULL, 0, &disabled);
		if (rc != 0)
			return rc;
		if (disabled)
			return OPR_DISABLED;
		if (op->text2 && store_run(c, STMT_SESSION_DELETE, "t", op->text2) != 0)
			return -1;
		if (store_run(c, STMT_SESSION_INSERT, "ttiit", op->text, op->name, op->now, op->now,
			      op->address ? op->address : "") != 0)
			return -1;
		return audit_row(c, op, "sign-in", op->name, op->detail);
	case OP_SESSION_END:
		if (store_run(c, STMT_SESSION_DELETE, "t", op->text) != 0)
			return -1;
		return audit_row(c, op, "sign-out", op->name, NULL);
	case OP_SESSION_END_ALL:
		if (store_run(c, STMT_SESSION_DELETE_USER, "t", op->name) != 0)
			return -1;
		return audit_row(c, op, "sign-out.everywhere", op->name, NULL);
	case OP_SESSION_TOUCH:
		return store_run(c, STMT_SESSION_TOUCH, "it", op->now, op->text);
	case OP_SESSION_PRUNE:
		if (store_run(c, STMT_THROTTLE_PRUNE, "i", op->now - AUTH_THROTTLE_WINDOW_MS) != 0)
			return -1;
		return store_run(c, STMT_SESSION_PRUNE, "ii", op->num, op->id);
	case OP_TOKEN_NEW: {
		enum access_role have, want;

		rc = user_row(c, op->name, role, sizeof(role), &disabled);
		if (rc != 0)
			return rc;
		if (disabled)
			return OPR_DISABLED;
		if (op->role == NULL)
			op->role = strcmp(role, "admin") == 0 ? "admin"
				   : strcmp(role, "mim") == 0 ? "mim"
				   : strcmp(role, "responder") == 0 ? "responder"
								     : "viewer";
		if (auth_role_parse(role, &have) != 0 || auth_role_parse(op->role, &want) != 0 ||
		    want > have)
			return OPR_ROLE;
		if (store_query_int(c, &op->id, 0, STMT_TOKEN_INSERT, "ttttiz", op->text, op->name,
				    op->text2, op->role, op->now, op->num) != 0)
			return -1;
		snprintf(detail, sizeof(detail), "{\"token\":%lld,\"role\":\"%s\"}",
			 (long long)op->id, op->role);
		return audit_row(c, op, "token.create", op->name, detail);
	}
	case OP_TOKEN_REVOKE: {
		struct store_stmt *st = store_bind(c, STMT_TOKEN_GET, "i", op->num);
		char owner[AUTH_NAME_MAX + 1] = "";
		bool revoked = false;

		if (st == NULL)
			return -1;
		rc = store_step(st);
		if (rc == 1) {
			str_copy(owner, store_col_text(st, 1), sizeof(owner));
			revoked = !store_col_null(st, 6);
		}
		store_reset(st);
		if (rc < 0)
			return -1;
		if (rc == 0 || (op->name && strcmp(owner, op->name) != 0))
			return OPR_NOT_FOUND;
		if (revoked)
			return 0;
		if (store_run(c, STMT_TOKEN_REVOKE, "ii", op->now, op->num) != 0)
			return -1;
		snprintf(detail, sizeof(detail), "{\"token\":%lld}", (long long)op->num);
		return audit_row(c, op, "token.revoke", owner, detail);
	}
	case OP_TOKEN_TOUCH:
		if (store_run(c, STMT_TOKEN_TOUCH, "ii", op->now, op->num) != 0)
			return -1;
		snprintf(detail, sizeof(detail), "{\"token\":%lld}", (long long)op->num);
		return audit_row(c, op, "token.use", op->name, detail);
	}
	return -1;
}

/* Runs an op; maps its result to an api_error (0 or -1). */
static int op_run(struct store *s, struct auth_op *op, struct api_error *err, const char *what)
{
	int rc = store_write(s, op_apply, op);

	switch (rc) {
	case 0:
		return 0;
	case OPR_NOT_FOUND:
		return api_error_set(err, 404, "not_found", NULL, "no %s '%s'", what,
				     op->name ? op->name : "");
	case OPR_CONFLICT:
		return api_error_set(err, 409, "conflict", "name", "the user '%s' exists already",
				     op->name);
	case OPR_DISABLED:
		return api_error_set(err, 403, "forbidden", NULL, "the account '%s' is disabled",
				     op->name);
	case OPR_ROLE:
		return api_error_set(err, 400, "invalid_field", "role",
				     "a token's role cannot be above its user's");
	default:
		return api_error_set(err, 503, "unavailable", NULL, "the store cannot be written now");
	}
}

/* ---- accounts ---- */

static int check_display(const char *display, struct api_error *err)
{
	if (display && (!utf8_valid(display) || str_blank(display) ||
			utf8_length(display) > AUTH_DISPLAY_MAX))
		return api_error_set(err, 400, "invalid_field", "display",
				     "display must be 1 to %d characters", AUTH_DISPLAY_MAX);
	return 0;
}

int auth_user_add(struct store *s, const struct auth_actor *by, int64_t now, const char *name,
		  const char *display, enum access_role role, const char *password,
		  const char *source, struct api_error *err)
{
	char hash[crypto_pwhash_STRBYTES];
	char why[160];
	struct auth_op op = {.kind = OP_USER_ADD, .now = now, .actor = by->name,
			     .address = by->address, .name = name, .text = display,
			     .text2 = source ? source : "local", .role = role_text(role)};
	int rc;

	if (!auth_name_valid(name))
		return api_error_set(err, 400, "invalid_field", "name",
				     "name must be 1 to %d of the characters A-Z a-z 0-9 . _ @ + - "
				     "starting with a letter or digit",
				     AUTH_NAME_MAX);
	if (check_display(display, err) != 0)
		return -1;
	if (auth_role_parse(op.role, &role) != 0)
		return api_error_set(err, 400, "invalid_field", "role",
				     "role must be one of viewer, responder, mim, admin");
	if (strcmp(op.text2, "local") == 0) {
		if (password == NULL)
			return api_error_set(err, 400, "missing_field", "password",
					     "a local account needs a password");
		if (auth_password_check(name, password, why, sizeof(why)) != 0)
			return api_error_set(err, 400, "invalid_field", "password", "%s", why);
		if (auth_password_hash(password, hash, sizeof(hash)) != 0)
			return api_error_set(err, 503, "unavailable", NULL, "cannot hash the password");
		op.detail = hash;
	}
	rc = op_run(s, &op, err, "user");
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int auth_user_set_role(struct store *s, const struct auth_actor *by, int64_t now,
		       const char *name, enum access_role role, struct api_error *err)
{
	struct auth_op op = {.kind = OP_USER_ROLE, .now = now, .actor = by->name,
			     .address = by->address, .name = name, .role = role_text(role)};

	if (auth_role_parse(op.role, &role) != 0)
		return api_error_set(err, 400, "invalid_field", "role",
				     "role must be one of viewer, responder, mim, admin");
	return op_run(s, &op, err, "user");
}

int auth_user_set_disabled(struct store *s, const struct auth_actor *by, int64_t now,
			   const char *name, bool disabled, struct api_error *err)
{
	struct auth_op op = {.kind = OP_USER_DISABLE, .now = now, .actor = by->name,
			     .address = by->address, .name = name, .flag = disabled};

	return op_run(s, &op, err, "user");
}

int auth_user_set_password(struct store *s, const struct auth_actor *by, int64_t now,
			   const char *name, const char *password, struct api_error *err)
{
	char hash[crypto_pwhash_STRBYTES], why[160];
	struct auth_op op = {.kind = OP_USER_PASSWORD, .now = now, .actor = by->name,
			     .address = by->address, .name = name, .text = hash};
	int rc;

	if (auth_password_check(name, password, why, sizeof(why)) != 0)
		return api_error_set(err, 400, "invalid_field", "password", "%s", why);
	if (auth_password_hash(password, hash, sizeof(hash)) != 0)
		return api_error_set(err, 503, "unavailable", NULL, "cannot hash the password");
	rc = op_run(s, &op, err, "user");
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int auth_user_set_display(struct store *s, const struct auth_actor *by, int64_t now,
			  const char *name, const char *display, struct api_error *err)
{
	struct auth_op op = {.kind = OP_USER_DISPLAY, .now = now, .actor = by->name,
			     .address = by->address, .name = name, .text = display};

	if (display == NULL)
		return api_error_set(err, 400, "missing_field", "display", "display is needed");
	if (check_display(display, err) != 0)
		return -1;
	return op_run(s, &op, err, "user");
}

static json_t *user_json(struct store_stmt *st)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:o}", "name", store_col_text(st, 0), "display",
			 store_col_text(st, 1), "role", store_col_text(st, 2), "disabled",
			 store_col_int(st, 4) != 0, "source", store_col_text(st, 5), "createdAt",
			 json_time_or_null(store_col_int(st, 6)));
}

int auth_user_list(struct store *s, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(s);
	struct store_stmt *st;
	json_t *list = json_array();
	int rc = -1, step;

	if (c == NULL || list == NULL)
		goto done;
	st = store_bind(c, STMT_USER_LIST, "");
	if (st == NULL)
		goto done;
	while ((step = store_step(st)) == 1)
		json_array_append_new(list, user_json(st));
	store_reset(st);
	if (step == 0) {
		*out = json_pack("{s:O}", "users", list);
		rc = 0;
	}
done:
	json_decref(list);
	if (c)
		store_read_end(s, c);
	if (rc != 0)
		api_error_set(err, 503, "unavailable", NULL, "the store cannot be read now");
	return rc;
}

int auth_user_get(struct store *s, const char *name, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(s);
	struct store_stmt *st;
	int step = -1;

	if (c == NULL)
		return api_error_set(err, 503, "unavailable", NULL, "the store cannot be read now");
	st = store_bind(c, STMT_USER_GET, "t", name);
	if (st) {
		step = store_step(st);
		if (step == 1)
			*out = user_json(st);
		store_reset(st);
	}
	store_read_end(s, c);
	if (step == 1)
		return 0;
	if (step == 0)
		return api_error_set(err, 404, "not_found", NULL, "no user '%s'", name);
	return api_error_set(err, 503, "unavailable", NULL, "the store cannot be read now");
}

int64_t auth_user_count(struct store *s)
{
	struct store_conn *c = store_read_begin(s);
	int64_t n = -1;

	if (c == NULL)
		return -1;
	if (store_query_int(c, &n, 0, STMT_USER_COUNT, "") != 0)
		n = -1;
	store_read_end(s, c);
	return n;
}

int auth_first_admin(struct store *s, int64_t now, char *password, size_t passlen)
{
	unsigned char raw[18];
	char hash[crypto_pwhash_STRBYTES];
	struct auth_op op = {.kind = OP_FIRST_ADMIN, .now = now, .actor = "majorops",
			     .address = "", .name = "admin", .text = "Administrator",
			     .text2 = "local", .role = "admin", .detail = hash};
	int rc;

	if (passlen < 32)
		return -1;
	if (auth_user_count(s) != 0)
		return 0;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(password, passlen, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (auth_password_hash(password, hash, sizeof(hash)) != 0)
		return -1;
	rc = store_write(s, op_apply, &op);
	sodium_memzero(hash, sizeof(hash));
	if (rc == OPR_CONFLICT)
		return 0; /* another replica made the first account meanwhile */
	return rc == 0 ? 1 : -1;
}

/* ---- tokens ---- */

static json_t *token_json(struct store_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b}", "id",
			 (json_int_t)store_col_int(st, 0), "user", store_col_text(st, 1), "name",
			 store_col_text(st, 2), "role", store_col_text(st, 3), "createdAt",
			 json_time_or_null(store_col_int(st, 4)), "expiresAt",
			 json_time_or_null(store_col_int(st, 5)), "revokedAt",
			 json_time_or_null(store_col_int(st, 6)), "lastUsedAt",
			 json_time_or_null(store_col_int(st, 7)), "revoked", !store_col_null(st, 6));
}

int auth_token_create(struct store *s, const struct auth_actor *by, int64_t now,
		      const char *user, enum access_role role, int64_t expires, const char *label,
		      json_t **out, char *token_text, struct api_error *err)
{
	char id[AUTH_ID_TEXT], hash[AUTH_HASH_TEXT];
	struct auth_op op = {.kind = OP_TOKEN_NEW, .now = now, .actor = by->name,
			     .address = by->address, .name = user, .text = hash,
			     .text2 = label && *label ? label : "token",
			     .role = role == ACCESS_UNDECLARED ? NULL : role_text(role),
			     .num = expires};
	struct store_conn *c;
	struct store_stmt *st;

	if (label && (!utf8_valid(label) || utf8_length(label) > AUTH_TOKEN_NAME_MAX))
		return api_error_set(err, 400, "invalid_field", "name",
				     "name must be at most %d characters", AUTH_TOKEN_NAME_MAX);
	if (op.role && auth_role_parse(op.role, &role) != 0)
		return api_error_set(err, 400, "invalid_field", "role",
				     "role must be one of viewer, responder, mim, admin");
	if (expires != 0 && expires <= now)
		return api_error_set(err, 400, "invalid_field", "expiresAt",
				     "expiresAt must be in the future");
	auth_random_id(id);
	snprintf(token_text, AUTH_TOKEN_TEXT, "mo_%s", id);
	sodium_memzero(id, sizeof(id));
	auth_hash_hex(token_text, hash);
	if (op_run(s, &op, err, "user") != 0)
		return -1;
	c = store_read_begin(s);
	if (c == NULL)
		return api_error_set(err, 503, "unavailable", NULL, "the store cannot be read now");
	st = store_bind(c, STMT_TOKEN_GET, "i", op.id);
	*out = NULL;
	if (st && store_step(st) == 1) {
		*out = token_json(st);
		json_object_set_new(*out, "token", json_string(token_text));
	}
	if (st)
		store_reset(st);
	store_read_end(s, c);
	if (*out == NULL)
		return api_error_set(err, 503, "unavailable", NULL, "the store cannot be read now");
	return 0;
}

int auth_token_list(struct store *s, const char *user, json_t **out, struct api_error *err)
{
	struct store_conn *c = store_read_begin(s);
	struct store_stmt *st;
	json_t *list = json_array();
	int rc = -1, step;

	if (c == NULL || list == NULL)
		goto done;
	st = store_bind(c, STMT_TOKEN_LIST, "t", user);
	if (st == NULL)
		goto done;
	while ((step = store_step(st)) == 1)
		json_array_append_new(list, token_json(st));
	store_reset(st);
	if (step == 0) {
		*out = json_pack("{s:O}", "tokens", list);
		rc = 0;
	}
done:
	json_decref(list);
	if (c)
		store_read_end(s, c);
	if (rc != 0)
		api_error_set(err, 503, "unavailable", NULL, "the store cannot be read now");
	return rc;
}

int auth_token_revoke(struct store *s, const struct auth_actor *by, int64_t now, int64_t id,
		      const char *owner, struct api_error *err)
{
	struct auth_op op = {.kind = OP_TOKEN_REVOKE, .now = now, .actor = by->name,
			     .address = by->address, .name = owner, .num = id};
	int rc = store_write(s, op_apply, &op);

	if (rc == OPR_NOT_FOUND)
		return api_error_set(err, 404, "not_found", NULL, "no token %lld", (long long)id);
	if (rc != 0)
		return api_error_set(err, 503, "unavailable", NULL, "the store cannot be written now");
	return 0;
}

/* ---- audit ---- */

int auth_audit(struct store *s, int64_t now, const char *actor, const char *action,
	       const char *subject, const char *address, json_t *detail)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	struct auth_op op = {.kind = OP_AUDIT, .now = now, .actor = actor, .address = address,
			     .name = subject, .action = action, .detail = text};
	int rc = store_write(s, op_apply, &op);

	free(text);
	return rc == 0 ? 0 : -1;
}

int auth_audit_list(struct store *s, int64_t before, int limit, json_t **out,
		    struct api_error *err)
{
	struct store_conn *c = store_read_begin(s);
	struct store_stmt *st;
	json_t *list = json_array();
	int rc = -1, step;

	if (c == NULL || list == NULL)
		goto done;
	st = store_bind(c, STMT_AUDIT_LIST, "ii", before > 0 ? before : INT64_MAX, (int64_t)limit);
	if (st == NULL)
		goto done;
	while ((step = store_step(st)) == 1) {
		json_t *detail = json_loads(store_col_text(st, 6), 0, NULL);

		json_array_append_new(
			list, json_pack("{s:I, s:o, s:s, s:s, s:s, s:s, s:o}", "id",
					(json_int_t)store_col_int(st, 0), "at",
					json_time_or_null(store_col_int(st, 1)), "actor",
					store_col_text(st, 2), "action", store_col_text(st, 3),
					"subject", store_col_text(st, 4), "address",
					store_col_text(st, 5), "detail",
					detail ? detail : json_object()));
	}
	store_reset(st);
	if (step == 0) {
		*out = json_pack("{s:O}", "entries", list);
		rc = 0;
	}
done:
	json_decref(list);
	if (c)
		store_read_end(s, c);
	if (rc != 0)
		api_error_set(err, 503, "unavailable", NULL, "the store cannot be read now");
	return rc;
}

/* ---- single sign-on ---- */

int auth_sso_user(struct app *app, const char *username, const char *display,
		  enum access_role role, bool set_role, char *err, size_t errlen)
{
	struct auth_op op = {.kind = OP_SSO_USER, .now = app_now(app), .actor = "sso",
			     .address = "", .name = username, .text = display,
			     .text2 = "sso", .role = role_text(role), .flag = set_role};
	enum access_role parsed;
	int rc;

	if (!auth_name_valid(username)) {
		snprintf(err, errlen, "'%s' cannot be a user name", username ? username : "");
		return -1;
	}
	if (auth_role_parse(op.role, &parsed) != 0) {
		snprintf(err, errlen, "not a role for an account");
		return -1;
	}
	if (display && (!utf8_valid(display) || str_blank(display) ||
			utf8_length(display) > AUTH_DISPLAY_MAX))
		op.text = NULL;
	rc = store_write(app->store, op_apply, &op);
	if (rc == OPR_DISABLED) {
		snprintf(err, errlen, "the account '%s' is disabled", username);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "the store cannot be written now");
		return -1;
	}
	return 0;
}

/* ---- sessions ---- */

static void csrf_token_for(const struct auth *a, const char *session_hash, char *out, size_t outlen)
{
	unsigned char mac[32];

	crypto_generichash(mac, sizeof(mac), (const unsigned char *)session_hash,
			   strlen(session_hash), a->csrf_key, sizeof(a->csrf_key));
	sodium_bin2base64(out, outlen, mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The CSRF token of the request's session into `out` (AUTH_ID_TEXT); "" without one. */
void auth_csrf_token(struct http_request *req, char *out, size_t outlen)
{
	struct auth *a = auth_of(req->app);

	str_copy(out, "", outlen);
	if (a && req->session_hash[0])
		csrf_token_for(a, req->session_hash, out, outlen);
}

static void set_cookie(struct http_request *req, const char *id, int64_t max_age_s)
{
	struct auth *a = auth_of(req->app);
	char cookie[200];

	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
		 AUTH_COOKIE, id, (long long)max_age_s,
		 (a && a->tls) || http_is_tls(req) ? "; Secure" : "");
	http_reply_header(req, "Set-Cookie", cookie);
}

static void auth_clear_cookie(struct http_request *req)
{
	set_cookie(req, "", 0);
}

/* Starts a session: a new id, the cookie, the audit row.  Fills req->session_hash so the
 * reply can carry the CSRF token.  0, or -1 with `err` filled. */
int auth_session_create(struct http_request *req, const char *username, const char *how,
			struct api_error *err)
{
	struct auth *a = auth_of(req->app);
	char id[AUTH_ID_TEXT], hash[AUTH_HASH_TEXT], old_hash[AUTH_HASH_TEXT], address[64];
	char detail[64];
	const char *old = http_cookie(req, AUTH_COOKIE);
	struct auth_op op = {.kind = OP_SESSION_NEW, .now = app_now(req->app), .actor = username,
			     .name = username, .text = hash, .detail = detail};

	if (a == NULL)
		return api_error_set(err, 503, "unavailable", NULL, "sign-in is not set up");
	http_peer_text(req, address, sizeof(address));
	op.address = address;
	snprintf(detail, sizeof(detail), "{\"via\":\"%s\"}", how);
	/* A session id the browser already had is dropped, never promoted (fixation). */
	if (old && *old && strlen(old) < 100) {
		auth_hash_hex(old, old_hash);
		op.text2 = old_hash;
	}
	auth_random_id(id);
	auth_hash_hex(id, hash);
	if (op_run(req->app->store, &op, err, "user") != 0) {
		sodium_memzero(id, sizeof(id));
		return -1;
	}
	set_cookie(req, id, a->absolute_ms / 1000);
	sodium_memzero(id, sizeof(id));
	str_copy(req->session_hash, hash, sizeof(req->session_hash));
	str_copy(req->user_buf, username, sizeof(req->user_buf));
	req->user = req->user_buf;
	req->auth_via = "session";
	return 0;
}

int auth_session_start(struct http_request *req, const char *username, const char *next)
{
	struct MHD_Response *resp;
	struct api_error err;
	const char *site = http_header(req, "Sec-Fetch-Site");
	char location[256];

	if (auth_session_create(req, username, "sso", &err) != 0)
		return http_reply_error(req, &err);
	str_copy(location, auth_local_path(next) ? next : "/admin", sizeof(location));
	/* After a cross-site hop (the identity provider sent the browser here) a SameSite=Strict
	 * cookie is not sent on the redirect that follows; a same-site page that moves on by
	 * itself makes the next request same-site, so the new session is seen. */
	if (site && strcmp(site, "cross-site") == 0) {
		struct buf b;
		size_t len;
		char *html;

		buf_init(&b, 4096);
		if (buf_printf(&b,
			       "<!doctype html><meta charset=utf-8><meta http-equiv=refresh "
			       "content=\"0;url=%s\"><title>Signed in</title><p>Signed in. "
			       "<a href=\"%s\">Continue</a></p>",
			       location, location) != 0)
			return MHD_NO;
		len = b.len;
		html = buf_detach(&b);
		if (html == NULL)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, html, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL) {
			free(html);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
		MHD_add_response_header(resp, "Cache-Control", "no-store");
		return http_reply_response(req, MHD_HTTP_OK, resp);
	}
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Location", location);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return http_reply_response(req, MHD_HTTP_SEE_OTHER, resp);
}

/* Ends the request's session (sign-out); `everywhere`: every session of the account. */
int auth_session_end(struct http_request *req, bool everywhere)
{
	char address[64];
	struct auth_op op = {.kind = everywhere ? OP_SESSION_END_ALL : OP_SESSION_END,
			     .now = app_now(req->app), .actor = req->user, .name = req->user,
			     .text = req->session_hash, .address = address};

	http_peer_text(req, address, sizeof(address));
	auth_clear_cookie(req);
	if (req->user == NULL || (!everywhere && req->session_hash[0] == '\0'))
		return 0;
	return store_write(req->app->store, op_apply, &op) == 0 ? 0 : -1;
}

/* Checks a user name and password; 0 when right.  Otherwise -1 with `err` 401
 * unauthenticated (the same message for an unknown name and a wrong password) or 429
 * rate_limited with *retry_after_s.  Audits failures and throttles. */
int auth_login_check(struct http_request *req, const char *username, const char *password,
		     int64_t *retry_after_s, struct api_error *err)
{
	struct auth *a = auth_of(req->app);
	int64_t now = app_now(req->app), wait;
	char address[64], hash[crypto_pwhash_STRBYTES] = "", detail[96];
	char user_key[AUTH_HASH_TEXT], address_key[AUTH_HASH_TEXT];
	bool found = false, disabled = false, ok, user_failed;
	struct store_conn *c;
	struct store_stmt *st;
	struct auth_op op = {.kind = OP_AUDIT, .now = now, .actor = username,
			     .action = "sign-in.failure", .detail = detail};

	*retry_after_s = 0;
	if (a == NULL)
		return api_error_set(err, 503, "unavailable", NULL, "sign-in is not set up");
	http_peer_text(req, address, sizeof(address));
	op.address = address;
	op.name = username;
	throttle_key(a, 'u', username, user_key);
	throttle_key(a, 'a', address, address_key);
	if (throttle_check(req->app->store, user_key, address_key, now, &wait, &user_failed) != 0)
		return api_error_set(err, 503, "unavailable", NULL, "the store cannot be read now");
	if (wait > 0) {
		*retry_after_s = (wait + 999) / 1000;
		snprintf(detail, sizeof(detail), "{\"reason\":\"rate_limited\"}");
		store_write(req->app->store, op_apply, &op);
		return api_error_set(err, 429, "rate_limited", NULL,
				     "too many failed sign-ins; try again in %lld s",
				     (long long)*retry_after_s);
	}
	c = store_read_begin(req->app->store);
	if (c == NULL)
		return api_error_set(err, 503, "unavailable", NULL, "the store cannot be read now");
	st = store_bind(c, STMT_USER_GET, "t", username);
	if (st && store_step(st) == 1) {
		found = !store_col_null(st, 3);
		disabled = store_col_int(st, 4) != 0;
		str_copy(hash, store_col_text(st, 3), sizeof(hash));
	}
	if (st)
		store_reset(st);
	store_read_end(req->app->store, c);
	/* The same work whether or not the account exists (no enumeration by timing). */
	while (sem_wait(&a->verifying) != 0)
		; /* EINTR: try again */
	ok = crypto_pwhash_str_verify(found ? hash : a->dummy_hash, password, strlen(password)) == 0 &&
	     found && !disabled;
	sem_post(&a->verifying);
	sodium_memzero(hash, sizeof(hash));
	if (ok) {
		/* Success forgets the account's failures, not the address's. */
		if (user_failed) {
			struct auth_op clear = {.kind = OP_THROTTLE_CLEAR, .now = now, .text = user_key};

			store_write(req->app->store, op_apply, &clear);
		}
		return 0;
	}
	snprintf(detail, sizeof(detail), "{\"reason\":\"%s\"}",
		 !found ? "unknown or no password" : disabled ? "disabled" : "wrong password");
	op.kind = OP_SIGN_IN_FAILED;
	op.text = user_key;
	op.text2 = address_key;
	/* The failure counts only once it is in the store: if it cannot be written, the
	 * attempt fails as unavailable rather than going uncounted. */
	if (store_write(req->app->store, op_apply, &op) != 0)
		return api_error_set(err, 503, "unavailable", NULL, "the store cannot be written now");
	return api_error_set(err, 401, "unauthenticated", NULL, "wrong user name or password");
}

/* 1 when `name` is an enabled account, 0 when not, -1 when the store cannot tell. */
static int account_enabled(struct store_conn *c, const char *name)
{
	bool disabled = true;
	int rc = user_row(c, name, NULL, 0, &disabled);

	return rc == 0 ? !disabled : rc == OPR_NOT_FOUND ? 0 : -1;
}

int auth_stream_check(void *ctx, const struct sse_owner *owner)
{
	struct app *app = ctx;
	const struct auth *a = auth_of(app);
	int64_t now = app_now(app);
	struct store_conn *c;
	struct store_stmt *st;
	int verdict = -1, step;

	if (a == NULL || a->insecure || owner->user == NULL)
		return 1;
	c = store_read_begin(app->store);
	if (c == NULL)
		return -1;
	if (owner->session && *owner->session) {
		st = store_bind(c, STMT_SESSION_LOOKUP, "t", owner->session);
		step = st ? store_step(st) : -1;
		if (step == 1)
			verdict = strcmp(store_col_text(st, 0), owner->user) == 0 &&
				  store_col_int(st, 5) == 0 &&
				  now - store_col_int(st, 1) < a->absolute_ms;
		else if (step == 0)
			verdict = 0; /* signed out, everywhere, or by a new password */
		if (st)
			store_reset(st);
	} else if (owner->token_id > 0) {
		st = store_bind(c, STMT_TOKEN_GET, "i", owner->token_id);
		step = st ? store_step(st) : -1;
		if (step == 1)
			verdict = store_col_null(st, 6) &&
				  (store_col_null(st, 5) || now < store_col_int(st, 5));
		else if (step == 0)
			verdict = 0;
		if (st)
			store_reset(st);
		if (verdict == 1)
			verdict = account_enabled(c, owner->user);
	} else {
		verdict = account_enabled(c, owner->user); /* the trusted proxy header */
	}
	store_read_end(app->store, c);
	return verdict;
}

/* ---- identifying a request ---- */

static int role_from_text(const char *text)
{
	enum access_role r;

	return auth_role_parse(text, &r) == 0 ? (int)r : ACCESS_PUBLIC;
}

static void set_identity(struct http_request *req, const char *name, const char *display,
			 int role, const char *via)
{
	str_copy(req->user_buf, name, sizeof(req->user_buf));
	str_copy(req->actor_buf, display && *display ? display : name, sizeof(req->actor_buf));
	req->user = req->user_buf;
	req->actor = req->actor_buf;
	req->role = role;
	req->auth_via = via;
}

static void maybe_prune(struct http_request *req, struct auth *a, int64_t now)
{
	struct auth_op op = {.kind = OP_SESSION_PRUNE, .now = now};
	bool due;

	pthread_mutex_lock(&a->lock);
	due = now - a->last_prune > 3600 * 1000;
	if (due)
		a->last_prune = now;
	pthread_mutex_unlock(&a->lock);
	if (!due)
		return;
	op.num = now - a->absolute_ms;
	op.id = now - a->idle_ms;
	store_write(req->app->store, op_apply, &op);
}

/* 1 identified, 0 no such session (or expired, or disabled), -1 store failure. */
static int identify_session(struct http_request *req, struct auth *a, const char *cookie)
{
	char hash[AUTH_HASH_TEXT], name[AUTH_NAME_MAX + 1], display[404], role[16];
	int64_t now = app_now(req->app), created = 0, last_seen = 0;
	struct store_conn *c;
	struct store_stmt *st;
	bool disabled = true;
	int step = -1;

	if (strlen(cookie) != AUTH_ID_TEXT - 1)
		return 0;
	auth_hash_hex(cookie, hash);
	c = store_read_begin(req->app->store);
	if (c == NULL)
		return -1;
	st = store_bind(c, STMT_SESSION_LOOKUP, "t", hash);
	if (st) {
		step = store_step(st);
		if (step == 1) {
			str_copy(name, store_col_text(st, 0), sizeof(name));
			created = store_col_int(st, 1);
			last_seen = store_col_int(st, 2);
			str_copy(display, store_col_text(st, 3), sizeof(display));
			str_copy(role, store_col_text(st, 4), sizeof(role));
			disabled = store_col_int(st, 5) != 0;
		}
		store_reset(st);
	}
	store_read_end(req->app->store, c);
	if (step < 0)
		return -1;
	if (step == 0 || disabled || now - created >= a->absolute_ms || now - last_seen >= a->idle_ms)
		return 0;
	if (now - last_seen >= AUTH_TOUCH_MS) {
		struct auth_op op = {.kind = OP_SESSION_TOUCH, .now = now, .text = hash};

		store_write(req->app->store, op_apply, &op);
		maybe_prune(req, a, now);
	}
	set_identity(req, name, display, role_from_text(role), "session");
	str_copy(req->session_hash, hash, sizeof(req->session_hash));
	return 1;
}

static int identify_token(struct http_request *req, const char *token)
{
	char hash[AUTH_HASH_TEXT], name[AUTH_NAME_MAX + 1], display[404];
	int64_t now = app_now(req->app), id = 0, expires = 0, last_used = 0;
	int token_role = ACCESS_PUBLIC, user_role = ACCESS_PUBLIC;
	struct store_conn *c;
	struct store_stmt *st;
	bool disabled = true, revoked = true;
	int step = -1;

	if (strncmp(token, "mo_", 3) != 0 || strlen(token) != AUTH_TOKEN_TEXT - 1)
		return 0;
	auth_hash_hex(token, hash);
	c = store_read_begin(req->app->store);
	if (c == NULL)
		return -1;
	st = store_bind(c, STMT_TOKEN_LOOKUP, "t", hash);
	if (st) {
		step = store_step(st);
		if (step == 1) {
			id = store_col_int(st, 0);
			str_copy(name, store_col_text(st, 1), sizeof(name));
			token_role = role_from_text(store_col_text(st, 2));
			expires = store_col_int(st, 3);
			revoked = !store_col_null(st, 4);
			last_used = store_col_int(st, 5);
			str_copy(display, store_col_text(st, 6), sizeof(display));
			user_role = role_from_text(store_col_text(st, 7));
			disabled = store_col_int(st, 8) != 0;
		}
		store_reset(st);
	}
	store_read_end(req->app->store, c);
	if (step < 0)
		return -1;
	if (step == 0 || revoked || disabled || (expires != 0 && now >= expires))
		return 0;
	if (now - last_used >= AUTH_TOUCH_MS) {
		char address[64];
		struct auth_op op = {.kind = OP_TOKEN_TOUCH, .now = now, .actor = name,
				     .name = name, .num = id, .address = address};

		http_peer_text(req, address, sizeof(address));
		store_write(req->app->store, op_apply, &op);
	}
	/* A token acts with the lower of its own role and its account's (a demoted account's
	 * tokens are demoted with it). */
	set_identity(req, name, display, token_role < user_role ? token_role : user_role, "token");
	req->token_id = id;
	return 1;
}

/* The account `name` as display, role and disabled: 1 found, 0 absent, -1 store failure. */
static int read_account(struct store *st_store, const char *name, char *display, size_t displen,
			char *role, size_t rolelen, bool *disabled)
{
	struct store_conn *c = store_read_begin(st_store);
	struct store_stmt *st;
	int rc = -1;

	if (c == NULL)
		return -1;
	st = store_bind(c, STMT_USER_GET, "t", name);
	if (st) {
		rc = store_step(st);
		if (rc == 1) {
			str_copy(display, store_col_text(st, 1), displen);
			str_copy(role, store_col_text(st, 2), rolelen);
			*disabled = store_col_int(st, 4) != 0;
		}
		store_reset(st);
	}
	store_read_end(st_store, c);
	return rc;
}

static int identify_proxy(struct http_request *req, struct auth *a, const char *value)
{
	char address[64], name[AUTH_NAME_MAX + 1];
	struct auth_op op = {.kind = OP_PROXY_USER, .now = app_now(req->app), .actor = "proxy",
			     .text2 = "proxy", .role = role_text(a->proxy_role), .address = address};
	char role[16] = "", display[404] = "";
	bool disabled = false;
	int rc;

	/* Cloudflare Access and oauth2-proxy send an e-mail address; some proxies prefix a
	 * scheme ("accounts.google.com:alice@…"): the part after the last ':' is the name. */
	if (strrchr(value, ':'))
		value = strrchr(value, ':') + 1;
	if (str_copy(name, value, sizeof(name)) >= sizeof(name) || !auth_name_valid(name))
		return 0;
	rc = read_account(req->app->store, name, display, sizeof(display), role, sizeof(role),
			  &disabled);
	if (rc == 0) {
		/* First seen: the account is made (a write only this once). */
		http_peer_text(req, address, sizeof(address));
		op.name = name;
		rc = store_write(req->app->store, op_apply, &op);
		if (rc == OPR_DISABLED)
			return 0;
		if (rc != 0)
			return -1;
		rc = read_account(req->app->store, name, display, sizeof(display), role, sizeof(role),
				  &disabled);
	}
	if (rc != 1)
		return rc < 0 ? -1 : 0;
	if (disabled)
		return 0;
	set_identity(req, name, display, role_from_text(role), "proxy");
	return 1;
}

/* Fills the request's identity from its credentials.  1 identified, 0 anonymous (or bad
 * credentials: *bad set), -1 store failure. */
int auth_identify(struct http_request *req, bool *bad)
{
	struct auth *a = auth_of(req->app);
	const char *authz = http_header(req, "Authorization");
	const char *cookie = http_cookie(req, AUTH_COOKIE);
	int rc;

	*bad = false;
	if (a == NULL)
		return 0;
	if (a->insecure) {
		req->role = ACCESS_ADMIN;
		req->auth_via = "none";
		return 1;
	}
	if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
		const char *token = authz + 7;

		while (*token == ' ')
			token++;
		rc = identify_token(req, token);
		*bad = rc == 0;
		return rc;
	}
	if (cookie && *cookie) {
		rc = identify_session(req, a, cookie);
		if (rc != 0)
			return rc;
	}
	if (a->trusted_header[0] && a->nproxies) {
		const char *value = http_header(req, a->trusted_header);
		const void *peer = http_peer(req);

		for (int i = 0; value && *value && i < a->nproxies; i++)
			if (auth_cidr_match(&a->proxies[i], peer))
				return identify_proxy(req, a, value);
	}
	return 0;
}

/* Whether Origin, when sent, names this server: its Host, or --public-url's origin. */
static bool origin_ok(struct http_request *req, struct auth *a)
{
	const char *origin = http_header(req, "Origin");
	const char *host = http_header(req, "Host");
	char mine[300];

	if (origin == NULL)
		return true;
	if (a->public_origin[0] && strcasecmp(origin, a->public_origin) == 0)
		return true;
	if (host == NULL)
		return false;
	snprintf(mine, sizeof(mine), "%s://%s", http_is_tls(req) || a->tls ? "https" : "http", host);
	return strcasecmp(origin, mine) == 0;
}

bool auth_csrf_ok(struct http_request *req)
{
	struct auth *a = auth_of(req->app);
	const char *sent = http_header(req, "X-CSRF-Token");
	char want[AUTH_ID_TEXT];

	if (a == NULL || a->insecure || req->auth_via == NULL || strcmp(req->auth_via, "session") != 0)
		return true;
	if (!origin_ok(req, a))
		return false;
	csrf_token_for(a, req->session_hash, want, sizeof(want));
	return sent && strlen(sent) == strlen(want) &&
	       sodium_memcmp(sent, want, strlen(want)) == 0;
}

/* Whether Origin (when sent) names this server; for the public sign-in forms. */
bool auth_origin_ok(struct http_request *req)
{
	struct auth *a = auth_of(req->app);

	return a == NULL || a->insecure || origin_ok(req, a);
}

static bool is_page(const char *path)
{
	return strncmp(path, "/api/", 5) != 0;
}

static int redirect_to_login(struct http_request *req)
{
	char location[512], next[300];
	struct buf b;
	struct MHD_Response *resp;

	/* next=<path>, percent-encoded; the query string is not kept (pages take none). */
	buf_init(&b, sizeof(next));
	for (const char *p = req->path; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		int rc = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				 (ch >= '0' && ch <= '9') || ch == '/' || ch == '-' || ch == '_' ||
				 ch == '.'
			 ? buf_append_char(&b, (char)ch)
			 : buf_printf(&b, "%%%02X", ch);

		if (rc != 0)
			break;
	}
	snprintf(location, sizeof(location), "/login?next=%s", b.len ? b.ptr : "%2Fadmin");
	buf_free(&b);
	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Location", location);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return http_reply_response(req, MHD_HTTP_SEE_OTHER, resp);
}

int auth_authorize(struct http_request *req, const struct http_route *route, int *result)
{
	struct api_error err;
	bool bad = false;
	int rc;

	req->role = ACCESS_PUBLIC;
	req->user = NULL;
	req->auth_via = NULL;
	req->session_hash[0] = '\0';
	if (auth_insecure(req->app)) {
		req->role = ACCESS_ADMIN;
		req->auth_via = "none";
		return 0;
	}
	/* Public routes run as they are; the few that care who asks (the session routes, the
	 * sign-in pages) call auth_identify() themselves.  Signals carry their own bearer
	 * tokens, which are not API tokens. */
	if (route->role == ACCESS_PUBLIC)
		return 0;
	/* Without sign-in X-MajorOps-Actor named the actor; with it nobody may claim a name. */
	req->actor = "anonymous";
	rc = auth_identify(req, &bad);
	if (rc < 0) {
		api_error_set(&err, 503, "unavailable", NULL, "the store cannot be read now");
		*result = http_reply_error(req, &err);
		return 1;
	}
	if (rc == 0) {
		if (!bad && is_page(req->path) && strcmp(req->method, "GET") == 0) {
			*result = redirect_to_login(req);
			return 1;
		}
		http_reply_header(req, "WWW-Authenticate", "Bearer realm=\"majorops\"");
		api_error_set(&err, 401, "unauthenticated", NULL,
			      bad ? "the bearer token is not valid (unknown, expired or revoked)"
				  : "sign in first: a session cookie or an Authorization: Bearer token");
		*result = http_reply_error(req, &err);
		return 1;
	}
	if (req->role < (int)route->role) {
		api_error_set(&err, 403, "forbidden", NULL, "%s needs the role %s; %s has %s",
			      route->pattern, access_role_name(route->role), req->user,
			      access_role_name((enum access_role)req->role));
		*result = http_reply_error(req, &err);
		return 1;
	}
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
	    !auth_csrf_ok(req)) {
		api_error_set(&err, 403, "csrf", NULL,
			      "a write with a session cookie needs the session's X-CSRF-Token header "
			      "and a same-origin Origin");
		*result = http_reply_error(req, &err);
		return 1;
	}
	return 0;
}
