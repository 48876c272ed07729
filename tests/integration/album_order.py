"""The album's two orders through GET /api/photos?sort=taken|uploaded, for any backend.

check_album_orders(client, set_taken) uploads seven photos, gives them taken dates
(through set_taken(photo_id, "YYYY-MM-DD HH:MM:SS" or None), which writes the backend's
store directly) whose order differs from the upload order, with a tie and two photos
without a taken date, and pages through both orders at several page sizes."""
from serve_helpers import jpeg

# upload order p0 … p6; the taken date each gets (None: none)
TAKEN = ["2023-07-10 12:00:00", "2021-01-01 08:30:00", None, "2024-03-03 09:00:00",
         "2023-07-10 12:00:00", None, "2020-05-05 17:45:00"]
# newest taken first; the 2023 tie newest upload (id) first; without a date last, newest first
TAKEN_ORDER = [3, 4, 0, 1, 6, 5, 2]


def pages(client, limit, **params):
    """Every photo id in the order the API pages them, and the cursors it gave."""
    ids, cursors, cursor = [], [], None
    while True:
        q = dict(params, limit=limit)
        if cursor:
            q["cursor"] = cursor
        r = client.get("/api/photos", params=q)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["photos"]) <= limit
        ids += [p["id"] for p in page["photos"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids, cursors
        cursors.append(cursor)
        assert len(cursors) < 50, "the pages do not end"


def check_album_orders(client, set_taken):
    ids = []
    for i, taken in enumerate(TAKEN):
        r = client.upload([(f"p{i}.jpg", jpeg(64, 48))], tags=f"order,o{i}", desc=f"photo {i}")
        assert r.status_code == 201, r.text
        ids.append(r.json()["photos"][0]["id"])
    for pid, taken in zip(ids, TAKEN):
        set_taken(pid, taken)
    by_taken = [ids[i] for i in TAKEN_ORDER]
    by_upload = list(reversed(ids))
    assert by_taken != by_upload
    for limit in (1, 2, 3, 7, 50):
        assert pages(client, limit, sort="taken")[0] == by_taken, f"limit {limit}"
        assert pages(client, limit, sort="uploaded")[0] == by_upload, f"limit {limit}"
    assert pages(client, 2)[0] == by_upload, "the default order is the upload order"
    # the photos without a taken date come last and say so
    first = client.get("/api/photos", params={"sort": "taken", "limit": 50}).json()
    assert [p["taken_date"] is None for p in first["photos"]] == [False] * 5 + [True] * 2
    assert first["total"] == 7
    # a search in the taken order pages in that order too
    assert pages(client, 2, sort="taken", q="ORDER")[0] == by_taken
    assert pages(client, 1, sort="taken", q="o4")[0] == [ids[4]]
    # a cursor is valid in its own order only
    _, taken_cursors = pages(client, 2, sort="taken")
    _, upload_cursors = pages(client, 2, sort="uploaded")
    for cursor in taken_cursors:
        r = client.get("/api/photos", params={"sort": "uploaded", "cursor": cursor})
        assert r.status_code == 400, r.text
    for cursor in upload_cursors:
        r = client.get("/api/photos", params={"sort": "taken", "cursor": cursor})
        assert r.status_code == 400, r.text
    r = client.get("/api/photos", params={"sort": "newest"})
    assert r.status_code == 400 and "sort" in r.json()["message"], r.text
    # a photo deleted between pages: the next page goes on after the cursor's place
    page = client.get("/api/photos", params={"sort": "taken", "limit": 3}).json()
    assert client.delete(f"/api/photos/{ids[1]}").status_code == 204
    rest, _ = pages(client, 50, sort="taken", cursor=page["next_cursor"])
    assert rest == [ids[i] for i in (6, 5, 2)]
