/*
 * migrate_folders.c — legacy users whose storage folders collide (storage/layout.h,
 * "Folder collisions"): norm() is not one-to-one, so "a_at_b@x.io" and
 * "a@b_at_x.io" both own the legacy folder "a_at_b_at_x_dot_io", and their files
 * lie side by side in it. The target names a user's S3 prefix after the same
 * folder (photos/<norm(email)>/), and the app finds a user's images by that name
 * alone, so two such accounts in the target would share one prefix: each could
 * read, overwrite and delete the other's images.
 *
 * The rule (docs/MIGRATION.md, "Users"): of each group of users sharing a folder,
 * the one with the lowest legacy id is migrated with the folder; every other one
 * is left behind with their photos, reported by legacy id with the folder and the
 * user who keeps it. Nothing is moved, merged or deleted: their rows and files stay
 * in the legacy deployment, and a later run migrates them once the legacy
 * database gives them an email with a folder of its own (and their files are moved
 * into that folder). This is the rule sign-up follows in the app (folder_guard.c:
 * a new address whose folder an existing account has is refused), so the target
 * never has two accounts with one folder, whichever came first.
 */
#include "migrate_internal.h"

#include <stdlib.h>
#include <string.h>

#include "storage/layout.h"

#include "util/banned.h"

struct folder_of {
	size_t user;   /* index into c->legacy.users */
	char *folder;  /* norm(email) */
};

static int by_folder_then_id(const void *pa, const void *pb, void *ctx)
{
	const struct folder_of *a = pa, *b = pb;
	const struct mig_user *users = ctx;
	int d = strcmp(a->folder, b->folder);
	long ia = users[a->user].legacy_id, ib = users[b->user].legacy_id;

	if (d)
		return d;
	return ia < ib ? -1 : ia > ib;
}

int mig_check_folders(struct mig_ctx *c, struct mig_list *problems, struct ca_err *err)
{
	struct mig_user *users = c->legacy.users;
	struct folder_of *f = NULL;
	size_t n = 0, i, first = 0;
	int rc = CA_OK;

	f = calloc(c->legacy.n_users ? c->legacy.n_users : 1, sizeof(*f));
	if (!f)
		return ca_err_set(err, CA_ENOMEM, "Out of memory.");
	for (i = 0; i < c->legacy.n_users; i++) {
		struct ca_buf norm = CA_BUF_INIT;

		/* users already left behind, or whose email names no folder, take none */
		if (users[i].conflict || users[i].bad_name || !users[i].email ||
		    ca_storage_norm_email(users[i].email, &norm, NULL) != CA_OK) {
			ca_buf_release(&norm);
			continue;
		}
		f[n].user = i;
		f[n].folder = ca_buf_detach(&norm, NULL);
		if (!f[n].folder) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
			goto out;
		}
		n++;
	}
	if (n > 1)
		qsort_r(f, n, sizeof(f[0]), by_folder_then_id, users);
	for (i = 1; i < n; i++) {
		struct mig_user *keeper, *u = &users[f[i].user];

		if (strcmp(f[i].folder, f[i - 1].folder) != 0) {
			first = i;
			continue;
		}
		keeper = &users[f[first].user];
		u->conflict = true;
		if (!mig_list_addf(problems,
				   "user %ld (%s): the same storage folder (%s) as user %ld (%s); two accounts never share a folder, so user %ld, the earlier, keeps it and this user is skipped with their photos, whose files stay where they are (give this user an email with a folder of its own in the legacy database, move their files into that folder, and run again)",
				   u->legacy_id, u->email, f[i].folder, keeper->legacy_id,
				   keeper->email, keeper->legacy_id)) {
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory.");
			goto out;
		}
	}
out:
	for (i = 0; i < n; i++)
		free(f[i].folder);
	free(f);
	return rc;
}
