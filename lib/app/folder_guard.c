/*
 * folder_guard.c — a new account never takes another account's storage folder
 * (storage/layout.h, "Folder collisions"): the legacy folder name of an email is
 * kept, so a sign-up whose folder some existing account already has is refused.
 */
#include "app/app_internal.h"

#include "storage/layout.h"
#include "util/banned.h"

/* The most other readings of one folder name looked up; more and the address is refused. */
#define APP_FOLDER_ALIASES_MAX 16

/* Whether an account with exactly this email exists, in the database or the user pool. */
static int account_exists(struct ca_app *app, const char *email, bool *exists,
			  struct ca_err *err)
{
	struct ca_user u = { 0 };
	struct ca_cognito_pool_user pu = { 0 };
	int rc;

	*exists = false;
	rc = ca_db_user_find_by_email(app->db, email, &u, err);
	ca_user_release(&u);
	if (rc == CA_OK) {
		*exists = true;
		return CA_OK;
	}
	if (rc != CA_DB_NOTFOUND)
		return rc;
	ca_err_clear(err);
	if (!app->cognito)
		return CA_OK;
	rc = ca_cognito_auth_pool_user(app->cognito, email, &pu, err);
	ca_cognito_pool_user_release(&pu);
	if (rc == CA_OK)
		*exists = true;
	if (rc == CA_ENOTFOUND) {
		ca_err_clear(err);
		rc = CA_OK;
	}
	return rc;
}

bool app_folder_free(struct ca_app *app, const struct ca_http_request *req,
		     struct ca_http_response *resp, const char *email)
{
	char **aliases = NULL;
	size_t n = 0, i;
	bool taken = false;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	rc = ca_storage_folder_aliases(email, APP_FOLDER_ALIASES_MAX, &aliases, &n, &err);
	if (rc == CA_ERANGE || rc == CA_STORAGE_BAD_NAME) {
		ca_http_respond_error(resp, 400, "This email address cannot be given a photo folder "
				      "of its own (its folder name reads as too many other "
				      "addresses); sign up with another address.");
		return false;
	}
	for (i = 0; rc == CA_OK && i < n && !taken; i++)
		rc = account_exists(app, aliases[i], &taken, &err);
	ca_storage_aliases_free(aliases, n);
	if (rc != CA_OK) {
		app_fail(req, resp, &err);
		return false;
	}
	if (taken) {
		app_log(req, "sign-up refused: the new address's photo folder belongs to another "
			"account");
		ca_http_respond_error(resp, 409, "Another account already has the photo folder this "
				      "address maps to (addresses that differ only in '@' or '.' "
				      "against \"_at_\" or \"_dot_\" share one); sign up with another "
				      "address.");
		return false;
	}
	return true;
}
