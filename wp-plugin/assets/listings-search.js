/**
 * [senw_listing_search]: leave empty fields out of the GET URL (a search is a
 * short, shareable address), open "More filters" on wide screens, and give the
 * listing's photo gallery its arrows and count. Without JavaScript the form
 * works the same and the gallery scrolls.
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
		var more = form.querySelector( '.senw-listings-more' );
		if ( more && window.matchMedia && window.matchMedia( '(min-width: 782px)' ).matches ) {
			more.open = true;
		}
	} );

	document.querySelectorAll( '.senw-gallery' ).forEach( function ( gallery ) {
		var track = gallery.querySelector( '.senw-gallery-track' );
		var slides = gallery.querySelectorAll( '.senw-gallery-slide' );
		var count = gallery.querySelector( '.senw-gallery-count' );
		var current = 0;
		function show( i ) {
			current = ( i + slides.length ) % slides.length;
			track.scrollTo( { left: slides[ current ].offsetLeft - track.offsetLeft, behavior: 'smooth' } );
			count.textContent = ( current + 1 ) + ' / ' + slides.length;
		}
		var prev = gallery.querySelector( '.senw-gallery-prev' );
		var next = gallery.querySelector( '.senw-gallery-next' );
		if ( prev ) {
			prev.addEventListener( 'click', function () { show( current - 1 ); } );
			next.addEventListener( 'click', function () { show( current + 1 ); } );
		}
		track.addEventListener( 'keydown', function ( e ) {
			if ( e.key === 'ArrowLeft' ) { show( current - 1 ); e.preventDefault(); }
			if ( e.key === 'ArrowRight' ) { show( current + 1 ); e.preventDefault(); }
		} );
		// Swipes and scrolls move the count too.
		track.addEventListener( 'scroll', function () {
			var i = Math.round( track.scrollLeft / Math.max( 1, track.clientWidth ) );
			if ( i !== current && slides[ i ] ) {
				current = i;
				count.textContent = ( current + 1 ) + ' / ' + slides.length;
			}
		}, { passive: true } );
	} );
}() );
