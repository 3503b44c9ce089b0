/**
 * The listing search's map view over the site's tile server: the markers the
 * page placed on its plain canvas (links to the listings) become Leaflet
 * markers over the configured tiles, fitted to their bounds. Links stay
 * links: Tab reaches each, Enter or a tap opens the listing. Without a tile
 * server (no data-tiles) this does nothing and the canvas stays.
 */
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

function enhance( section ) {
	const canvas = section.querySelector( '.senw-map-canvas' );
	const pins = canvas ? Array.from( canvas.querySelectorAll( '.senw-map-pin' ) ) : [];
	if ( ! pins.length ) {
		return;
	}
	const holder = document.createElement( 'div' );
	holder.className = 'senw-map-leaflet';
	section.insertBefore( holder, canvas );
	const map = L.map( holder, { scrollWheelZoom: false, zoomControl: true } );
	// Leaflet makes the map itself focusable (arrow keys pan, +/- zoom); say what it is.
	holder.setAttribute( 'aria-label', section.querySelector( 'h2' ).textContent );
	holder.setAttribute( 'role', 'region' );
	L.tileLayer( section.dataset.tiles, {
		attribution: section.dataset.attribution || '',
		maxZoom: 19,
	} ).addTo( map );
	const points = pins.map( ( pin ) => {
		const at = [ parseFloat( pin.dataset.lat ), parseFloat( pin.dataset.lng ) ];
		L.marker( at, {
			icon: L.divIcon( { className: 'senw-map-icon', html: pin.innerHTML, iconSize: null } ),
			keyboard: false, // the link inside is the one tab stop
			riseOnHover: true,
		} ).addTo( map );
		return at;
	} );
	if ( points.length === 1 ) {
		map.setView( points[ 0 ], 15 );
	} else {
		map.fitBounds( points, { padding: [ 48, 48 ], maxZoom: 16 } );
	}
	canvas.remove();
}

document.querySelectorAll( '.senw-map[data-tiles]' ).forEach( enhance );
