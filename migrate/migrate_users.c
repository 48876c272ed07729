/*
 * migrate_users.c — which legacy users can be migrated as they are, shared by plan
 * and run (mig_check_conflicts), and `run --adopt`, which takes over the ids a
 * target already has for them and removes the copies a duplicated target holds.
 *
 * A user is left behind (with their photos), reported by legacy id with a reason:
 *   - no email (NULL or empty in the legacy table): they could never sign in, and
 *     the S3 keys and the email index need one;
 *   - an email equal but for case to an earlier legacy user's: the target keeps
 *     emails unique without case (the guard), so two such users would share one
 *     guard; the one with the lower legacy id is migrated, this one never merged;
 *   - the same storage folder as an earlier legacy user's (migrate_folders.c);
 *   - the email is already in the target under another id (the User table's
 *     email index, or the guard table's guard for the email in lower case),
 *     unless --adopt.
 */
#include "migrate_internal.h"

#include <stdlib.h>
#include <string.h>

#include "db/dynamodb.h"
#include "db/items.h"
#include "util/strutil.h"

#include "util/banned.h"

static char fold(char ch)
{
	return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

int mig_email_cmp_folded(const char *a, const char *b)
{
	for (; *a && fold(*a) == fold(*b); a++, b++)
		;
	return (unsigned char)fold(*a) - (unsigned char)fold(*b);
}

int mig_by_folded_email(const void *pa, const void *pb, void *ctx)
{
	const struct mig_user *users = ctx;
	const struct mig_user *a = &users[*(const size_t *)pa], *b = &users[*(const size_t *)pb];
	int d = mig_email_cmp_folded(a->email, b->email);

	if (d)
		return d;
	return a->legacy_id < b->legacy_id ? -1 : a->legacy_id > b->legacy_id;
}

/* Users without an email, and users whose email another (earlier) user has but for case. */
static int check_legacy_emails(struct mig_ctx *c, struct mig_list *problems, struct ca_err *err)
{
	struct mig_user *users = c->legacy.users;
	size_t *order = NULL, n = 0, i;
	bool ok = true;

	order = calloc(c->legacy.n_users ? c->legacy.n_users : 1, sizeof(*order));
	if (!order)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	for (i = 0; i < c->legacy.n_users && ok; i++) {
		struct mig_user *u = &users[i];

		if (u->nul_column) {
			u->conflict = true;
			ok = mig_list_addf(problems,
					   "user %ld: %s holds a NUL byte (at byte %lu), where the text would be cut: skipped with their photos; remove the byte in the legacy row and run again",
					   u->legacy_id, u->nul_column, u->nul_at);
			continue;
		}
		if (u->case_of) {
			/* sharded: the earlier user is another shard's (migrate_legacy.c) */
			u->conflict = true;
			ok = mig_list_addf(problems,
					   "user %ld (%s): the same email as user %ld (%s) but for case; emails are unique without case in the target, so this user is skipped with their photos, never merged (make the two emails differ in the legacy database and run again)",
					   u->legacy_id, u->email, u->case_of, u->case_of_email);
			continue;
		}
		if (u->email && *u->email) {
			order[n++] = i;
			continue;
		}
		u->conflict = true;
		ok = mig_list_addf(problems,
				   "user %ld (%s): no email (%s in the legacy table): nobody could sign in as them; skipped with their photos (give them an email in the legacy database and run again)",
				   u->legacy_id, u->username ? u->username : "no name",
				   u->email ? "empty" : "NULL");
	}
	if (n > 1)
		qsort_r(order, n, sizeof(order[0]), mig_by_folded_email, users);
	for (i = 1; i < n && ok; i++) {
		struct mig_user *first = &users[order[i - 1]], *u = &users[order[i]];
		size_t k = i - 1;

		/* the group's first (lowest legacy id) is the one migrated */
		while (k > 0 && mig_email_cmp_folded(users[order[k - 1]].email, u->email) == 0)
			k--;
		first = &users[order[k]];
		if (mig_email_cmp_folded(first->email, u->email) != 0)
			continue;
		u->conflict = true;
		ok = mig_list_addf(problems,
				   "user %ld (%s): the same email as user %ld (%s) but for case; emails are unique without case in the target, so this user is skipped with their photos, never merged (make the two emails differ in the legacy database and run again)",
				   u->legacy_id, u->email, first->legacy_id, first->email);
	}
	free(order);
	return ok ? CA_OK : ca_err_set(err, CA_ENOMEM, "Out of memory.");
}

/* The user_id the guard table holds for email, malloc'd; NULL when none. */
static int guard_owner(struct mig_ctx *c, const char *email, char **owner, struct ca_err *err)
{
	char *key = ddb_guard_id(email);
	json_t *item = NULL;
	int rc;

	*owner = NULL;
	if (!key)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	rc = mig_ddb_get(c, c->guard_table, key, &item, err);
	if (rc == CA_OK && item && ddb_attr_text(item, "user_id", owner) != CA_OK)
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	json_decref(item);
	free(key);
	return rc;
}

static bool in_ids(const json_t *items, const char *id)
{
	size_t k;

	for (k = 0; id && k < json_array_size(items); k++) {
		const char *v = json_string_value(
			json_object_get(json_object_get(json_array_get(items, k), "id"), "S"));

		if (v && strcmp(v, id) == 0)
			return true;
	}
	return false;
}

static const char *id_at(const json_t *items, size_t k)
{
	return json_string_value(json_object_get(json_object_get(json_array_get(items, k), "id"), "S"));
}


static int delete_key(struct mig_ctx *c, const char *table, json_t *key, struct ca_err *err)
{
	json_t *in = json_pack("{s:s, s:o}", "TableName", table, "Key", key);
	int rc;

	if (!in)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	rc = mig_ddb(c, "DeleteItem", in, NULL, NULL, err);
	json_decref(in);
	return rc;
}

/*
 * A second User item for legacy user ui's email (id dup): its Photo items that are
 * copies of ui's legacy rows are deleted, and the User item too when nothing else
 * is left under it. Photos that are no legacy row's (made in the app since) are
 * kept, and so is the user then; *note says what was done.
 */
static int drop_duplicate(struct mig_ctx *c, size_t ui, const char *dup, struct mig_list *notes,
			  struct ca_err *err)
{
	const struct mig_user *u = &c->legacy.users[ui];
	json_t *items = json_array();
	size_t k, removed = 0, kept = 0;
	int rc;

	if (!items)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	rc = mig_ddb_query(c, c->photo_table, NULL, "user_id", dup, items, err);
	for (k = 0; rc == CA_OK && k < json_array_size(items); k++) {
		const json_t *it = json_array_get(items, k);
		const char *fn = json_string_value(json_object_get(json_object_get(it, "filename"), "S"));

		bool legacy = false;

		/* whether fn is one of the user's legacy rows (asked of the database: the
		 * photos are read a chunk at a time, later) */
		rc = mig_legacy_has_file(&c->legacy, u->legacy_id, fn, &legacy, err);
		if (rc != CA_OK)
			break;
		if (!legacy) {
			kept++;
			continue;
		}
		rc = delete_key(c, c->photo_table,
				json_pack("{s:O, s:O}", "user_id", json_object_get(it, "user_id"), "id",
					  json_object_get(it, "id")), err);
		removed += rc == CA_OK;
	}
	if (rc == CA_OK && !kept)
		rc = delete_key(c, c->user_table, json_pack("{s:o}", "id", ddb_s(dup)), err);
	if (rc == CA_OK && kept &&
	    !mig_list_addf(notes, "user %ld (%s): duplicate id %s kept: it has %zu photos that are no legacy row's (%zu copies removed)",
			   u->legacy_id, u->email, dup, kept, removed))
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	if (rc == CA_OK && !kept &&
	    !mig_list_addf(notes, "user %ld (%s): duplicate id %s removed with its %zu copies of legacy photos",
			   u->legacy_id, u->email, dup, removed))
		rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
	json_decref(items);
	return rc;
}

/*
 * --adopt for user ui whose email the target has under ids (the index's items) or a
 * guard: the id kept is the state's if the target has it, else the guard's, else the
 * index's first; the others are dropped as duplicates.
 */
static int adopt(struct mig_ctx *c, size_t ui, const json_t *hits, const char *guard,
		 bool *guard_dropped, struct mig_list *notes, struct ca_err *err)
{
	struct mig_user *u = &c->legacy.users[ui];
	const char *keep = NULL;
	char *copy;
	size_t k;
	int rc = CA_OK;

	if (u->target_id && in_ids(hits, u->target_id))
		keep = u->target_id;
	else if (guard && in_ids(hits, guard))
		keep = guard;
	else if (json_array_size(hits))
		keep = id_at(hits, 0);
	else
		keep = guard;
	if (!keep)
		return CA_OK;
	if (!json_array_size(hits)) {
		/* only a guard: adopted when its id has no User item (a run stopped between the
		 * two); one under another spelling of the email is another user: never merged */
		json_t *item = NULL;

		rc = mig_ddb_get_user(c, keep, &item, err);
		json_decref(item);
		if (rc != CA_OK || item)
			return rc;
	}
	copy = ca_strdup(keep);
	if (!copy)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	for (k = 0; rc == CA_OK && k < json_array_size(hits); k++) {
		const char *id = id_at(hits, k);

		if (id && strcmp(id, copy) != 0) {
			rc = drop_duplicate(c, ui, id, notes, err);
			/* the guard named a copy: the run writes it anew for the id kept */
			if (guard && strcmp(guard, id) == 0)
				*guard_dropped = true;
		}
	}
	if (rc == CA_OK && (!u->target_id || strcmp(u->target_id, copy) != 0)) {
		if (!mig_list_addf(notes, "user %ld (%s): adopted the target's id %s%s%s", u->legacy_id,
				   u->email, copy, u->target_id ? " (the state file said " : "",
				   u->target_id ? u->target_id : ""))
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		if (rc == CA_OK && u->target_id && !mig_list_addf(notes, "  (state file entry replaced)"))
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		if (rc == CA_OK)
			rc = mig_state_replace(&c->state, u->legacy_id, copy, err);
		if (rc == CA_OK) {
			free(u->target_id);
			u->target_id = copy;
			copy = NULL;
			c->adopted++;
		}
	}
	free(copy);
	return rc;
}

/* Whether the target holds exactly our user for this email: nothing to adopt. */
static bool settled(const json_t *hits, const char *guard, const char *target_id)
{
	if (!json_array_size(hits))
		return !guard;
	return json_array_size(hits) == 1 && target_id && in_ids(hits, target_id) &&
	       (!guard || strcmp(guard, target_id) == 0);
}

/* What the target holds for one user's email: the email index's items and the guard's
 * owner, read for every user at once on the pool (--jobs requests in flight). */
struct email_look {
	struct mig_ctx *c;
	json_t **items;
	char **guard;
};

static int look_task(void *arg, size_t i, struct ca_err *err)
{
	struct email_look *lk = arg;
	struct mig_user *u = &lk->c->legacy.users[i];
	int rc;

	if (u->conflict)
		return CA_OK;
	lk->items[i] = json_array();
	if (!lk->items[i])
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	rc = mig_ddb_query(lk->c, lk->c->user_table, CA_DDB_EMAIL_INDEX, "email", u->email,
			   lk->items[i], err);
	if (rc == CA_OK)
		rc = guard_owner(lk->c, u->email, &lk->guard[i], err);
	return rc;
}

int mig_check_conflicts(struct mig_ctx *c, struct mig_list *problems, struct ca_err *err)
{
	struct email_look lk = { c, NULL, NULL };
	size_t i, k;
	int rc;

	rc = check_legacy_emails(c, problems, err);
	if (rc == CA_OK)
		rc = mig_check_folders(c, problems, err); /* migrate_folders.c */
	if (rc == CA_OK && !c->opts->adopt && c->legacy.n_users) {
		/* --adopt changes the target as it goes: it reads user by user below */
		lk.items = calloc(c->legacy.n_users, sizeof(*lk.items));
		lk.guard = calloc(c->legacy.n_users, sizeof(*lk.guard));
		rc = lk.items && lk.guard ? mig_pool_run(c->opts->jobs, c->legacy.n_users, look_task, &lk, err)
					  : ca_err_set(err, CA_ENOMEM, "Out of memory.");
	}
	for (i = 0; i < c->legacy.n_users && rc == CA_OK; i++) {
		struct mig_user *u = &c->legacy.users[i];
		json_t *items = NULL;
		char *guard = NULL;
		const char *other = NULL;

		if (u->conflict)
			continue;
		if (lk.items) {
			items = lk.items[i];
			guard = lk.guard[i];
			lk.items[i] = NULL;
			lk.guard[i] = NULL;
		} else {
			items = json_array();
			if (!items)
				return ca_err_set(err, CA_ENOMEM, "Out of memory.");
			rc = mig_ddb_query(c, c->user_table, CA_DDB_EMAIL_INDEX, "email", u->email, items, err);
			if (rc == CA_OK)
				rc = guard_owner(c, u->email, &guard, err);
		}
		if (rc == CA_OK && c->opts->adopt && !settled(items, guard, u->target_id)) {
			bool dropped = false;

			rc = adopt(c, i, items, guard, &dropped, &c->adopt_notes, err);
			if (dropped)
				ca_free_str(&guard);
		}
		if (rc == CA_OK && c->opts->adopt) {
			/* what adopt kept is the only id left for the email */
			json_array_clear(items);
			rc = mig_ddb_query(c, c->user_table, CA_DDB_EMAIL_INDEX, "email", u->email,
					   items, err);
		}
		for (k = 0; rc == CA_OK && k < json_array_size(items) && !other; k++)
			if (id_at(items, k) && (!u->target_id || strcmp(id_at(items, k), u->target_id)))
				other = id_at(items, k);
		if (rc == CA_OK && !other && guard && (!u->target_id || strcmp(guard, u->target_id)))
			other = guard;
		if (rc == CA_OK && other) {
			u->conflict = true;
			if (!mig_list_addf(problems,
					   "user %ld (%s): the email is already in the target under id %s (table %s%s); skipped with their photos (run --adopt to take that id over if it is this user's)",
					   u->legacy_id, u->email, other,
					   other == guard ? c->guard_table : c->user_table,
					   other == guard ? ", its email guard" : ""))
				rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
		}
		free(guard);
		json_decref(items);
	}
	for (i = 0; lk.items && i < c->legacy.n_users; i++)
		json_decref(lk.items[i]);
	for (i = 0; lk.guard && i < c->legacy.n_users; i++)
		free(lk.guard[i]);
	free(lk.items);
	free(lk.guard);
	return rc;
}
