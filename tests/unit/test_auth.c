/* Unit tests for src/auth.c's pure parts: password rules, hashing of session ids and
 * tokens, CIDR matching, throttle arithmetic, redirect targets, roles and names. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>

#include "auth.h"
#include "unit.h"

static void test_auth_password_rules(void)
{
	char why[160];

	CHECK(auth_password_check("alice", "correct horse battery", why, sizeof(why)) == 0);
	CHECK(auth_password_check("alice", "Tr0ub4dor&3xyz", why, sizeof(why)) == 0);
	/* too short, by characters not bytes: 9 two-byte characters are 18 bytes */
	CHECK(auth_password_check("alice", "short", why, sizeof(why)) != 0);
	CHECK(strstr(why, "at least") != NULL);
	CHECK(auth_password_check("alice", "ééééééééé", why, sizeof(why)) != 0);
	CHECK(auth_password_check("alice", "éàüöäßçñøx", why, sizeof(why)) == 0);
	/* common passwords, whatever the case */
	CHECK(auth_password_check("alice", "password123", why, sizeof(why)) != 0);
	CHECK(strstr(why, "common") != NULL);
	CHECK(auth_password_check("alice", "PASSWORD123", why, sizeof(why)) != 0);
	CHECK(auth_password_check("alice", "qwertyuiop", why, sizeof(why)) != 0);
	CHECK(auth_password_check("alice", "iloveyou123", why, sizeof(why)) != 0);
	/* runs and the user's own name */
	CHECK(auth_password_check("alice", "aaaaaaaaaaaa", why, sizeof(why)) != 0);
	CHECK(auth_password_check("alice", "abcdefghijkl", why, sizeof(why)) != 0);
	CHECK(auth_password_check("alice", "9876543210", why, sizeof(why)) != 0);
	CHECK(auth_password_check("administrator1x", "Administrator1X", why, sizeof(why)) != 0);
	CHECK(strstr(why, "user name") != NULL);
	/* invalid UTF-8 and the upper bound */
	CHECK(auth_password_check("alice", "abc\xff\xfe" "defghijk", why, sizeof(why)) != 0);
	{
		char longpw[AUTH_PASSWORD_MAX + 2];

		memset(longpw, 'x', sizeof(longpw) - 1);
		longpw[0] = 'y';
		longpw[sizeof(longpw) - 1] = '\0';
		CHECK(auth_password_check("alice", longpw, why, sizeof(why)) != 0);
		longpw[AUTH_PASSWORD_MAX] = '\0';
		CHECK(auth_password_check("alice", longpw, why, sizeof(why)) == 0);
	}
}

static void test_auth_password_hash_verifies(void)
{
	char hash[crypto_pwhash_STRBYTES];

	REQUIRE(sodium_init() >= 0);
	REQUIRE(auth_password_hash("correct horse battery", hash, sizeof(hash)) == 0);
	CHECK(strncmp(hash, "$argon2id$", 10) == 0);
	CHECK(crypto_pwhash_str_verify(hash, "correct horse battery", 21) == 0);
	CHECK(crypto_pwhash_str_verify(hash, "correct horse batterx", 21) != 0);
	CHECK(auth_password_hash("x", hash, 10) != 0); /* no room: refused, not truncated */
}

static void test_auth_hashing(void)
{
	char a[AUTH_HASH_TEXT], b[AUTH_HASH_TEXT], id1[AUTH_ID_TEXT], id2[AUTH_ID_TEXT];

	REQUIRE(sodium_init() >= 0);
	/* BLAKE2b-256("abc"), the RFC 7693 test vector's 256-bit sibling */
	auth_hash_hex("abc", a);
	CHECK_STR(a, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	CHECK_INT(strlen(a), 64);
	auth_hash_hex("abd", b);
	CHECK(strcmp(a, b) != 0);
	auth_random_id(id1);
	auth_random_id(id2);
	CHECK_INT(strlen(id1), AUTH_ID_TEXT - 1);
	CHECK(strcmp(id1, id2) != 0);
	for (const char *p = id1; *p; p++)
		CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_');
	/* the stored form is the hash, never the id */
	auth_hash_hex(id1, a);
	CHECK(strstr(a, id1) == NULL);
}

static void test_auth_cidr(void)
{
	struct auth_cidr c;
	struct sockaddr_in v4 = {.sin_family = AF_INET};
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};

	REQUIRE(auth_cidr_parse("10.0.0.0/8", &c) == 0);
	CHECK(auth_cidr_match_text(&c, "10.1.2.3"));
	CHECK(auth_cidr_match_text(&c, "10.255.255.255"));
	CHECK(!auth_cidr_match_text(&c, "11.0.0.1"));
	CHECK(!auth_cidr_match_text(&c, "::1"));
	inet_pton(AF_INET, "10.9.8.7", &v4.sin_addr);
	CHECK(auth_cidr_match(&c, &v4));
	inet_pton(AF_INET, "192.168.0.1", &v4.sin_addr);
	CHECK(!auth_cidr_match(&c, &v4));
	/* a bare address is exactly itself */
	REQUIRE(auth_cidr_parse("127.0.0.1", &c) == 0);
	CHECK(auth_cidr_match_text(&c, "127.0.0.1"));
	CHECK(!auth_cidr_match_text(&c, "127.0.0.2"));
	/* prefixes that are not a multiple of 8 */
	REQUIRE(auth_cidr_parse("192.168.4.0/22", &c) == 0);
	CHECK(auth_cidr_match_text(&c, "192.168.7.255"));
	CHECK(!auth_cidr_match_text(&c, "192.168.8.0"));
	CHECK(!auth_cidr_match_text(&c, "192.168.3.255"));
	/* /0 is everyone, IPv4 included */
	REQUIRE(auth_cidr_parse("0.0.0.0/0", &c) == 0);
	CHECK(auth_cidr_match_text(&c, "8.8.8.8"));
	/* IPv6 */
	REQUIRE(auth_cidr_parse("fd00::/8", &c) == 0);
	CHECK(auth_cidr_match_text(&c, "fd12:3456::1"));
	CHECK(!auth_cidr_match_text(&c, "fe80::1"));
	inet_pton(AF_INET6, "fd00::42", &v6.sin6_addr);
	CHECK(auth_cidr_match(&c, &v6));
	REQUIRE(auth_cidr_parse("::1", &c) == 0);
	CHECK(auth_cidr_match_text(&c, "::1"));
	CHECK(!auth_cidr_match_text(&c, "::2"));
	/* rejected forms */
	CHECK(auth_cidr_parse("10.0.0.0/33", &c) != 0);
	CHECK(auth_cidr_parse("10.0.0/8", &c) != 0);
	CHECK(auth_cidr_parse("10.0.0.0/", &c) != 0);
	CHECK(auth_cidr_parse("10.0.0.0/8x", &c) != 0);
	CHECK(auth_cidr_parse("", &c) != 0);
	CHECK(auth_cidr_parse("::/129", &c) != 0);
	CHECK(auth_cidr_parse("example.com", &c) != 0);
	CHECK(!auth_cidr_match(&c, NULL));
}

static void test_auth_throttle(void)
{
	const int limit = AUTH_THROTTLE_ACCOUNT_LIMIT;
	const int64_t t = 1000000000;

	/* under the limit: never waits */
	for (int f = 0; f < limit; f++)
		CHECK_INT(auth_throttle_wait(f, limit, t, t), 0);
	/* at the limit: the base delay, counted from the last failure */
	CHECK_INT(auth_throttle_wait(limit, limit, t, t), AUTH_THROTTLE_BASE_MS);
	CHECK_INT(auth_throttle_wait(limit, limit, t, t + 400), AUTH_THROTTLE_BASE_MS - 400);
	CHECK_INT(auth_throttle_wait(limit, limit, t, t + AUTH_THROTTLE_BASE_MS), 0);
	/* doubling per further failure */
	CHECK_INT(auth_throttle_wait(limit + 1, limit, t, t), 2 * AUTH_THROTTLE_BASE_MS);
	CHECK_INT(auth_throttle_wait(limit + 3, limit, t, t), 8 * AUTH_THROTTLE_BASE_MS);
	/* capped, even for absurd counts (no overflow) */
	CHECK_INT(auth_throttle_wait(limit + 40, limit, t, t), AUTH_THROTTLE_MAX_MS);
	CHECK_INT(auth_throttle_wait(1 << 30, limit, t, t), AUTH_THROTTLE_MAX_MS);
	/* forgotten after the window */
	CHECK_INT(auth_throttle_wait(limit + 40, limit, t, t + AUTH_THROTTLE_WINDOW_MS), 0);
}

static void test_auth_local_path(void)
{
	CHECK(auth_local_path("/admin"));
	CHECK(auth_local_path("/admin/incidents/INC-4"));
	CHECK(auth_local_path("/"));
	CHECK(!auth_local_path(NULL));
	CHECK(!auth_local_path(""));
	CHECK(!auth_local_path("admin"));
	CHECK(!auth_local_path("//evil.example/x"));
	CHECK(!auth_local_path("/\\evil.example"));
	CHECK(!auth_local_path("https://evil.example/"));
	CHECK(!auth_local_path("/a\r\nSet-Cookie: x=1"));
}

static void test_auth_roles_and_names(void)
{
	enum access_role r = ACCESS_UNDECLARED;

	CHECK(auth_role_parse("viewer", &r) == 0 && r == ACCESS_VIEWER);
	CHECK(auth_role_parse("responder", &r) == 0 && r == ACCESS_RESPONDER);
	CHECK(auth_role_parse("mim", &r) == 0 && r == ACCESS_MIM);
	CHECK(auth_role_parse("admin", &r) == 0 && r == ACCESS_ADMIN);
	CHECK(auth_role_parse("public", &r) != 0);
	CHECK(auth_role_parse("Admin", &r) != 0);
	CHECK(auth_role_parse(NULL, &r) != 0);
	CHECK(ACCESS_VIEWER < ACCESS_RESPONDER && ACCESS_RESPONDER < ACCESS_MIM &&
	      ACCESS_MIM < ACCESS_ADMIN);
	CHECK(auth_name_valid("alice"));
	CHECK(auth_name_valid("alice.smith@example.com"));
	CHECK(auth_name_valid("a+b_c-d"));
	CHECK(!auth_name_valid(""));
	CHECK(!auth_name_valid(".alice"));
	CHECK(!auth_name_valid("alice smith"));
	CHECK(!auth_name_valid("alice/../x"));
	CHECK(!auth_name_valid("älice"));
}

UNIT_SUITE(auth_suite) = {
	{"auth_password_rules", test_auth_password_rules},
	{"auth_password_hash_verifies", test_auth_password_hash_verifies},
	{"auth_hashing", test_auth_hashing},
	{"auth_cidr", test_auth_cidr},
	{"auth_throttle", test_auth_throttle},
	{"auth_local_path", test_auth_local_path},
	{"auth_roles_and_names", test_auth_roles_and_names},
	UNIT_END
};
