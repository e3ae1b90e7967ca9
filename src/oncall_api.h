/*
 * oncall_api — the HTTP handlers of on-call and paging (issue 9): each validates against
 * its field table, calls teams.h or pages.h and replies.  api.c's route table names them
 * with their roles (admin changes teams, rotations and overrides; viewers read; responders
 * page and acknowledge; the calendar feed and the acknowledgement link are public and
 * carry their own signed tokens).
 */
#ifndef MAJOROPS_ONCALL_API_H
#define MAJOROPS_ONCALL_API_H

#include "http.h"

int oncall_handle_team_create(struct http_request *req);     /* POST /teams */
int oncall_handle_team_list(struct http_request *req);       /* GET /teams */
int oncall_handle_team_get(struct http_request *req);        /* GET /teams/{id} */
int oncall_handle_team_patch(struct http_request *req);      /* PATCH /teams/{id} */
int oncall_handle_rotation_create(struct http_request *req); /* POST /teams/{id}/rotations */
int oncall_handle_rotation_get(struct http_request *req);    /* GET /rotations/{id} */
int oncall_handle_override_create(struct http_request *req); /* POST /rotations/{id}/overrides */
int oncall_handle_calendar(struct http_request *req);        /* GET /rotations/{id}/calendar.ics */
int oncall_handle_oncall(struct http_request *req);          /* GET /oncall?at= */
int oncall_handle_mtta(struct http_request *req);            /* GET /oncall/mtta?from=&to= */
int oncall_handle_page_create(struct http_request *req);     /* POST /incidents/{id}/pages */
int oncall_handle_page_list(struct http_request *req);       /* GET /incidents/{id}/pages */
int oncall_handle_page_get(struct http_request *req);        /* GET /pages/{id} */
int oncall_handle_page_ack(struct http_request *req);        /* POST /pages/{id}/ack */
int oncall_handle_ack_link(struct http_request *req);      /* GET /ack/{token}: asks, HTML */
int oncall_handle_ack_link_post(struct http_request *req); /* POST /ack/{token}: acknowledges */

#endif
