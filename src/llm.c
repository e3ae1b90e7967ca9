/*
 * llm — one chat-completions request with libcurl, bounded in time and size (llm.h).
 */
#include "llm.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "parse.h"

/* What the model is told, whatever the draft: the record decides, the model only words. */
static const char system_prompt[] =
	"You rewrite incident-communication drafts for a major-incident command console. "
	"Rewrite the draft in clear, calm, plain language for the stated audience. Use only "
	"facts that appear in the draft or in the record given; never add facts, names, "
	"numbers, causes, times or promises. Keep it about as long as the draft. Answer with "
	"the rewritten text only: no preamble, no Markdown.";

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

/* libcurl's global state is set up once, before any handle (its rule for threads). */
static void curl_setup(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void llm_config_from_env(struct llm_config *cfg)
{
	const char *url = getenv("MAJOROPS_LLM_URL");
	const char *model = getenv("MAJOROPS_LLM_MODEL");
	const char *key = getenv("MAJOROPS_LLM_API_KEY");
	const char *timeout = getenv("MAJOROPS_LLM_TIMEOUT_MS");
	const char *p = timeout;
	uint64_t ms;

	cfg->url = url && *url ? url : NULL;
	cfg->model = model && *model ? model : LLM_MODEL_DEFAULT;
	cfg->api_key = key && *key ? key : NULL;
	cfg->timeout_ms = LLM_TIMEOUT_MS_DEFAULT;
	if (timeout && parse_u64(&p, &ms, LLM_TIMEOUT_MS_MAX) == 0 && *p == '\0' && ms > 0)
		cfg->timeout_ms = (long)ms;
}

/* Collects the answer into a capped buffer; a bigger answer aborts the transfer. */
static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, data, size * n) != 0)
		return 0;
	return size * n;
}

/* The request body: the system prompt, then the draft and the record as one user turn. */
static char *request_body(const struct llm_config *cfg, const char *audience_hint,
			  const char *draft, const json_t *facts)
{
	struct buf user;
	char *facts_text = NULL, *text = NULL;
	json_t *body = NULL;

	buf_init(&user, LLM_REPLY_MAX);
	if (facts != NULL) {
		facts_text = json_dumps(facts, JSON_INDENT(1) | JSON_SORT_KEYS);
		if (facts_text == NULL)
			goto done;
	}
	if (buf_printf(&user, "Audience: %s.\n\nDraft:\n%s\n", audience_hint, draft) != 0 ||
	    (facts_text && buf_printf(&user, "\nRecord (the only facts you may use):\n%s\n",
				      facts_text) != 0))
		goto done;
	body = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}], s:f}", "model", cfg->model, "messages",
			 "role", "system", "content", system_prompt, "role", "user", "content",
			 user.ptr, "temperature", 0.2);
	if (body != NULL)
		text = json_to_text(body);
done:
	json_decref(body);
	free(facts_text);
	buf_free(&user);
	return text;
}

/* choices[0].message.content, trimmed, when it is usable text. */
static char *reply_text(const char *reply)
{
	json_t *doc = json_loads(reply, 0, NULL);
	const char *content = json_string_value(json_object_get(
		json_object_get(json_array_get(json_object_get(doc, "choices"), 0), "message"),
		"content"));
	char *text = NULL;
	size_t len;

	if (content != NULL && !str_blank(content)) {
		while (*content == ' ' || *content == '\n' || *content == '\r' || *content == '\t')
			content++;
		len = strlen(content);
		while (len > 0 && (content[len - 1] == ' ' || content[len - 1] == '\n' ||
				   content[len - 1] == '\r' || content[len - 1] == '\t'))
			len--;
		if (len <= LLM_TEXT_MAX) {
			text = malloc(len + 1);
			if (text != NULL) {
				memcpy(text, content, len);
				text[len] = '\0';
			}
		}
	}
	json_decref(doc);
	return text;
}

char *llm_rewrite(const struct llm_config *cfg, const char *audience_hint, const char *draft,
		  const json_t *facts)
{
	struct curl_slist *headers = NULL;
	char auth[512], errbuf[CURL_ERROR_SIZE] = "";
	struct buf reply;
	char *body = NULL, *text = NULL;
	long status = 0;
	CURLcode rc;
	CURL *curl = NULL;

	if (cfg->url == NULL)
		return NULL;
	buf_init(&reply, LLM_REPLY_MAX);
	pthread_once(&curl_once, curl_setup);
	if (curl_init_result != CURLE_OK) {
		fprintf(stderr, "majorops: cannot rewrite the draft: libcurl did not initialise\n");
		goto done;
	}
	body = request_body(cfg, audience_hint, draft, facts);
	curl = curl_easy_init();
	headers = curl_slist_append(headers, "Content-Type: application/json");
	if (cfg->api_key) {
		/* A key that does not fit is not sent cut: the request would fail anyway. */
		if ((size_t)snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cfg->api_key) >=
		    sizeof(auth)) {
			fprintf(stderr, "majorops: cannot rewrite the draft: MAJOROPS_LLM_API_KEY is too long\n");
			goto done;
		}
		headers = curl_slist_append(headers, auth);
	}
	if (body == NULL || curl == NULL || headers == NULL) {
		fprintf(stderr, "majorops: cannot rewrite the draft: out of memory\n");
		goto done;
	}
	curl_easy_setopt(curl, CURLOPT_URL, cfg->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, cfg->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, cfg->timeout_ms);
	/* Timeouts by signal are not for a threaded server. */
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		fprintf(stderr, "majorops: cannot rewrite the draft with '%s': %s\n", cfg->url,
			errbuf[0] ? errbuf : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		fprintf(stderr, "majorops: cannot rewrite the draft with '%s': it answered %ld\n",
			cfg->url, status);
		goto done;
	}
	text = reply_text(reply.ptr);
	if (text == NULL)
		fprintf(stderr, "majorops: cannot rewrite the draft with '%s': no text in its answer\n",
			cfg->url);
done:
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	free(body);
	buf_free(&reply);
	return text;
}
