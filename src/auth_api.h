/*
 * auth_api — the handlers of sign-in (API.md "Auth"; auth.h does the work):
 *   /api/v1/session (GET who am I, POST sign in, DELETE sign out), .../revoke-all,
 *   .../password (one's own), /api/v1/users, /api/v1/tokens, /api/v1/audit,
 *   and the pages /login and /logout, which work without JavaScript.
 */
#ifndef MAJOROPS_AUTH_API_H
#define MAJOROPS_AUTH_API_H

struct http_request;

int auth_handle_session_get(struct http_request *req);
int auth_handle_session_post(struct http_request *req);
int auth_handle_session_delete(struct http_request *req);
int auth_handle_session_revoke_all(struct http_request *req);
int auth_handle_session_password(struct http_request *req);
int auth_handle_users_list(struct http_request *req);
int auth_handle_users_create(struct http_request *req);
int auth_handle_user_get(struct http_request *req);
int auth_handle_user_patch(struct http_request *req);
int auth_handle_tokens_list(struct http_request *req);
int auth_handle_tokens_create(struct http_request *req);
int auth_handle_token_delete(struct http_request *req);
int auth_handle_audit(struct http_request *req);
int auth_handle_login_page(struct http_request *req);
int auth_handle_login_post(struct http_request *req);
int auth_handle_logout_page(struct http_request *req);
int auth_handle_logout_post(struct http_request *req);

#endif
