/*
 * codec — the incident and its record to and from JSON (the wire and the stored form).
 *
 * The stored projection of an incident is exactly its wire form minus what is computed at
 * read time (staffing, cadence), so reading an incident is one parse.  Returned json_t
 * values are new references the caller json_decref()s.
 */
#ifndef MAJOROPS_CODEC_H
#define MAJOROPS_CODEC_H

#include <jansson.h>

#include "doctrine.h"

/* The wire form, without staffing and cadence, plus the stored-only member "command" (the
 * command doctrine's projection, inc->command_json parsed) when it is set; incident_view
 * removes that member before anyone sees it.  NULL when out of memory. */
json_t *incident_to_json(const struct incident *inc);
/* Reads a stored document back; -1 when a field is missing or malformed. */
int incident_from_json(const json_t *doc, struct incident *inc);

json_t *staffing_to_json(const struct staffing *st);

/* "INC-42" into `out`. */
void incident_id_format(int64_t number, char out[32]);

#endif
