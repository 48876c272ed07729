/*
 * verify_journey.c — the black-box visit of the running app, step by step, through
 * its JSON API as web/js/api.js uses it (lib/app/app.c has the routes).
 *
 * A step that needs an earlier one that failed is skipped with that reason, so one
 * broken thing is reported once, where it broke.
 */
#include "verify/verify_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "aws/cognito_idp.h"
#include "image/synth_jpeg.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "util/banned.h"

/* The steps, in order; their names are what TAP and JUnit show. */
#define S_HEALTH   "the app answers (GET /healthz)"
#define S_SIGNUP   "sign up a test user"
#define S_SIGNUP_C "make a test user in the user pool (AdminCreateUser)"
#define S_SIGNIN   "sign in through the app"
#define S_UPLOAD   "upload a JPEG with GPS EXIF"
#define S_ALBUM    "find it in the album"
#define S_THUMB    "fetch its thumbnail"
#define S_ORIGINAL "fetch its original"
#define S_MAP      "see it on the map at " VERIFY_PHOTO_CITY ", " VERIFY_PHOTO_NATION
#define S_SEARCH   "find it by searching its tag"
#define S_EDIT     "edit its description and tags"
#define S_DELETE   "delete it"
#define S_SIGNOUT  "sign out"
#define S_TRACE    "find the journey's trace in X-Ray"

#define BODY_SHOWN 200

static int skip_after(struct verify_run *run, const char *name, const char *failed)
{
	return verify_step_add(run, name, VERIFY_SKIP, "needs \"%s\", which failed", failed);
}

/* The server's sentence from a JSON error answer, else the start of the body. */
static void what_server_said(const struct vweb_resp *r, struct ca_buf *out)
{
	json_t *j = r->body.len ? json_loadb(r->body.data, r->body.len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(j, "message"));

	if (msg) {
		ca_buf_addf(out, "the server says: %s", msg);
	} else if (r->body.len) {
		size_t n = r->body.len < BODY_SHOWN ? r->body.len : BODY_SHOWN, i;

		ca_buf_adds(out, "the answer begins: ");
		for (i = 0; i < n; i++)
			ca_buf_addch(out, (unsigned char)r->body.data[i] < 0x20 ? ' '
										 : r->body.data[i]);
	} else {
		ca_buf_adds(out, "the answer is empty");
	}
	json_decref(j);
}

/*
 * One request whose answer must have status `want`. Returns true when it does; else
 * adds the step's failure (with hint appended when not NULL) and returns false. *rc
 * becomes CA_ENOMEM when a step could not be added.
 */
static bool expect(struct verify_run *run, struct vweb *web, const char *step, const char *method,
		   const char *target, const char *json, long want, const char *hint,
		   struct vweb_resp *resp, int *rc)
{
	struct ca_buf said = CA_BUF_INIT;
	struct ca_err err;
	int sent;

	ca_err_clear(&err);
	sent = vweb_request(web, method, target, json, false, resp, &err);
	if (sent == CA_ENOMEM) {
		*rc = CA_ENOMEM;
		return false;
	}
	if (sent != CA_OK) {
		*rc = verify_step_add(run, step, VERIFY_FAIL, "%s %s: %s; check that the app runs "
				      "and --url is its address.", method, target, ca_err_msg(&err));
		return false;
	}
	if (resp->status == want)
		return true;
	what_server_said(resp, &said);
	*rc = verify_step_add(run, step, VERIFY_FAIL, "%s %s answered HTTP %ld, not %ld; %s.%s%s",
			      method, target, resp->status, want, ca_buf_ok(&said) ? said.data : "",
			      hint ? " " : "", hint ? hint : "");
	ca_buf_release(&said);
	vweb_resp_release(resp);
	return false;
}

/* The JSON body of resp, or NULL after adding the step's failure. */
static json_t *json_of(struct verify_run *run, const char *step, const char *what,
		       const struct vweb_resp *resp, int *rc)
{
	json_t *j = json_loadb(resp->body.data, resp->body.len, 0, NULL);

	if (!json_is_object(j)) {
		json_decref(j);
		*rc = verify_step_add(run, step, VERIFY_FAIL, "The answer to %s is not a JSON object; "
				      "is --url the CloudAlbum app?", what);
		return NULL;
	}
	return j;
}

/* An id of the API (number or text) as text, malloc'd; NULL when absent. */
static char *id_text(const json_t *v)
{
	char num[32];

	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return ca_strdup(num);
	}
	if (json_is_string(v) && json_string_length(v) > 0)
		return ca_strdup(json_string_value(v));
	return NULL;
}

/* Whether a photo object is the journey's photo. */
static bool is_our_photo(const struct verify_run *run, const json_t *photo)
{
	char *id = id_text(json_object_get(photo, "id"));
	bool same = id && run->photo_id && strcmp(id, run->photo_id) == 0;

	free(id);
	return same;
}

/* The photo list of GET target holds the journey's photo. */
static bool list_has_photo(struct verify_run *run, const json_t *list)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (is_our_photo(run, json_array_get(list, i)))
			return true;
	return false;
}

static int make_identity(struct verify_run *run)
{
	unsigned char r[8];
	char hex[17];
	struct ca_err err;
	time_t now = time(NULL);

	ca_err_clear(&err);
	if (ca_random_bytes(r, sizeof(r)) != CA_OK)
		return CA_EIO;
	ca_hex_encode(r, sizeof(r), hex);
	snprintf(run->email, sizeof(run->email), "cloudalbum-verify-%s@example.com", hex);
	/* upper, lower, digit and symbol: any pool policy of the lab accepts it */
	snprintf(run->password, sizeof(run->password), "Va1!%s%s", hex, hex + 8);
	snprintf(run->username, sizeof(run->username), "CloudAlbum verify %.6s", hex);
	snprintf(run->tag, sizeof(run->tag), "cavf%s", hex);
	return xray_new_trace_id(now, run->trace_id, &err);
}

static int step_health(struct verify_run *run, struct vweb *web, bool *ok)
{
	struct vweb_resp resp;
	int rc = CA_OK;

	*ok = expect(run, web, S_HEALTH, "GET", "/healthz", NULL, 200, "The app is up but unwell: "
		     "read its log.", &resp, &rc);
	if (*ok)
		rc = verify_step_add(run, S_HEALTH, VERIFY_PASS, "%s", vweb_base(web));
	vweb_resp_release(&resp);
	return rc;
}

static int step_signup_local(struct verify_run *run, struct vweb *web, bool *ok)
{
	struct vweb_resp resp;
	json_t *body = json_pack("{s:s, s:s, s:s}", "email", run->email, "username", run->username,
				 "password", run->password);
	json_t *answer = NULL;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc = CA_OK;

	*ok = false;
	if (!text) {
		rc = CA_ENOMEM;
		goto out;
	}
	run->user_made = true; /* from here on, the clean-up looks for it */
	if (!expect(run, web, S_SIGNUP, "POST", "/api/users", text, 201, NULL, &resp, &rc))
		goto out;
	answer = json_of(run, S_SIGNUP, "POST /api/users", &resp, &rc);
	if (answer) {
		run->user_id = id_text(json_object_get(answer, "id"));
		if (!run->user_id)
			rc = verify_step_add(run, S_SIGNUP, VERIFY_FAIL, "The sign-up answer has no "
					     "user id.");
		else if ((rc = verify_step_add(run, S_SIGNUP, VERIFY_PASS, "%s", run->email)) == CA_OK)
			*ok = true;
	}
	vweb_resp_release(&resp);
out:
	json_decref(answer);
	json_decref(body);
	ca_free_secret(text);
	return rc;
}

static int step_signup_cognito(struct verify_run *run, bool *ok)
{
	const char *pool = run->cfg->auth.user_pool_id;
	struct cognito_attr attrs[] = {
		{ "email", run->email }, { "name", run->username }, { "email_verified", "true" },
	};
	struct ca_err err;
	int rc;

	*ok = false;
	ca_err_clear(&err);
	if (!run->aws)
		return verify_step_add(run, S_SIGNUP_C, VERIFY_FAIL, "No AWS client: %s",
				       run->aws_note ? run->aws_note : "unknown");
	run->user_made = true;
	rc = cognito_idp_admin_create_user(run->aws, pool, run->email, attrs, 3, &run->user_id,
					   &err);
	if (rc == CA_OK)
		rc = cognito_idp_admin_set_user_password(run->aws, pool, run->email, run->password,
							 true, &err);
	if (rc == CA_ENOMEM)
		return rc;
	if (rc != CA_OK)
		return verify_step_add(run, S_SIGNUP_C, VERIFY_FAIL, "A test user could not be made "
				       "in user pool %s: %s (these credentials need "
				       "cognito-idp:AdminCreateUser, AdminSetUserPassword and "
				       "AdminDeleteUser on the pool).", pool, ca_err_msg(&err));
	*ok = true;
	return verify_step_add(run, S_SIGNUP_C, VERIFY_PASS, "%s", run->email);
}

static int step_signin(struct verify_run *run, struct vweb *web, bool *ok)
{
	struct vweb_resp resp;
	json_t *body = json_pack("{s:s, s:s}", "email", run->email, "password", run->password);
	json_t *answer = NULL;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL, *id = NULL;
	const char *email;
	int rc = CA_OK;

	*ok = false;
	if (!text) {
		rc = CA_ENOMEM;
		goto out;
	}
	if (!expect(run, web, S_SIGNIN, "POST", "/api/session", text, 200, NULL, &resp, &rc))
		goto out;
	vweb_resp_release(&resp);
	if (!expect(run, web, S_SIGNIN, "GET", "/api/me", NULL, 200, "The sign-in answer set no "
		    "working session cookie (with an https server.base_url the cookie is "
		    "Secure: give that https address as --url).", &resp, &rc))
		goto out;
	answer = json_of(run, S_SIGNIN, "GET /api/me", &resp, &rc);
	vweb_resp_release(&resp);
	if (!answer)
		goto out;
	email = json_string_value(json_object_get(answer, "email"));
	id = id_text(json_object_get(answer, "id"));
	if (!email || strcmp(email, run->email) != 0) {
		rc = verify_step_add(run, S_SIGNIN, VERIFY_FAIL, "GET /api/me names %s, not the test "
				     "user %s.", email ? email : "no email", run->email);
		goto out;
	}
	if (!run->user_id && id) {
		run->user_id = id;
		id = NULL;
	}
	*ok = true;
	rc = verify_step_add(run, S_SIGNIN, VERIFY_PASS, NULL);
out:
	free(id);
	json_decref(answer);
	json_decref(body);
	ca_free_secret(text);
	return rc;
}

static int step_upload(struct verify_run *run, struct vweb *web, bool *ok)
{
	struct synth_exif exif = { "CloudAlbum", "cloudalbum-verify", "2024:05:01 12:00:00", 1,
				   true, VERIFY_PHOTO_LAT, VERIFY_PHOTO_LNG };
	struct vweb_resp resp;
	struct ca_buf said = CA_BUF_INIT;
	json_t *answer = NULL, *photo;
	struct ca_err err;
	int rc;

	*ok = false;
	ca_err_clear(&err);
	memset(&resp, 0, sizeof(resp));
	rc = synth_jpeg((uint64_t)time(NULL), 640, 480, 85, &exif, &run->jpeg, &run->jpeg_len,
			&err);
	if (rc != CA_OK)
		return rc == CA_ENOMEM ? rc : verify_step_add(run, S_UPLOAD, VERIFY_FAIL,
							       "The test JPEG could not be made: %s",
							       ca_err_msg(&err));
	rc = vweb_upload(web, "/api/photos", "cloudalbum-verify.jpg", run->jpeg, run->jpeg_len,
			 run->tag, "uploaded by cloudalbum-verify", &resp, &err);
	if (rc == CA_ENOMEM)
		return rc;
	if (rc != CA_OK)
		return verify_step_add(run, S_UPLOAD, VERIFY_FAIL, "POST /api/photos: %s",
				       ca_err_msg(&err));
	if (resp.status != 201) {
		what_server_said(&resp, &said);
		rc = verify_step_add(run, S_UPLOAD, VERIFY_FAIL, "POST /api/photos answered HTTP %ld, "
				     "not 201; %s. Read the app's log: the storage (%s) or the "
				     "database may refuse its writes.", resp.status,
				     ca_buf_ok(&said) ? said.data : "",
				     run->cfg->storage.kind == SERVE_STORAGE_S3 ? "the S3 bucket"
										: "the upload folder");
		goto out;
	}
	answer = json_of(run, S_UPLOAD, "POST /api/photos", &resp, &rc);
	if (!answer)
		goto out;
	photo = json_array_get(json_object_get(answer, "photos"), 0);
	run->photo_id = id_text(json_object_get(photo, "id"));
	if (!run->photo_id) {
		rc = verify_step_add(run, S_UPLOAD, VERIFY_FAIL, "The upload answer has no photo id.");
		goto out;
	}
	if (!json_is_number(json_object_get(photo, "geotag_lat")))
		rc = verify_step_add(run, S_UPLOAD, VERIFY_FAIL, "The app stored the photo %s without "
				     "its GPS position (geotag_lat is not set); its EXIF reading is "
				     "broken.", run->photo_id);
	else if ((rc = verify_step_add(run, S_UPLOAD, VERIFY_PASS, "photo %s, %zu bytes",
				       run->photo_id, run->jpeg_len)) == CA_OK)
		*ok = true;
out:
	ca_buf_release(&said);
	json_decref(answer);
	vweb_resp_release(&resp);
	return rc;
}

/* GET target (a photo list) and whether it holds the photo. */
static int step_listed(struct verify_run *run, struct vweb *web, const char *step,
		       const char *target, const char *hint)
{
	struct vweb_resp resp;
	json_t *answer = NULL;
	int rc = CA_OK;

	if (!expect(run, web, step, "GET", target, NULL, 200, NULL, &resp, &rc))
		return rc;
	answer = json_of(run, step, target, &resp, &rc);
	if (answer && list_has_photo(run, json_object_get(answer, "photos")))
		rc = verify_step_add(run, step, VERIFY_PASS, NULL);
	else if (answer)
		rc = verify_step_add(run, step, VERIFY_FAIL, "GET %s does not list photo %s; %s",
				     target, run->photo_id, hint);
	json_decref(answer);
	vweb_resp_release(&resp);
	return rc;
}

/* The search by the photo's tag (letters and digits: no encoding needed). */
static int step_search(struct verify_run *run, struct vweb *web)
{
	struct ca_buf q = CA_BUF_INIT;
	int rc;

	ca_buf_addf(&q, "/api/photos?q=%s", run->tag);
	rc = ca_buf_ok(&q) ? step_listed(run, web, S_SEARCH, q.data, "the keyword search does "
					 "not look at tags.") : CA_ENOMEM;
	ca_buf_release(&q);
	return rc;
}

static bool is_jpeg(const struct ca_buf *b)
{
	return b->len > 3 && (unsigned char)b->data[0] == 0xff &&
	       (unsigned char)b->data[1] == 0xd8 && (unsigned char)b->data[2] == 0xff;
}

/* GET the image of kind size; with S3 a 302 to a presigned URL, followed. */
static int step_image(struct verify_run *run, struct vweb *web, const char *step,
		      const char *size)
{
	bool s3 = run->cfg->storage.kind == SERVE_STORAGE_S3;
	struct ca_buf target = CA_BUF_INIT;
	struct vweb_resp resp, img;
	struct ca_err err;
	const struct vweb_resp *bytes = &resp;
	int rc = CA_OK;

	ca_err_clear(&err);
	memset(&img, 0, sizeof(img));
	ca_buf_addf(&target, "/api/photos/%s/image?size=%s", run->photo_id, size);
	if (!ca_buf_ok(&target))
		return CA_ENOMEM;
	if (!expect(run, web, step, "GET", target.data, NULL, s3 ? 302 : 200,
		    s3 ? "With storage kind s3 the app answers with a redirect to a presigned "
			 "URL." : NULL, &resp, &rc))
		goto out;
	if (s3) {
		if (!resp.location || (!ca_starts_with(resp.location, "http://") &&
				       !ca_starts_with(resp.location, "https://"))) {
			rc = verify_step_add(run, step, VERIFY_FAIL, "GET %s redirected to no URL.",
					     target.data);
			goto out;
		}
		rc = vweb_request(web, "GET", resp.location, NULL, true, &img, &err);
		if (rc == CA_ENOMEM)
			goto out;
		if (rc != CA_OK) {
			rc = verify_step_add(run, step, VERIFY_FAIL, "The presigned URL could not be "
					     "fetched: %s; the browser could not either (is the S3 "
					     "endpoint reachable from clients?).", ca_err_msg(&err));
			goto out;
		}
		if (img.status != 200) {
			rc = verify_step_add(run, step, VERIFY_FAIL, "The presigned URL of the %s "
					     "answered HTTP %ld: the object is missing from bucket %s, "
					     "or the app's credentials may not read it.", size,
					     img.status, run->cfg->storage.bucket);
			goto out;
		}
		bytes = &img;
	}
	if (!is_jpeg(&bytes->body))
		rc = verify_step_add(run, step, VERIFY_FAIL, "The %s of photo %s is not a JPEG "
				     "(%zu bytes).", size, run->photo_id, bytes->body.len);
	else if (strcmp(size, "original") == 0 && (bytes->body.len != run->jpeg_len ||
						   memcmp(bytes->body.data, run->jpeg,
							  run->jpeg_len) != 0))
		rc = verify_step_add(run, step, VERIFY_FAIL, "The original of photo %s differs from "
				     "the uploaded file (%zu bytes, not %zu).", run->photo_id,
				     bytes->body.len, run->jpeg_len);
	else
		rc = verify_step_add(run, step, VERIFY_PASS, "%zu bytes%s", bytes->body.len,
				     s3 ? ", through a presigned URL" : "");
out:
	vweb_resp_release(&img);
	vweb_resp_release(&resp);
	ca_buf_release(&target);
	return rc;
}

static int step_map(struct verify_run *run, struct vweb *web)
{
	struct vweb_resp resp;
	json_t *answer = NULL, *features, *found = NULL, *coords, *props;
	const char *city, *nation;
	double lng, lat;
	size_t i;
	int rc = CA_OK;

	if (!expect(run, web, S_MAP, "GET", "/api/map", NULL, 200, NULL, &resp, &rc))
		return rc;
	answer = json_of(run, S_MAP, "GET /api/map", &resp, &rc);
	if (!answer)
		goto out;
	features = json_object_get(answer, "features");
	for (i = 0; i < json_array_size(features) && !found; i++)
		if (is_our_photo(run, json_object_get(json_array_get(features, i), "properties")))
			found = json_array_get(features, i);
	if (!found) {
		rc = verify_step_add(run, S_MAP, VERIFY_FAIL, "GET /api/map has no point for photo %s, "
				     "whose EXIF holds a GPS position.", run->photo_id);
		goto out;
	}
	coords = json_object_get(json_object_get(found, "geometry"), "coordinates");
	props = json_object_get(found, "properties");
	lng = json_number_value(json_array_get(coords, 0));
	lat = json_number_value(json_array_get(coords, 1));
	city = json_string_value(json_object_get(props, "city"));
	nation = json_string_value(json_object_get(props, "nation"));
	if (fabs(lat - VERIFY_PHOTO_LAT) > 1e-3 || fabs(lng - VERIFY_PHOTO_LNG) > 1e-3)
		rc = verify_step_add(run, S_MAP, VERIFY_FAIL, "The map shows photo %s at %.5f, %.5f, "
				     "not at %.4f, %.4f where its EXIF places it.", run->photo_id,
				     lat, lng, VERIFY_PHOTO_LAT, VERIFY_PHOTO_LNG);
	else if (!city)
		rc = verify_step_add(run, S_MAP, VERIFY_FAIL, "Photo %s has no place name: the app's "
				     "offline geocoder is off (server.geodata, or "
				     "build/geo/cities.tsv beside the build; see the app's start-up "
				     "log).", run->photo_id);
	else if (strcmp(city, VERIFY_PHOTO_CITY) != 0 || !nation ||
		 strcmp(nation, VERIFY_PHOTO_NATION) != 0)
		rc = verify_step_add(run, S_MAP, VERIFY_FAIL, "The map names the place of photo %s "
				     "%s, %s, not " VERIFY_PHOTO_CITY ", " VERIFY_PHOTO_NATION
				     ": the app's geocoder data (server.geodata) is not the "
				     "project's.", run->photo_id, city, nation ? nation : "(none)");
	else
		rc = verify_step_add(run, S_MAP, VERIFY_PASS, NULL);
out:
	json_decref(answer);
	vweb_resp_release(&resp);
	return rc;
}

static int step_edit(struct verify_run *run, struct vweb *web)
{
	const char *desc = "edited by cloudalbum-verify";
	struct ca_buf target = CA_BUF_INIT, tags = CA_BUF_INIT;
	struct vweb_resp resp;
	json_t *body = NULL, *answer = NULL;
	char *text = NULL;
	const char *got;
	int rc = CA_OK;

	ca_buf_addf(&target, "/api/photos/%s", run->photo_id);
	ca_buf_addf(&tags, "%s edited", run->tag);
	body = json_pack("{s:s, s:s}", "desc", desc, "tags", tags.data);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (!text || !ca_buf_ok(&target) || !ca_buf_ok(&tags)) {
		rc = CA_ENOMEM;
		goto out;
	}
	if (!expect(run, web, S_EDIT, "PATCH", target.data, text, 200, NULL, &resp, &rc))
		goto out;
	vweb_resp_release(&resp);
	if (!expect(run, web, S_EDIT, "GET", target.data, NULL, 200, NULL, &resp, &rc))
		goto out;
	answer = json_of(run, S_EDIT, target.data, &resp, &rc);
	vweb_resp_release(&resp);
	if (!answer)
		goto out;
	got = json_string_value(json_object_get(answer, "desc"));
	if (!got || strcmp(got, desc) != 0)
		rc = verify_step_add(run, S_EDIT, VERIFY_FAIL, "After PATCH %s the photo's desc is "
				     "\"%s\", not \"%s\": the database did not keep the change.",
				     target.data, got ? got : "(none)", desc);
	else
		rc = verify_step_add(run, S_EDIT, VERIFY_PASS, NULL);
out:
	json_decref(answer);
	json_decref(body);
	free(text);
	ca_buf_release(&target);
	ca_buf_release(&tags);
	return rc;
}

static int step_delete(struct verify_run *run, struct vweb *web)
{
	struct ca_buf target = CA_BUF_INIT;
	struct vweb_resp resp;
	int rc = CA_OK;

	ca_buf_addf(&target, "/api/photos/%s", run->photo_id);
	if (!ca_buf_ok(&target))
		return CA_ENOMEM;
	if (!expect(run, web, S_DELETE, "DELETE", target.data, NULL, 204, NULL, &resp, &rc))
		goto out;
	vweb_resp_release(&resp);
	if (!expect(run, web, S_DELETE, "GET", target.data, NULL, 404, "The photo is still there "
		    "after DELETE answered 204.", &resp, &rc))
		goto out;
	run->photo_gone = true;
	rc = verify_step_add(run, S_DELETE, VERIFY_PASS, NULL);
out:
	vweb_resp_release(&resp);
	ca_buf_release(&target);
	return rc;
}

static int step_signout(struct verify_run *run, struct vweb *web)
{
	struct ca_buf said = CA_BUF_INIT;
	struct vweb_resp resp;
	struct ca_err err;
	int rc;

	ca_err_clear(&err);
	/* 204, or 200 {"logout_url"} where a hosted UI is configured */
	rc = vweb_request(web, "DELETE", "/api/session", NULL, false, &resp, &err);
	if (rc == CA_ENOMEM)
		return rc;
	if (rc != CA_OK)
		return verify_step_add(run, S_SIGNOUT, VERIFY_FAIL, "DELETE /api/session: %s",
				       ca_err_msg(&err));
	if (resp.status != 204 && resp.status != 200) {
		what_server_said(&resp, &said);
		rc = verify_step_add(run, S_SIGNOUT, VERIFY_FAIL, "DELETE /api/session answered HTTP "
				     "%ld; %s.", resp.status, ca_buf_ok(&said) ? said.data : "");
		goto out;
	}
	vweb_resp_release(&resp);
	if (!expect(run, web, S_SIGNOUT, "GET", "/api/me", NULL, 401, "The session still works "
		    "after signing out.", &resp, &rc))
		goto out;
	rc = verify_step_add(run, S_SIGNOUT, VERIFY_PASS, NULL);
out:
	ca_buf_release(&said);
	vweb_resp_release(&resp);
	return rc;
}

/* Whether traces hold a segment of service for POST .../api/photos. */
static bool trace_has_upload(const json_t *traces, const char *trace_id, const char *service,
			     size_t *segments)
{
	size_t i, j;
	bool found = false;

	*segments = 0;
	for (i = 0; i < json_array_size(traces); i++) {
		const json_t *t = json_array_get(traces, i);
		const json_t *segs = json_object_get(t, "Segments");
		const char *id = json_string_value(json_object_get(t, "Id"));

		if (!id || strcmp(id, trace_id) != 0)
			continue;
		for (j = 0; j < json_array_size(segs); j++) {
			const char *doc = json_string_value(json_object_get(json_array_get(segs, j),
									    "Document"));
			json_t *d = doc ? json_loads(doc, 0, NULL) : NULL;
			const json_t *req = json_object_get(json_object_get(d, "http"), "request");
			const char *name = json_string_value(json_object_get(d, "name"));
			const char *method = json_string_value(json_object_get(req, "method"));
			const char *url = json_string_value(json_object_get(req, "url"));

			if (name && strcmp(name, service) == 0) {
				(*segments)++;
				if (method && url && strcmp(method, "POST") == 0 &&
				    ca_ends_with(url, "/api/photos"))
					found = true;
			}
			json_decref(d);
		}
	}
	return found;
}

static int step_trace(struct verify_run *run)
{
	const char *service = run->cfg->tracing.service_name ? run->cfg->tracing.service_name
							      : "CloudAlbum";
	long wait = run->opt.trace_wait_s > 0 ? run->opt.trace_wait_s : 60, waited = 0;
	const char *ids[1] = { run->trace_id };
	json_t *traces = NULL;
	struct ca_err err;
	size_t segments = 0;
	int rc;

	if (!run->aws)
		return verify_step_add(run, S_TRACE, VERIFY_FAIL, "No AWS client: %s",
				       run->aws_note ? run->aws_note : "unknown");
	for (;;) {
		ca_err_clear(&err);
		json_decref(traces);
		traces = NULL;
		rc = xray_batch_get_traces(run->aws, ids, 1, &traces, &err);
		if (rc == CA_ENOMEM)
			return rc;
		if (rc != CA_OK) {
			rc = verify_step_add(run, S_TRACE, VERIFY_FAIL, "BatchGetTraces for %s failed: "
					     "%s", run->trace_id, ca_err_msg(&err));
			goto out;
		}
		if (trace_has_upload(traces, run->trace_id, service, &segments) || waited >= wait)
			break;
		sleep(1);
		waited++;
	}
	if (segments > 0 && trace_has_upload(traces, run->trace_id, service, &segments))
		rc = verify_step_add(run, S_TRACE, VERIFY_PASS, "trace %s, %zu segments of %s",
				     run->trace_id, segments, service);
	else
		rc = verify_step_add(run, S_TRACE, VERIFY_FAIL, "X-Ray %s shows no segment of the "
				     "upload in the journey's trace %s after %ld s (%zu segments of "
				     "%s): the app's segments do not reach X-Ray. Check that an X-Ray "
				     "daemon listens at tracing.daemon_address (%s; locally make "
				     "local-up starts a stand-in) and that its role may call "
				     "xray:PutTraceSegments.", run->where, run->trace_id, waited,
				     segments, service, run->cfg->tracing.daemon_address
								? run->cfg->tracing.daemon_address
								: "127.0.0.1:2000");
out:
	json_decref(traces);
	return rc;
}

int verify_journey(struct verify_run *run, struct vweb *web)
{
	bool cognito = run->cfg->auth.kind == SERVE_AUTH_COGNITO;
	const char *signup = cognito ? S_SIGNUP_C : S_SIGNUP;
	const char *blocker = NULL;   /* the failed step the rest needs */
	struct ca_buf header = CA_BUF_INIT;
	bool ok = false;
	int rc;

	rc = make_identity(run);
	if (rc != CA_OK)
		return verify_step_add(run, S_HEALTH, VERIFY_FAIL, "No random bytes for the test "
				       "user's name.");
	ca_buf_addf(&header, "X-Amzn-Trace-Id: Root=%s;Sampled=1", run->trace_id);
	if (!ca_buf_ok(&header) || vweb_add_header(web, header.data, NULL) != CA_OK) {
		ca_buf_release(&header);
		return CA_ENOMEM;
	}
	ca_buf_release(&header);

	rc = step_health(run, web, &ok);
	if (rc == CA_OK && !ok)
		blocker = S_HEALTH;
#define STEP(name, call) do {                                     \
		if (rc != CA_OK)                                  \
			break;                                    \
		if (blocker)                                      \
			rc = skip_after(run, name, blocker);      \
		else                                              \
			rc = (call);                              \
	} while (0)
	STEP(signup, cognito ? step_signup_cognito(run, &ok) : step_signup_local(run, web, &ok));
	if (rc == CA_OK && !blocker && !ok)
		blocker = signup;
	STEP(S_SIGNIN, step_signin(run, web, &ok));
	if (rc == CA_OK && !blocker && !ok)
		blocker = S_SIGNIN;
	if (cognito)
		STEP(VERIFY_STEP_HOSTED_UI, verify_hosted_ui(run, web));
	STEP(S_UPLOAD, step_upload(run, web, &ok));
	if (rc == CA_OK && !blocker && !ok)
		blocker = S_UPLOAD;
	STEP(S_ALBUM, step_listed(run, web, S_ALBUM, "/api/photos", "the database did not keep "
				  "the upload's row, or lists another owner's photos."));
	STEP(S_THUMB, step_image(run, web, S_THUMB, "thumb"));
	STEP(S_ORIGINAL, step_image(run, web, S_ORIGINAL, "original"));
	STEP(S_MAP, step_map(run, web));
	STEP(S_SEARCH, step_search(run, web));
	STEP(S_EDIT, step_edit(run, web));
	STEP(S_DELETE, step_delete(run, web));
	if (rc == CA_OK && blocker && strcmp(blocker, S_UPLOAD) != 0) /* signed in or not at all */
		rc = skip_after(run, S_SIGNOUT, blocker);
	else if (rc == CA_OK)
		rc = step_signout(run, web);
	if (rc == CA_OK && run->cfg->tracing.kind == SERVE_TRACING_XRAY) {
		if (blocker) /* the trace is looked for by its upload */
			rc = skip_after(run, S_TRACE, blocker);
		else
			rc = step_trace(run);
	}
#undef STEP
	return rc;
}
