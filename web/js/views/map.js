// #/map — all of the user's geotagged photos on a Leaflet map (GET /api/map);
// #/map/<id> — one photo. Tiles come from /api/config's tile_url; markers do
// not depend on tiles, so the map still works (blank) when tiles cannot load.
import { api } from '../api.js';
import { h } from '../dom.js';
import { attributionFragment } from '../attribution.js';
import { formatTaken, photoTitle, toLatLng } from '../format.js';
import { tagList, safeUrl, photoHash } from './common.js';
import { loadLeaflet } from '../leaflet.js';

const WORLD = { center: [20, 0], zoom: 2 };

// Features of a GeoJSON FeatureCollection as {lat, lng, props}; others skipped.
export function pointsOf(collection) {
  const features = collection && Array.isArray(collection.features) ? collection.features : [];
  const points = [];
  for (const f of features) {
    if (!f || !f.geometry || f.geometry.type !== 'Point' || !Array.isArray(f.geometry.coordinates)) continue;
    const ll = toLatLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
    if (!ll || !f.properties || f.properties.id === undefined || f.properties.id === null) continue;
    points.push({ lat: ll[0], lng: ll[1], props: f.properties });
  }
  return points;
}

// Points that would overlap on screen, grouped: [{x, y, points}], greedily around the
// first point of each group. project(point) gives its pixel position at the current zoom;
// radius is in pixels. Pure (tests give their own project).
export function clusterPoints(points, project, radius = 44) {
  const clusters = [];
  for (const p of points) {
    const xy = project(p);
    const near = clusters.find((c) => (c.x - xy.x) ** 2 + (c.y - xy.y) ** 2 <= radius * radius);
    if (near) near.points.push(p);
    else clusters.push({ x: xy.x, y: xy.y, points: [p] });
  }
  return clusters;
}

function clusterPopup(points) {
  return h('div', { class: 'popup' },
    h('strong', null, `${points.length} photos here`),
    h('ul', { class: 'popup-list' }, points.map((p) => h('li', null,
      h('a', { href: photoHash(p.props.id) }, photoTitle(p.props))))));
}

function popupContent(props) {
  const thumb = safeUrl(props.thumb_url);
  const title = photoTitle(props);
  return h('div', { class: 'popup' },
    h('a', { href: photoHash(props.id), class: 'popup-link' },
      thumb ? h('img', { src: thumb, alt: title, width: 150, height: 100 }) : null,
      h('span', { class: 'popup-title' }, title)),
    tagList(props.tags),
    props.taken_date ? h('span', { class: 'popup-date' }, formatTaken(props.taken_date)) : null);
}

function makeAttributionControl(L, text) {
  const Attribution = L.Control.extend({
    options: { position: 'bottomright' },
    onAdd() {
      const div = L.DomUtil.create('div', 'leaflet-control-attribution leaflet-control');
      div.append(attributionFragment(text));
      return div;
    },
  });
  return new Attribution();
}

export async function render(main, ctx) {
  const single = ctx.params.id !== undefined;
  const loading = h('p', { class: 'status page-loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading the map…');
  main.append(loading);
  const [L, data] = await Promise.all([
    loadLeaflet(),
    single ? api.photo(ctx.params.id) : api.map(),
  ]);
  if (!ctx.isCurrent()) return undefined;
  loading.remove();

  let points;
  if (single) {
    const ll = toLatLng(data.geotag_lat, data.geotag_lng);
    points = ll ? [{ lat: ll[0], lng: ll[1], props: data }] : [];
  } else {
    points = pointsOf(data);
  }

  const mapEl = h('div', { class: 'map', id: 'map', role: 'region', 'aria-label': 'Map of photos' });
  const tileNote = h('p', { class: 'tile-note', role: 'status', hidden: true },
    h('strong', null, 'Map tiles could not be loaded.'),
    ' The markers still show where the photos were taken. An offline or LAN setup can name its own tile server in server.tile_url (see docs/LAB02.md).');
  const count = points.length;
  const summary = single
    ? (count ? null : h('p', { class: 'status' }, 'This photo has no location. ',
      h('a', { href: photoHash(ctx.params.id) }, 'Add one on the photo page'), '.'))
    : h('p', { class: 'status', role: 'status' }, count
      ? `${count} photo${count === 1 ? '' : 's'} with a location.`
      : 'None of your photos has a location yet.');
  const list = count && !single
    ? h('details', { class: 'map-list' },
      h('summary', null, 'List of the photos on this map'),
      h('ul', null, points.map((p) => h('li', null, h('a', { href: photoHash(p.props.id) }, photoTitle(p.props))))))
    : null;

  main.append(h('section', { class: 'map-page' },
    h('div', { class: 'page-head' },
      h('h1', null, single ? `Map: ${photoTitle(data)}` : 'Map'),
      single ? h('a', { class: 'button secondary', href: photoHash(ctx.params.id) }, 'Back to the photo') : null),
    summary, tileNote, mapEl, list));

  const map = L.map(mapEl, { attributionControl: false, worldCopyJump: true });
  makeAttributionControl(L, ctx.config.tile_attribution).addTo(map);
  const tiles = L.tileLayer(ctx.config.tile_url, { maxZoom: 19, crossOrigin: false });
  tiles.once('tileerror', () => { tileNote.hidden = false; });
  tiles.addTo(map);

  // Markers, with the ones that would overlap drawn as one numbered cluster; a click on
  // a cluster zooms in to its photos (or, where they cannot part, lists them).
  const layer = L.layerGroup().addTo(map);
  let singles = [];
  function draw() {
    layer.clearLayers();
    singles = [];
    const zoom = map.getZoom();
    for (const c of clusterPoints(points, (p) => map.project([p.lat, p.lng], zoom))) {
      if (c.points.length === 1) {
        const p = c.points[0];
        singles.push(L.marker([p.lat, p.lng], {
          title: photoTitle(p.props),
          alt: `Photo: ${photoTitle(p.props)}`,
          keyboard: true,
        }).bindPopup(() => popupContent(p.props), { minWidth: 160 }).addTo(layer));
        continue;
      }
      const n = c.points.length;
      const bounds = L.latLngBounds(c.points.map((p) => [p.lat, p.lng]));
      const icon = L.divIcon({ html: h('span', { class: 'cluster-count' }, String(n)), className: 'cluster-icon', iconSize: [40, 40] });
      const marker = L.marker(bounds.getCenter(), { icon, title: `${n} photos`, keyboard: true }).addTo(layer);
      marker.getElement().setAttribute('aria-label', `${n} photos close together; zoom in`);
      const same = bounds.getNorthEast().equals(bounds.getSouthWest());
      if (same || zoom >= map.getMaxZoom() - 1) {
        marker.bindPopup(() => clusterPopup(c.points), { minWidth: 160 });
      } else {
        const zoomIn = () => map.fitBounds(bounds, { padding: [60, 60], maxZoom: map.getMaxZoom() });
        marker.on('click', zoomIn);
        // Leaflet turns Enter into a click only for markers with a popup
        marker.on('keypress', (e) => { if (e.originalEvent.key === 'Enter') zoomIn(); });
      }
    }
  }

  if (points.length === 1) {
    map.setView([points[0].lat, points[0].lng], single ? 14 : 10);
  } else if (points.length > 1) {
    map.fitBounds(L.latLngBounds(points.map((p) => [p.lat, p.lng])), { padding: [40, 40], maxZoom: 14 });
  } else {
    map.setView(WORLD.center, WORLD.zoom);
  }
  draw();
  map.on('zoomend', draw);
  if (single && singles.length === 1) singles[0].openPopup();
  // The container's size is final only once it is in the page and styled.
  requestAnimationFrame(() => map.invalidateSize());
  return () => map.remove();
}

// A small map of one place (the viewer's info panel): Leaflet is loaded on first use.
// el: the empty container (sized by CSS); [lat, lng]; config: /api/config; title: the
// photo's. Resolves to a function that removes the map (call it when the panel goes).
export async function miniMap(el, lat, lng, config, title) {
  const L = await loadLeaflet();
  if (!el.isConnected) return () => {};
  const map = L.map(el, { attributionControl: false, scrollWheelZoom: false, worldCopyJump: true });
  makeAttributionControl(L, config.tile_attribution).addTo(map);
  const tiles = L.tileLayer(config.tile_url, { maxZoom: 19, crossOrigin: false });
  tiles.once('tileerror', () => {
    el.after(h('p', { class: 'tile-note mini-note' }, 'Map tiles could not be loaded; the marker shows the place.'));
  });
  tiles.addTo(map);
  L.marker([lat, lng], { title, alt: `Where “${title}” was taken`, keyboard: false }).addTo(map);
  map.setView([lat, lng], 12);
  requestAnimationFrame(() => map.invalidateSize());
  return () => map.remove();
}
