/*
 * api_hostedui.h — the routes of the Cognito hosted UI's sign-in
 * (authorization-code grant), added by app.c when auth.kind is cognito and a
 * hosted UI is configured (see auth/cognito_auth.h). Not for use outside lib/app.
 */
#ifndef CA_APP_API_HOSTEDUI_H
#define CA_APP_API_HOSTEDUI_H

#include "app/app_internal.h"

/*
 * Adds, ahead of the app's other routes, when app->cognito has a hosted UI:
 *   GET    /login        302 to the hosted UI's authorize endpoint (state, nonce and
 *                        PKCE challenge; the attempt in an HttpOnly cookie for 10 min)
 *   GET    /callback     checks the state (and `iss`, when the provider sends it, against
 *                        auth.issuer), exchanges the code, verifies the id token
 *                        and its nonce, issues the session and CSRF cookies, 302 to
 *                        /#/album; refusals as a short page (Accept: text/html) or
 *                        the API's JSON error
 *   GET    /logout       clears the session, 302 to the hosted UI's /logout
 *   DELETE /api/session  as without the hosted UI, but 200 {"logout_url"} (the
 *                        hosted UI's sign-out address, for the front end to visit)
 *   GET    /api/config   as without it, plus "login_url": "/login"
 * Does nothing otherwise. CA_OK, or the router's code (CA_ENOMEM).
 */
int app_hostedui_add_routes(struct ca_app *app, struct ca_err *err);

#endif
