/*
 * service_internal — what the command modules share (service.c, and the modules that add
 * commands of their own such as the command doctrine's): the command carrier, the record
 * of a change, and the helpers that load, save and publish an incident inside a store
 * command.  Not for the HTTP layer: handlers call service.h.
 */
#ifndef MAJOROPS_SERVICE_INTERNAL_H
#define MAJOROPS_SERVICE_INTERNAL_H

#include <jansson.h>

#include "doctrine.h"
#include "service.h"
#include "store.h"

/* What every command carries in and out of the writer thread. */
struct cmd {
	struct app *app;
	const char *actor;
	int64_t number;
	int64_t now;
	struct api_error *err;
	json_t *result;
};

/* What one command records: the timeline entry (optional) and the extra object the
 * live stream carries beside the incident. */
struct record {
	const char *event_type;
	const char *entry_type; /* NULL: no timeline entry */
	const char *text;
	enum visibility visibility;
	json_t *payload;      /* borrowed; entry payload */
	int64_t amends;
	const char *extra_key; /* "update", "responder", "track" (command.c), … or NULL */
	json_t *extra;         /* borrowed */
	json_t *entry_out;     /* set: new reference to the entry written */
	bool without_state;    /* the event carries no incidentState (nothing of it changed) */
};

/* Loads INC-number (404 when absent); `inc` is always safe to incident_free(). */
int load_incident(struct store_conn *c, int64_t number, struct incident *inc,
		  struct api_error *err);
/* The latest published update per audience, for cadence. */
int cadence_inputs(struct store_conn *c, int64_t number, struct cadence_input in[AUDIENCE__MAX]);
/* The incident as clients see it: stored form plus computed staffing, cadence, … */
json_t *incident_view(struct store_conn *c, const struct incident *inc, int64_t now);
/* 503 store_unavailable; returns -1. */
int io_error(struct api_error *err);
json_t *entry_json(int64_t id, int64_t number, int64_t at, const char *author, const char *type,
		   const char *visibility, const char *text, json_t *payload, int64_t amends);
/* Appends the timeline entry (when r->entry_type) and the event for `inc`. */
int record_change(struct store_conn *c, struct cmd *cmd, const struct incident *inc,
		  struct record *r);
/* Saves `inc` (version + 1), records the change, sets cmd->result to the incident view. */
int commit_incident(struct store_conn *c, struct cmd *cmd, struct incident *inc,
		    struct record *r, bool insert);
/* 409 doctrine naming the rule; returns -1. */
int doctrine_refusal(struct api_error *err, const struct doctrine_verdict *v);
/* Runs `fn` as one durable command and hands back cmd->result. */
int run_command(struct cmd *cmd, store_command_fn fn, json_t **out);
/* Opens a new incident inside a command (POST /incidents and alert intake): its run card
 * fires (intake.h), cmd->result is its view, `*number` (when not NULL) its number. */
int open_in_command(struct store_conn *c, struct cmd *cmd, const struct open_input *in,
		    int64_t *number);
/* Only the MIM or customerOps may publish (SPEC §6). */
bool may_publish(const struct incident *inc, const char *actor);
int publish_refusal(struct api_error *err);

#endif
