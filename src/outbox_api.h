/*
 * outbox_api — the HTTP handlers of notifications (issue 9, outbox.h): channels and the
 * delivery log (admin, /api/v1), status-page subscribers (public: /api/v2/subscribers, the
 * page's form at POST /subscribe, the mailed links under /subscribers/).  api.c's route
 * table names them.
 */
#ifndef MAJOROPS_OUTBOX_API_H
#define MAJOROPS_OUTBOX_API_H

#include "http.h"

int outbox_handle_channel_create(struct http_request *req);  /* POST /api/v1/channels */
int outbox_handle_channel_list(struct http_request *req);    /* GET /api/v1/channels */
int outbox_handle_channel_get(struct http_request *req);     /* GET /api/v1/channels/{id} */
int outbox_handle_channel_patch(struct http_request *req);   /* PATCH /api/v1/channels/{id} */
int outbox_handle_channel_delete(struct http_request *req);  /* DELETE /api/v1/channels/{id} */
int outbox_handle_delivery_list(struct http_request *req);   /* GET /api/v1/deliveries */
int outbox_handle_delivery_retry(struct http_request *req);  /* POST …/deliveries/{id}/retry */
int outbox_handle_subscriber_list(struct http_request *req); /* GET /api/v1/subscribers */
int outbox_handle_subscribe(struct http_request *req);       /* POST /api/v2/subscribers */
int outbox_handle_subscribe_form(struct http_request *req);  /* POST /subscribe (a form) */
int outbox_handle_subscriber_confirm(struct http_request *req);     /* GET …/confirm/{token} */
int outbox_handle_subscriber_unsubscribe(struct http_request *req); /* GET, POST …/unsubscribe/{token} */

#endif
