/*
 * llm — the optional rewriter of the drafting assistant (SPEC §16): an OpenAI-compatible
 * chat-completions endpoint is asked to rewrite a built-in draft in better words.
 *
 * The built-in drafter (assist.h) stays the source of truth: the model receives the
 * draft and, except for public drafts, the facts of the record it was built from, with
 * instructions to add nothing.  A public draft is sent alone, so a model can never put an
 * internal fact it was never shown into a public text.  Any failure — no URL configured,
 * a refused connection, a timeout, a non-200 answer, an answer without text — returns NULL
 * and the caller answers the built-in draft (`source: builtin`).  Nothing is published.
 *
 * Configuration from the environment (read at each call, so it is the process's):
 *   MAJOROPS_LLM_URL         the endpoint, e.g. http://127.0.0.1:11434/v1/chat/completions
 *   MAJOROPS_LLM_MODEL       the model name sent (default LLM_MODEL_DEFAULT)
 *   MAJOROPS_LLM_API_KEY     sent as "Authorization: Bearer …" when set
 *   MAJOROPS_LLM_TIMEOUT_MS  the whole exchange's limit (default LLM_TIMEOUT_MS_DEFAULT)
 */
#ifndef MAJOROPS_LLM_H
#define MAJOROPS_LLM_H

#include <jansson.h>

#define LLM_MODEL_DEFAULT "gpt-4o-mini"
#define LLM_TIMEOUT_MS_DEFAULT 5000
#define LLM_TIMEOUT_MS_MAX 60000
#define LLM_REPLY_MAX (256 * 1024) /* bytes of the endpoint's answer; more is a failure */
#define LLM_TEXT_MAX 16384         /* bytes of rewritten text accepted */

struct llm_config {
	const char *url;     /* NULL: no rewriter configured */
	const char *model;
	const char *api_key; /* NULL: none sent */
	long timeout_ms;
};

/* Reads the configuration above; cfg->url is NULL when MAJOROPS_LLM_URL is unset or empty. */
void llm_config_from_env(struct llm_config *cfg);

/*
 * Asks the endpoint to rewrite `draft` for `audience_hint` ("public", "internal", "exec",
 * "the MIM"), grounded in `facts` (an object, or NULL to send the draft alone).  Returns
 * the new text (the caller frees it with free(3)) or NULL on any failure, logged to
 * stderr with the reason.
 */
char *llm_rewrite(const struct llm_config *cfg, const char *audience_hint, const char *draft,
		  const json_t *facts);

#endif
