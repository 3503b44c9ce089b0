/**
 * [senw_listing_search]: leave empty fields out of the GET URL, so a search
 * is a short, shareable address. Without JavaScript the form works the same.
 */
( function () {
	'use strict';
	document.querySelectorAll( 'form.senw-listings-form' ).forEach( function ( form ) {
		form.addEventListener( 'submit', function () {
			Array.prototype.forEach.call( form.elements, function ( el ) {
				if ( el.name && el.value === '' ) {
					el.disabled = true;
				}
			} );
		} );
	} );
}() );
