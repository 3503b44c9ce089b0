/**
 * MLS Sync screen: while a run is queued or running, poll
 * GET /senw-crm/v1/mls/runs and redraw the runs table, and (for users who see
 * it) GET /senw-crm/v1/mls/quarantine for the quarantine table (text only, no
 * HTML from the server). The "Sync requested" notice follows its run: it says
 * the run is running once it runs and goes when the run ends.
 */
( function () {
	'use strict';
	var cfg = window.senwCrmSync;
	var table = document.getElementById( 'senw-crm-runs' );
	if ( ! cfg || ! table ) {
		return;
	}
	var fields = Array.prototype.map.call( table.querySelectorAll( 'tbody tr:first-child td[data-field]' ), function ( td ) {
		return td.getAttribute( 'data-field' );
	} );
	if ( ! fields.length ) {
		fields = [ 'id', 'feed_id', 'kind', 'status', 'started_at', 'finished_at', 'added', 'updated', 'removed', 'quarantined', 'errors', 'progress', 'error_message' ];
	}

	function active( runs ) {
		return runs.some( function ( r ) {
			return r.status === 'queued' || r.status === 'running';
		} );
	}

	function progressCell( td, run ) {
		if ( run.progress !== null && run.progress !== undefined ) {
			var bar = document.createElement( 'progress' );
			bar.max = 100;
			bar.value = run.progress;
			td.appendChild( bar );
			var text = document.createElement( 'span' );
			text.className = 'senw-crm-progress-text';
			text.textContent = ' ' + run.progress + '%' + ( run.progress_total ? ' (' + run.progress_done + ' / ' + run.progress_total + ')' : '' );
			td.appendChild( text );
		} else if ( run.status === 'running' ) {
			td.textContent = run.progress_done + ( run.phase ? ' (' + run.phase + ')' : '' );
		}
	}

	function draw( runs ) {
		var body = table.tBodies[ 0 ];
		while ( body.firstChild ) {
			body.removeChild( body.firstChild );
		}
		runs.forEach( function ( run ) {
			var tr = document.createElement( 'tr' );
			tr.setAttribute( 'data-run-id', run.id );
			tr.setAttribute( 'data-status', run.status );
			fields.forEach( function ( f ) {
				var td = document.createElement( 'td' );
				td.setAttribute( 'data-field', f );
				if ( f === 'progress' ) {
					progressCell( td, run );
				} else {
					var v = run[ f + '_local' ] !== undefined ? run[ f + '_local' ] : run[ f ];
					td.textContent = v === null || v === undefined ? '' : String( v );
				}
				tr.appendChild( td );
			} );
			body.appendChild( tr );
		} );
		table.setAttribute( 'data-refreshed', String( Date.now() ) );
	}

	function get( url ) {
		return window.fetch( url, { credentials: 'same-origin', headers: { 'X-WP-Nonce': cfg.nonce, Accept: 'application/json' } } )
			.then( function ( r ) {
				return r.ok ? r.json().then( function ( body ) {
					return { body: body, total: parseInt( r.headers.get( 'X-WP-Total' ) || '0', 10 ) };
				} ) : Promise.reject( r.status );
			} );
	}

	function follow( runs ) {
		var notice = document.querySelector( '.senw-crm-sync-message[data-run-id]' );
		var id = notice ? parseInt( notice.getAttribute( 'data-run-id' ), 10 ) : 0;
		if ( ! id ) {
			return;
		}
		var run = runs.filter( function ( r ) {
			return r.id === id;
		} )[ 0 ];
		if ( ! run || ( run.status !== 'queued' && run.status !== 'running' ) ) {
			notice.parentNode.removeChild( notice );
			if ( window.history && window.history.replaceState ) {
				window.history.replaceState( null, '', window.location.href.replace( /[&?]senw_(sync|run)=[^&#]*/g, '' ) );
			}
		} else if ( run.status === 'running' && ! notice.classList.contains( 'senw-crm-running' ) ) {
			notice.classList.add( 'senw-crm-running' );
			if ( ! /running/.test( notice.textContent ) ) {
				notice.querySelector( 'p' ).textContent = cfg.running;
			}
		}
	}

	function cell( tr, text ) {
		var td = document.createElement( 'td' );
		td.textContent = text;
		tr.appendChild( td );
		return td;
	}

	function drawQuarantine( rows, total ) {
		var qt = document.getElementById( 'senw-crm-quarantine' );
		if ( ! qt ) {
			return;
		}
		var body = qt.tBodies[ 0 ];
		while ( body.firstChild ) {
			body.removeChild( body.firstChild );
		}
		if ( ! rows.length ) {
			var empty = document.createElement( 'tr' );
			empty.className = 'no-items';
			cell( empty, cfg.nothing ).colSpan = 7;
			body.appendChild( empty );
		}
		rows.forEach( function ( q ) {
			var tr = document.createElement( 'tr' );
			tr.setAttribute( 'data-quarantine-id', q.id );
			[ q.created_at_local, q.feed_id, q.resource, q.record_key === null ? '—' : q.record_key, q.reason,
				q.run_id === null ? '—' : '#' + q.run_id ].forEach( function ( v ) {
				cell( tr, String( v ) );
			} );
			var link = document.createElement( 'a' );
			link.href = cfg.screenUrl + '&quarantine=' + encodeURIComponent( q.id );
			link.textContent = cfg.viewPayload.replace( '%s', q.payload_length.toLocaleString() );
			cell( tr, '' ).appendChild( link );
			body.appendChild( tr );
		} );
		var count = document.querySelector( '.senw-crm-quarantine-total' );
		if ( count ) {
			count.textContent = ( total === 1 ? cfg.quarantineOne : cfg.quarantineMany ).replace( '%s', total.toLocaleString() );
		}
	}

	function poll() {
		var qt = document.getElementById( 'senw-crm-quarantine' );
		if ( cfg.quarantineUrl && qt ) {
			get( cfg.quarantineUrl + ( cfg.quarantineUrl.indexOf( '?' ) < 0 ? '?' : '&' ) + 'page=' + ( qt.getAttribute( 'data-page' ) || '1' ) )
				.then( function ( res ) {
					drawQuarantine( res.body, res.total );
				} )
				.catch( function () {} );
		}
		get( cfg.runsUrl )
			.then( function ( res ) {
				var runs = res.body;
				draw( runs );
				follow( runs );
				if ( active( runs ) ) {
					window.setTimeout( poll, cfg.interval );
				}
			} )
			.catch( function () {
				window.setTimeout( poll, cfg.interval * 5 );
			} );
	}

	var initial = Array.prototype.some.call( table.querySelectorAll( 'tbody tr[data-status]' ), function ( tr ) {
		var s = tr.getAttribute( 'data-status' );
		return s === 'queued' || s === 'running';
	} );
	if ( initial ) {
		window.setTimeout( poll, cfg.interval );
	}
}() );
