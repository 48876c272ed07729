// web_modules.test.mjs — the front end's pure modules (parsers and formatters)
// under Node, with malformed and hostile input. No browser or server needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';

// attribution.js resolves links against the page's address.
globalThis.location = { href: 'http://app.example/' };

const { splitTags, joinTags, parseDate, formatBytes, toLatLng, formatCoord, photoTitle } =
  await import('../../web/js/format.js');
const { parseHash, matchRoute } = await import('../../web/js/router.js');
const { attributionRuns, decodeEntities } = await import('../../web/js/attribution.js');
const { pointsOf, clusterPoints } = await import('../../web/js/views/map.js');

test('splitTags and joinTags', () => {
  assert.deepEqual(splitTags('beach, Sun ,, sea'), ['beach', 'Sun', 'sea']);
  assert.deepEqual(splitTags(''), []);
  assert.deepEqual(splitTags(' , ,'), []);
  assert.deepEqual(splitTags(null), []);
  assert.deepEqual(splitTags(42), []);
  assert.deepEqual(splitTags('<img src=x onerror=alert(1)>'), ['<img src=x onerror=alert(1)>']);
  assert.equal(joinTags(' a ,b,, c '), 'a,b,c');
  assert.equal(joinTags(''), '');
});

test('parseDate accepts the stored forms and refuses others', () => {
  assert.equal(parseDate('2021-06-15T10:30:00.123456+0000').toISOString(), '2021-06-15T10:30:00.123Z');
  assert.equal(parseDate('2021-06-15T10:30:00+0900').toISOString(), '2021-06-15T01:30:00.000Z');
  assert.equal(parseDate('2021-06-15T10:30:00Z').toISOString(), '2021-06-15T10:30:00.000Z');
  const local = parseDate('2021-06-15 10:30:00');
  assert.deepEqual([local.getFullYear(), local.getMonth(), local.getDate(), local.getHours(), local.getMinutes()],
    [2021, 5, 15, 10, 30]);
  for (const bad of ['', '   ', 'yesterday', '2021-13-45T10:00:00', '2021-06-15T10:30:00Z<script>', '2021:06:15 10:30:00',
    null, undefined, 1623753000, {}, '2021-06-15T25:00:00']) {
    assert.equal(parseDate(bad), null, `parseDate(${JSON.stringify(bad)})`);
  }
});

test('formatBytes', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.0 KB');
  assert.equal(formatBytes(1536 * 1024), '1.5 MB');
  assert.equal(formatBytes(200 * 1024 * 1024), '200 MB');
  assert.equal(formatBytes('2048'), '2.0 KB');
  assert.equal(formatBytes(-1), '');
  assert.equal(formatBytes('abc'), '');
  assert.equal(formatBytes(Infinity), '');
});

test('toLatLng takes numbers and numeric strings in range only', () => {
  assert.deepEqual(toLatLng(37.5, 127), [37.5, 127]);
  assert.deepEqual(toLatLng('37.5', '-127.25'), [37.5, -127.25]);
  assert.deepEqual(toLatLng(-90, 180), [-90, 180]);
  for (const [la, ln] of [[0, 0], ['0', '0.0'], [91, 0], [0, -181], ['', 1], [1, ''], [null, 1], [undefined, 1],
    ['abc', 1], [NaN, 1], [Infinity, 1], ['1e999', 1]]) {
    assert.equal(toLatLng(la, ln), null, `toLatLng(${la}, ${ln})`);
  }
  assert.equal(formatCoord('35.1796', 129.0756), '35.17960, 129.07560');
  assert.equal(formatCoord(0, 0), '');
});

test('photoTitle falls back from description to tags to file name', () => {
  assert.equal(photoTitle({ desc: ' Sunset ', tags: 'a,b', filename_orig: 'x.jpg' }), 'Sunset');
  assert.equal(photoTitle({ desc: '', tags: 'a, b', filename_orig: 'x.jpg' }), 'a, b');
  assert.equal(photoTitle({ desc: null, tags: '', filename_orig: 'x.jpg' }), 'x.jpg');
  assert.equal(photoTitle({}), 'Photo');
  assert.equal(photoTitle(null), 'Photo');
});

test('parseHash and matchRoute', () => {
  const routes = [{ pattern: '/album' }, { pattern: '/photos/:id' }, { pattern: '/map' }, { pattern: '/map/:id' }];
  const h = parseHash('#/album?q=beach%20day&x=1');
  assert.equal(h.path, '/album');
  assert.equal(h.query.get('q'), 'beach day');
  assert.equal(parseHash('').path, '/');
  assert.equal(parseHash('#').path, '/');
  assert.equal(parseHash(undefined).path, '/');
  assert.equal(matchRoute(routes, '/album').route.pattern, '/album');
  assert.deepEqual(matchRoute(routes, '/photos/17').params, { id: '17' });
  assert.deepEqual(matchRoute(routes, '/photos/a%2Fb').params, { id: 'a/b' });
  assert.deepEqual(matchRoute(routes, '/map/5').params, { id: '5' });
  assert.equal(matchRoute(routes, '/map').route.pattern, '/map');
  for (const bad of ['/photos', '/photos/', '/photos/1/2', '/photos/%E0%A4%A', '/nope', '/', '/ALBUM']) {
    assert.equal(matchRoute(routes, bad), null, `matchRoute(${bad})`);
  }
});

test('attribution keeps text and http(s) links only', () => {
  assert.deepEqual(attributionRuns('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'), [
    { text: '© ', href: null },
    { text: 'OpenStreetMap', href: 'https://www.openstreetmap.org/copyright' },
    { text: ' contributors', href: null },
  ]);
  // Script, handlers and other schemes never survive as anything but text.
  assert.deepEqual(attributionRuns('<img src=x onerror=alert(1)>Tiles'), [{ text: 'Tiles', href: null }]);
  assert.deepEqual(attributionRuns('<script>alert(1)</script>'), [{ text: 'alert(1)', href: null }]);
  assert.deepEqual(attributionRuns('<a href="javascript:alert(1)">x</a>'), [{ text: 'x', href: null }]);
  assert.deepEqual(attributionRuns("<a href='data:text/html,hi'>x</a>"), [{ text: 'x', href: null }]);
  assert.deepEqual(attributionRuns('<A HREF=http://t.example/a>T</A>'), [{ text: 'T', href: 'http://t.example/a' }]);
  assert.deepEqual(attributionRuns('<a href="https://a.example"><b>bold</b></a> after'), [
    { text: 'bold', href: 'https://a.example/' }, { text: ' after', href: null }]);
  // Escaped markup is shown as the characters it names (as text, never parsed).
  assert.deepEqual(attributionRuns('&lt;b&gt;hi&lt;/b&gt;'), [{ text: '<b>hi</b>', href: null }]);
  // An unterminated tag is text.
  assert.deepEqual(attributionRuns('a < b <a href="https://x.example"'), [{ text: 'a < b <a href="https://x.example"', href: null }]);
  assert.deepEqual(attributionRuns(''), []);
  assert.deepEqual(attributionRuns(null), []);
  assert.equal(decodeEntities('&#0;&#xD800;&#x110000;&bogus;&AMP;&#65;&#x42;'), '&bogus;&AB');
});

test('pointsOf reads GeoJSON points and skips the malformed', () => {
  const ok = { type: 'Feature', geometry: { type: 'Point', coordinates: [126.978, 37.5665] }, properties: { id: 7, tags: 'a' } };
  assert.deepEqual(pointsOf({ type: 'FeatureCollection', features: [ok] }),
    [{ lat: 37.5665, lng: 126.978, props: { id: 7, tags: 'a' } }]);
  const bad = [
    null, 'x', {},
    { geometry: null, properties: { id: 1 } },
    { geometry: { type: 'LineString', coordinates: [[0, 1], [1, 2]] }, properties: { id: 1 } },
    { geometry: { type: 'Point', coordinates: 'nope' }, properties: { id: 1 } },
    { geometry: { type: 'Point', coordinates: [200, 10] }, properties: { id: 1 } },
    { geometry: { type: 'Point', coordinates: [10, -95] }, properties: { id: 1 } },
    { geometry: { type: 'Point', coordinates: [10, 20] } },
    { geometry: { type: 'Point', coordinates: [10, 20] }, properties: {} },
    { geometry: { type: 'Point', coordinates: [10, 20] }, properties: { id: null } },
  ];
  assert.deepEqual(pointsOf({ features: bad }), []);
  assert.equal(pointsOf({ features: [ok, ...bad, ok] }).length, 2);
  assert.deepEqual(pointsOf(null), []);
  assert.deepEqual(pointsOf({ features: 'x' }), []);
  assert.deepEqual(pointsOf({ features: [{ geometry: { type: 'Point', coordinates: ['127.5', '37.25'] }, properties: { id: 'a' } }] }),
    [{ lat: 37.25, lng: 127.5, props: { id: 'a' } }]);
});

test('newPasswordProblem: the sign-in form\'s check of a chosen new password', async () => {
  const { newPasswordProblem } = await import('../../web/js/views/signin.js');
  assert.equal(newPasswordProblem('Fresh-Start-2024x', 'Fresh-Start-2024x'), '');
  assert.equal(newPasswordProblem('12345678', '12345678'), ''); // the pool judges the rest
  assert.match(newPasswordProblem('', ''), /Choose a new password/);
  assert.match(newPasswordProblem('Short1', 'Short1'), /at least 8/);
  assert.match(newPasswordProblem('Fresh-Start-2024x', 'Fresh-Start-2024y'), /not the same/);
  assert.match(newPasswordProblem('Fresh-Start-2024x', ''), /not the same/);
  assert.match(newPasswordProblem('Fresh-Start-2024x', 'fresh-start-2024x'), /not the same/);
  for (const bad of [null, undefined, 12345678, ['Fresh-Start-2024x'], {}]) {
    assert.match(newPasswordProblem(bad, bad), /Choose a new password/);
  }
});

test('clusterPoints groups what would overlap on screen', () => {
  const project = (p) => ({ x: p.x, y: p.y });
  const pts = [{ x: 0, y: 0 }, { x: 30, y: 0 }, { x: 200, y: 0 }, { x: 0, y: 44 }, { x: 210, y: 10 }, { x: 1000, y: 1000 }];
  const groups = clusterPoints(pts, project, 44).map((c) => c.points.length);
  assert.deepEqual(groups, [3, 2, 1]);
  assert.deepEqual(clusterPoints([], project), []);
  assert.equal(clusterPoints(pts, project, 0).length, 6, 'radius 0 parts all but identical points');
});

test('taken dates are wall clock: parseWallClock, formatTaken, photoDay, groupByDay', async () => {
  const { parseWallClock, formatTaken, photoDay, formatDay } = await import('../../web/js/format.js');
  const { groupByDay, aspectOf } = await import('../../web/js/views/album.js');
  // The digits count; the offset label does not move the time.
  for (const text of ['2023-07-10T00:04:17.000000+0000', '2023-07-10T00:04:17-0500', '2023-07-10 00:04:17', '2023-07-10T00:04:17Z']) {
    assert.equal(parseWallClock(text).toISOString(), '2023-07-10T00:04:17.000Z', text);
  }
  assert.equal(parseWallClock('2023-07-10').toISOString(), '2023-07-10T00:00:00.000Z');
  for (const bad of ['', '2023-02-30T00:00:00', '2023-07-10T24:00:00', '2023:07:10 00:04:17', '10/07/2023',
    '2023-07-10T00:04:17+0000<script>', null, undefined, 20230710, {}]) {
    assert.equal(parseWallClock(bad), null, `parseWallClock(${JSON.stringify(bad)})`);
  }
  assert.match(formatTaken('2023-07-10T00:04:17.000000+0000'), /Jul 10, 2023/);
  assert.match(formatTaken('2023-07-10T00:04:17.000000+0000'), /12:04/);
  assert.equal(formatTaken('not a date'), 'not a date');
  assert.equal(formatTaken(undefined), '');
  assert.equal(photoDay({ taken_date: '2023-07-10T23:59:00.000000+0000', upload_date: '2024-01-01T00:00:00.000000+0000' }), '2023-07-10');
  assert.equal(photoDay({ taken_date: 'garbage', upload_date: null }), '');
  assert.equal(formatDay(''), 'Date unknown');
  // Groups follow the API's order (it pages by the chosen date), one group per day;
  // sorted by taken date, photos without one are "Date unknown" whatever their upload date.
  const p = (id, taken, up) => ({ id, taken_date: taken, upload_date: up });
  const apiOrder = [
    p(4, '2022-05-05T20:00:00.000000+0000', '2024-01-02T00:00:00.000000+0000'),
    p(3, '2022-05-05T08:00:00.000000+0000', '2024-01-01T00:00:00.000000+0000'),
    p(1, '2021-01-01T10:00:00.000000+0000', '2024-01-03T00:00:00.000000+0000'),
    p(2, null, '2024-01-05T12:00:00.000000+0000'),
    p(5, 'garbage', null),
  ];
  assert.deepEqual(groupByDay(apiOrder).map((g) => [g.day, g.photos.map((x) => x.id)]),
    [['2022-05-05', [4, 3]], ['2021-01-01', [1]], ['', [2, 5]]]);
  // a day met again later (a photo uploaded between pages) joins its group
  assert.deepEqual(groupByDay([...apiOrder.slice(0, 3), p(6, '2022-05-05T09:00:00.000000+0000', null)])
    .map((g) => [g.day, g.photos.map((x) => x.id)]), [['2022-05-05', [4, 3, 6]], ['2021-01-01', [1]]]);
  // sorted by upload: the upload day, in the API's order (not re-sorted here)
  const byUpload = groupByDay([p(7, null, '2024-01-05T12:00:00.500000+0000'), p(8, '2030-01-01T00:00:00', '2024-01-05T12:00:00.000000+0000')], 'uploaded');
  assert.deepEqual(byUpload.map((g) => g.photos.map((x) => x.id)), [[7, 8]]);
  assert.notEqual(byUpload[0].day, '');
  assert.equal(aspectOf({ width: '640', height: '480' }), 640 / 480);
  for (const bad of [{}, { width: '0', height: '10' }, { width: 'x', height: '1' }, null]) assert.equal(aspectOf(bad), 1.5);
  assert.equal(aspectOf({ width: '100000', height: '1' }), 4, 'extreme panoramas are capped');
});
