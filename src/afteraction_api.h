/*
 * afteraction_api — the HTTP handlers of issue 10 (After Action, action items, KPIs,
 * /metrics): each parses and validates against its field table, calls actions.h and
 * replies.  api.c's route table names them; the routes are listed there.
 */
#ifndef MAJOROPS_AFTERACTION_API_H
#define MAJOROPS_AFTERACTION_API_H

#include "http.h"

int afteraction_handle_get(struct http_request *req);     /* GET …/after-action */
int afteraction_handle_patch(struct http_request *req);   /* PATCH …/after-action */
int afteraction_handle_md(struct http_request *req);      /* GET …/after-action.md */
int afteraction_handle_html(struct http_request *req);    /* GET …/after-action.html */
int afteraction_handle_ics(struct http_request *req);     /* GET …/after-action.ics */
int afteraction_handle_svg(struct http_request *req);     /* GET …/after-action.svg */
int afteraction_handle_export(struct http_request *req);  /* GET …/{id}/export */
int afteraction_handle_action_create(struct http_request *req); /* POST …/{id}/actions */
int afteraction_handle_incident_actions(struct http_request *req); /* GET …/{id}/actions */
int afteraction_handle_action_list(struct http_request *req);   /* GET /actions */
int afteraction_handle_system_actions(struct http_request *req); /* GET …/{id}/system-actions */
int afteraction_handle_action_get(struct http_request *req);    /* GET /actions/{id} */
int afteraction_handle_action_patch(struct http_request *req);  /* PATCH /actions/{id} */
int afteraction_handle_kpis(struct http_request *req);    /* GET /kpis */
int afteraction_handle_kpis_svg(struct http_request *req); /* GET /kpis.svg */
int afteraction_handle_metrics(struct http_request *req); /* GET /metrics */

#endif
