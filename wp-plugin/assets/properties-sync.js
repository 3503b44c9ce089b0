/**
 * MLS Sync screen: while a run is queued or running, poll
 * GET /senw-crm/v1/mls/runs and redraw the runs table (text only, no HTML
 * from the server).
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

	function poll() {
		window.fetch( cfg.runsUrl, { credentials: 'same-origin', headers: { 'X-WP-Nonce': cfg.nonce, Accept: 'application/json' } } )
			.then( function ( r ) {
				return r.ok ? r.json() : Promise.reject( r.status );
			} )
			.then( function ( runs ) {
				draw( runs );
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
