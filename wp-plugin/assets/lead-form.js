/**
 * SENW CRM public lead form: submits by fetch to the capture route, shows the
 * server's per-field messages inline and replaces the form with the
 * confirmation. Without this script the form posts normally and the page
 * comes back with the same messages.
 */
( function () {
	'use strict';

	function clearErrors( form ) {
		form.querySelectorAll( '[data-senw-error]' ).forEach( function ( el ) {
			el.textContent = '';
		} );
		form.querySelectorAll( '.senw-has-error' ).forEach( function ( el ) {
			el.classList.remove( 'senw-has-error' );
		} );
		form.querySelectorAll( '[aria-invalid]' ).forEach( function ( el ) {
			el.removeAttribute( 'aria-invalid' );
		} );
	}

	function showError( form, field, message ) {
		var slot = form.querySelector( '[data-senw-error="' + field + '"]' );
		if ( ! slot ) {
			slot = form.querySelector( '[data-senw-error="_form"]' );
		}
		slot.textContent = message;
		var input = form.querySelector( '[name="' + field + '"]' );
		if ( input ) {
			input.setAttribute( 'aria-invalid', 'true' );
			if ( input.parentNode.classList ) {
				input.parentNode.classList.add( 'senw-has-error' );
			}
		}
	}

	function confirm( form, message ) {
		var box = document.createElement( 'div' );
		box.className = 'senw-lead-confirmation';
		box.setAttribute( 'role', 'status' );
		var p = document.createElement( 'p' );
		p.textContent = message;
		box.appendChild( p );
		form.parentNode.replaceChild( box, form );
	}

	// A 503 means nothing was stored (the database was busy or restarting): the
	// same submission, with the same submission key, is sent again after the
	// server's Retry-After, a few times, before the visitor is asked to retry.
	var RETRIES = 3;

	function post( form, body, attempt ) {
		return fetch( form.action, {
			method: 'POST',
			body: body,
			credentials: 'same-origin',
			headers: { Accept: 'application/json' },
		} ).then( function ( response ) {
			if ( response.status === 503 && attempt < RETRIES ) {
				var wait = parseInt( response.headers.get( 'Retry-After' ) || '2', 10 );
				return new Promise( function ( resolve ) {
					setTimeout( resolve, Math.min( Math.max( wait, 1 ), 10 ) * 1000 );
				} ).then( function () {
					return post( form, body, attempt + 1 );
				} );
			}
			return response;
		} );
	}

	function submit( event ) {
		var form = event.target;
		event.preventDefault();
		clearErrors( form );
		var button = form.querySelector( 'button[type="submit"]' );
		button.disabled = true;
		var body = new FormData( form );
		body.delete( 'senw_return' ); // no redirect: we want JSON back
		post( form, body, 0 )
			.then( function ( response ) {
				return response.json().then(
					function ( json ) {
						return { status: response.status, json: json };
					},
					function () {
						return { status: response.status, json: {} };
					}
				);
			} )
			.then( function ( res ) {
				button.disabled = false;
				var json = res.json || {};
				if ( res.status >= 200 && res.status < 300 ) {
					confirm( form, json.message || 'Thank you!' );
					return;
				}
				var errors = json.data && json.data.errors;
				if ( errors && typeof errors === 'object' ) {
					Object.keys( errors ).forEach( function ( field ) {
						showError( form, field, errors[ field ] );
					} );
					var first = form.querySelector( '[aria-invalid="true"]' );
					if ( first ) {
						first.focus();
					}
					return;
				}
				showError( form, '_form', json.message || 'Sorry, something went wrong. Please try again.' );
			} )
			.catch( function () {
				button.disabled = false;
				showError( form, '_form', 'Sorry, we could not reach the server. Please try again.' );
			} );
	}

	document.querySelectorAll( 'form.senw-lead-form' ).forEach( function ( form ) {
		form.addEventListener( 'submit', submit );
	} );
} )();
