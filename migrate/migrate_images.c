/* migrate_images.c — a photo's two images as they go to S3: read from the upload folder,
 * the thumbnail made from the original when the folder has none. */
#include "migrate_internal.h"

#include "image/thumb.h"

#include "util/banned.h"

int mig_photo_images(struct mig_ctx *c, const struct mig_photo *p, struct ca_buf *orig,
		     struct ca_buf *thumb, bool make_thumb, bool *regenerated, struct ca_err *err)
{
	const char *email = c->legacy.users[p->user].email;
	struct ca_thumb t = { 0 };
	struct ca_thumb_opts opts;
	int rc = CA_OK;

	*regenerated = false;
	if (p->original_bytes > (int64_t)MIG_MAX_IMAGE(c) || p->thumb_bytes > (int64_t)MIG_MAX_IMAGE(c))
		return ca_err_set(err, CA_EINVAL,
				  "its %s is %.1f MiB, over the limit of %ld MiB: not migrated; run again with --max-image-mb %lld to take it",
				  p->original_bytes > (int64_t)MIG_MAX_IMAGE(c) ? "original" : "thumbnail",
				  (double)(p->original_bytes > p->thumb_bytes ? p->original_bytes : p->thumb_bytes) / 1048576.0,
				  c->opts->max_image_mb,
				  (long long)(((p->original_bytes > p->thumb_bytes ? p->original_bytes : p->thumb_bytes) >> 20) + 1));
	if (p->has_original) {
		rc = ca_storage_get(c->disk, email, p->row.filename, CA_IMAGE_ORIGINAL, MIG_MAX_IMAGE(c),
				    orig, err);
		if (rc != CA_OK)
			return rc;
	}
	if (p->thumb_src != MIG_THUMB_NONE)
		return ca_storage_get(c->disk, email, p->row.filename, CA_IMAGE_THUMB, MIG_MAX_IMAGE(c),
				      thumb, err);
	if (!p->has_original || !make_thumb)
		return CA_OK;
	/* an original that is not a readable JPEG gets no thumbnail; verify expects none either */
	ca_thumb_opts_init(&opts);
	if (c->cfg.server.thumb_width > 0 && c->cfg.server.thumb_height > 0) {
		opts.max_width = (unsigned)c->cfg.server.thumb_width;
		opts.max_height = (unsigned)c->cfg.server.thumb_height;
	}
	if (ca_thumb_make((const unsigned char *)orig->data, orig->len, &opts, &t, NULL) == CA_OK) {
		if (ca_buf_add(thumb, t.jpeg, t.len) != CA_OK)
			rc = ca_err_set(err, CA_ENOMEM, "Out of memory making a thumbnail.");
		else
			*regenerated = true;
	}
	ca_thumb_release(&t);
	return rc;
}
