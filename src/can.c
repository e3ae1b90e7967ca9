/*
 * can — the CAN lint (SPEC §7): the doctrine's advice on one report, as data.
 *
 * The word lists are tables; a pattern is lowercase ASCII where ' ' stands for any run of
 * white space and a leading '\'' for an apostrophe (ASCII ' or U+2019) glued to the word
 * before it.  Matching is whole-word: letters, digits, '_' and non-ASCII bytes (UTF-8
 * letters) are word characters, everything else (apostrophes included) separates.
 */
#include "can.h"

#include <stdio.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Room for the flagged terms quoted in a message: every term of the longest list fits. */
#define CAN_TERMS_TEXT_MAX 128

static const char *const rule_names[] = {
	"can.needsEmpty",    /* CAN_NEEDS_EMPTY */
	"can.speculation",   /* CAN_SPECULATION */
	"can.promise",       /* CAN_PROMISE */
	"can.allConditions", /* CAN_ALL_CONDITIONS */
	"can.noConditions",  /* CAN_NO_CONDITIONS */
};
_Static_assert(NELEM(rule_names) == CAN_RULE__MAX, "rule_names out of step");

static const char *const slot_names[] = {
	"conditions", /* CAN_SLOT_CONDITIONS */
	"actions",    /* CAN_SLOT_ACTIONS */
	"needs",      /* CAN_SLOT_NEEDS */
};
_Static_assert(NELEM(slot_names) == CAN_SLOT__MAX, "slot_names out of step");

struct can_term {
	const char *pattern; /* what is matched */
	const char *display; /* how the warning quotes it */
	bool name_too;       /* capitalised mid-sentence, it is a person's name */
};

/* Speculation in Conditions, as SPEC §7 lists it. */
static const struct can_term speculation_terms[] = {
	{"i think", "I think", false},
	{"maybe", "maybe", false},
	{"probably", "probably", false},
	{"might", "might", false},
	{"seems", "seems", false},
};

/* Promises in Actions: SPEC §7's list, with the spellings a bridge actually uses. */
static const struct can_term promise_terms[] = {
	{"going to", "going to", false},
	{"gonna", "gonna", false},
	{"will", "will", true},
	{"'ll", "'ll", false},
	{"plan to", "plan to", false},
	{"plans to", "plans to", false},
	{"planning to", "planning to", false},
};

/* Explicit "nothing needed" (compared after trimming, case-insensitively). */
static const char *const needs_none[] = {
	"none", "nothing", "n/a", "no needs", "nothing needed",
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether `p` starts with U+2019, the typographic apostrophe chat clients paste; reads
 * byte by byte so it never looks past a terminating NUL. */
static bool is_right_quote(const char *p)
{
	return p[0] == '\xe2' && p[1] == '\x80' && p[2] == '\x99';
}

/* Bytes of an apostrophe at `p` (1 or 3), 0 when there is none. */
static size_t apostrophe_len(const char *p)
{
	if (*p == '\'')
		return 1;
	if (is_right_quote(p))
		return 3;
	return 0;
}

static bool is_word_byte(unsigned char c)
{
	return is_ascii_letter((char)c) || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* Whether a word may start at text[i]: nothing glued to it on the left. */
static bool boundary_before(const char *text, size_t i)
{
	if (i == 0)
		return true;
	if (i >= 3 && is_right_quote(text + i - 3))
		return true;
	return !is_word_byte((unsigned char)text[i - 1]);
}

/* Whether a word may end just before text[j]. */
static bool boundary_at(const char *text, size_t j)
{
	if (text[j] == '\0' || apostrophe_len(text + j) > 0)
		return true;
	return !is_word_byte((unsigned char)text[j]);
}

/* Length of `pattern` matched at text[i] (see the file comment), 0 when it does not. */
static size_t pattern_match(const char *text, size_t i, const char *pattern)
{
	size_t j = i;

	if (pattern[0] == '\'') {
		if (i == 0 || !is_ascii_letter(text[i - 1]))
			return 0;
	} else if (!boundary_before(text, i)) {
		return 0;
	}
	for (const char *p = pattern; *p != '\0'; p++) {
		if (*p == ' ') {
			if (!is_space(text[j]))
				return 0;
			while (is_space(text[j]))
				j++;
		} else if (*p == '\'') {
			size_t n = apostrophe_len(text + j);

			if (n == 0)
				return 0;
			j += n;
		} else {
			if (ascii_lower(text[j]) != *p)
				return 0;
			j++;
		}
	}
	return boundary_at(text, j) ? j - i : 0;
}

/* Whether text[i] opens a sentence, a line or a list item. */
static bool sentence_start(const char *text, size_t i)
{
	while (i > 0) {
		char c = text[i - 1];

		if (c == '\n' || c == '.' || c == '!' || c == '?' || c == ':' || c == ';' ||
		    c == '-' || c == '*')
			return true;
		if (!is_space(c) && c != '"' && c != '(')
			return false;
		i--;
	}
	return true;
}

/*
 * Finds the terms of `terms` in `text`, each once, in the order they first appear;
 * writes their indexes to `found` and returns how many.
 */
static size_t terms_find(const char *text, const struct can_term *terms, size_t nterms,
			 size_t found[])
{
	size_t nfound = 0;

	if (text == NULL)
		return 0;
	for (size_t i = 0; text[i] != '\0' && nfound < nterms; i++) {
		for (size_t t = 0; t < nterms; t++) {
			bool seen = false;

			if (pattern_match(text, i, terms[t].pattern) == 0)
				continue;
			if (terms[t].name_too && text[i] >= 'A' && text[i] <= 'Z' &&
			    !sentence_start(text, i))
				continue;
			for (size_t k = 0; k < nfound; k++)
				seen = seen || found[k] == t;
			if (!seen)
				found[nfound++] = t;
		}
	}
	return nfound;
}

/* `"I think", "might"` into `out`. */
static void terms_quote(const struct can_term *terms, const size_t found[], size_t nfound,
			char out[CAN_TERMS_TEXT_MAX])
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t k = 0; k < nfound && len < CAN_TERMS_TEXT_MAX; k++) {
		int n = snprintf(out + len, CAN_TERMS_TEXT_MAX - len, "%s\"%s\"", k ? ", " : "",
				 terms[found[k]].display);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static struct can_warning *warning_add(struct can_lint *out, enum can_rule rule,
				       enum can_slot slot, const char *term)
{
	struct can_warning *w = &out->warnings[out->nwarnings++];

	w->rule = rule;
	w->slot = slot;
	w->term = term;
	w->message[0] = '\0';
	return w;
}

/* One rule about words in a slot: a warning "<head> (<terms>): <advice>", or none. */
static void lint_terms(struct can_lint *out, enum can_rule rule, enum can_slot slot,
		       const char *text, const struct can_term *terms, size_t nterms,
		       const char *head, const char *advice)
{
	size_t found[NELEM(promise_terms) > NELEM(speculation_terms) ? NELEM(promise_terms)
								      : NELEM(speculation_terms)];
	char quoted[CAN_TERMS_TEXT_MAX];
	size_t nfound;
	struct can_warning *w;

	nfound = terms_find(text, terms, nterms, found);
	if (nfound == 0)
		return;
	terms_quote(terms, found, nfound, quoted);
	w = warning_add(out, rule, slot, terms[found[0]].display);
	snprintf(w->message, sizeof(w->message), "%s (%s): %s", head, quoted, advice);
}

const char *can_rule_name(enum can_rule rule)
{
	if ((int)rule < 0 || rule >= CAN_RULE__MAX)
		return "?";
	return rule_names[rule];
}

const char *can_slot_name(enum can_slot slot)
{
	if ((int)slot < 0 || slot >= CAN_SLOT__MAX)
		return "?";
	return slot_names[slot];
}

bool can_text_blank(const char *text)
{
	if (text == NULL)
		return true;
	for (; *text != '\0'; text++)
		if (!is_space(*text))
			return false;
	return true;
}

bool can_needs_is_none(const char *needs)
{
	size_t len;

	if (needs == NULL)
		return false;
	while (is_space(*needs))
		needs++;
	len = strlen(needs);
	while (len > 0 && is_space(needs[len - 1]))
		len--;
	if (len > 0 && (needs[len - 1] == '.' || needs[len - 1] == '!'))
		len--;
	for (size_t i = 0; i < NELEM(needs_none); i++) {
		bool same = strlen(needs_none[i]) == len;

		for (size_t k = 0; same && k < len; k++)
			same = ascii_lower(needs[k]) == needs_none[i][k];
		if (same)
			return true;
	}
	return false;
}

bool can_report_blank(const struct can_report *report)
{
	return can_text_blank(report->conditions) && can_text_blank(report->actions) &&
	       can_text_blank(report->needs);
}

/* The doctrine's advice (seeds: "Common CAN failure modes"). */
#define ADVICE_SPECULATION                                                               \
	"Conditions are observed facts only (metrics, error rates, customer reports). Move " \
	"a suspicion to Actions (\"investigating a possible ...\") or Needs (\"need eyes " \
	"on ...\")."
#define ADVICE_PROMISE                                                                 \
	"Actions are work in flight now. What has not started belongs in Needs (\"need " \
	"approval to ...\") until the MIM approves it."

void can_lint(const struct can_report *report, struct can_lint *out)
{
	bool conditions = !can_text_blank(report->conditions);
	bool actions = !can_text_blank(report->actions);
	bool needs_blank = can_text_blank(report->needs);
	struct can_warning *w;

	out->nwarnings = 0;
	/* Rule order is output order: CAN_NEEDS_EMPTY first. */
	if (needs_blank) {
		w = warning_add(out, CAN_NEEDS_EMPTY, CAN_SLOT_NEEDS, NULL);
		snprintf(w->message, sizeof(w->message), "%s",
			 "Needs is empty: say what you need to keep going (resources, a decision, "
			 "access, another responder) or write \"none\". Empty Needs is fine, "
			 "implicit Needs is not.");
	}
	lint_terms(out, CAN_SPECULATION, CAN_SLOT_CONDITIONS, report->conditions,
		   speculation_terms, NELEM(speculation_terms), "Conditions speculate",
		   ADVICE_SPECULATION);
	lint_terms(out, CAN_PROMISE, CAN_SLOT_ACTIONS, report->actions, promise_terms,
		   NELEM(promise_terms), "Actions promise", ADVICE_PROMISE);
	if (conditions && !actions && (needs_blank || can_needs_is_none(report->needs))) {
		w = warning_add(out, CAN_ALL_CONDITIONS, CAN_SLOT_ACTIONS, NULL);
		snprintf(w->message, sizeof(w->message), "%s",
			 "All Conditions, no Actions or Needs: the MIM cannot act on this. "
			 "What are you doing about it? What do you need?");
	}
	if (actions && !conditions) {
		w = warning_add(out, CAN_NO_CONDITIONS, CAN_SLOT_CONDITIONS, NULL);
		snprintf(w->message, sizeof(w->message), "%s",
			 "Actions without Conditions: the MIM cannot judge whether the work fits "
			 "the situation. Tell me what you are seeing first.");
	}
}
