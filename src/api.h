/*
 * api — the route table of the JSON API (API.md).  Each route names its method, pattern
 * and handler; handlers validate with json.h's field tables and call service.h.
 */
#ifndef MAJOROPS_API_H
#define MAJOROPS_API_H

#include <stddef.h>

#include "http.h"

extern const struct http_route api_routes[];
extern const size_t api_nroutes;

#endif
