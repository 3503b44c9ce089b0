/* The shared-link page: one card at a time; like / dislike / considering /
 * details / book a showing, by buttons or touch swipe. Every reaction is an
 * engagement event with its own key (UUID), queued in localStorage until the
 * server accepted it, so a retry after a lost answer changes nothing. */
(function () {
	'use strict';
	var app = document.getElementById('senw-share-app');
	if (!app) { return; }
	var endpoint = app.getAttribute('data-endpoint');
	var cards = Array.prototype.slice.call(app.querySelectorAll('.senw-card'));
	var progress = document.querySelector('.senw-share-progress');
	var session = sessionStorage.getItem('senw_session') || uuid().replace(/-/g, '');
	sessionStorage.setItem('senw_session', session);
	var qkey = 'senw_q_' + endpoint.slice(-80);
	var queue = JSON.parse(localStorage.getItem(qkey) || '[]');
	var index = 0;
	var sending = false;
	var device = /Mobi|Android|iPhone/i.test(navigator.userAgent) ? 'Mobile' : (/iPad|Tablet/i.test(navigator.userAgent) ? 'Tablet' : 'Desktop');

	function uuid() {
		if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
		var b = crypto.getRandomValues(new Uint8Array(16));
		b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
		var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
		return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
	}

	function save() { localStorage.setItem(qkey, JSON.stringify(queue)); }

	function track(type, listing, details) {
		var ev = { event_key: uuid(), event_type: type, event_timestamp: new Date().toISOString(), session_id: session, device_type: device };
		if (listing) { ev.listing_key = listing; }
		if (details) { ev.details = details; }
		queue.push(ev);
		save();
		flush();
		return ev;
	}

	function flush() {
		if (sending || !queue.length) { return; }
		sending = true;
		var batch = queue.slice(0, 20);
		fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ events: batch }) })
			.then(function (res) { return res.json().then(function (b) { return { status: res.status, body: b }; }); })
			.then(function (r) {
				sending = false;
				if (r.status === 202 || r.status === 400) {
					var done = {};
					batch.forEach(function (e) { done[e.event_key] = true; });
					var rejected = (r.body && r.body.rejected) || [];
					rejected.forEach(function (x) { if (x.event_key) { showError(x); } });
					queue = queue.filter(function (e) { return !done[e.event_key]; });
					save();
					if (queue.length) { flush(); }
				} else if (r.status === 410) {
					queue = []; save();
					location.reload();
				} else {
					setTimeout(flush, 3000);
				}
			})
			.catch(function () { sending = false; setTimeout(flush, 3000); });
	}

	function showError(x) {
		var card = cards[index];
		var box = card && card.querySelector('.senw-book-error');
		if (box && x.errors) { box.textContent = Object.keys(x.errors).map(function (k) { return x.errors[k]; }).join(' '); }
	}

	function show(i) {
		index = Math.max(0, Math.min(cards.length - 1, i));
		cards.forEach(function (c, n) { c.hidden = n !== index; c.style.transform = ''; });
		progress.textContent = 'Listing ' + (index + 1) + ' of ' + cards.length;
		track('Impression', cards[index].getAttribute('data-listing'));
	}

	var words = { Favorited: 'You like this one.', Discard: 'Not for you: noted.', Maybe: 'Marked as considering.' };
	function react(card, type) {
		track(type, card.getAttribute('data-listing'));
		card.querySelector('.senw-chosen').textContent = words[type] || '';
		card.setAttribute('data-pref', type);
		if (type !== 'Maybe' && index < cards.length - 1) { setTimeout(function () { show(index + 1); }, 250); }
	}

	cards.forEach(function (card) {
		var key = card.getAttribute('data-listing');
		card.querySelectorAll('[data-event]').forEach(function (b) {
			b.addEventListener('click', function () { react(card, b.getAttribute('data-event')); });
		});
		card.querySelector('.senw-open-details').addEventListener('click', function () {
			var d = card.querySelector('.senw-details');
			d.hidden = !d.hidden;
			if (!d.hidden) { track('DetailedView', key); }
		});
		card.querySelector('.senw-book').addEventListener('click', function () {
			var f = card.querySelector('.senw-book-form');
			f.hidden = false;
			f.querySelector('input[name=when]').focus();
		});
		card.querySelector('.senw-book-form').addEventListener('submit', function (e) {
			e.preventDefault();
			var f = e.target;
			var when = f.querySelector('input[name=when]').value;
			var err = f.querySelector('.senw-book-error');
			var at = when ? new Date(when) : null;
			if (!at || isNaN(at.getTime()) || at.getTime() < Date.now()) {
				err.textContent = 'Pick a date and time in the future.';
				return;
			}
			err.textContent = '';
			track('ShowingRequested', key, { requested_for: at.toISOString(), note: f.querySelector('input[name=note]').value });
			f.hidden = true;
			card.querySelector('.senw-chosen').textContent = 'Showing requested for ' + at.toLocaleString() + '. Your agent will confirm.';
		});
		var imgs = card.querySelectorAll('.senw-photos img');
		var p = 0;
		function photo(d) {
			if (!imgs.length) { return; }
			imgs[p].hidden = true; p = (p + d + imgs.length) % imgs.length; imgs[p].hidden = false;
			track('PhotoGallery', key);
		}
		var prev = card.querySelector('.senw-photo-prev');
		var next = card.querySelector('.senw-photo-next');
		if (prev) { prev.addEventListener('click', function () { photo(-1); }); }
		if (next) { next.addEventListener('click', function () { photo(1); }); }
		// Touch swipe: right = like, left = not for me.
		var x0 = null, y0 = null;
		card.addEventListener('touchstart', function (e) { x0 = e.touches[0].clientX; y0 = e.touches[0].clientY; }, { passive: true });
		card.addEventListener('touchmove', function (e) {
			if (x0 === null) { return; }
			var dx = e.touches[0].clientX - x0;
			card.style.transform = 'translateX(' + dx + 'px) rotate(' + dx / 30 + 'deg)';
		}, { passive: true });
		card.addEventListener('touchend', function (e) {
			if (x0 === null) { return; }
			var dx = e.changedTouches[0].clientX - x0, dy = e.changedTouches[0].clientY - y0;
			x0 = null;
			card.style.transform = '';
			if (Math.abs(dx) > 80 && Math.abs(dx) > Math.abs(dy)) { react(card, dx > 0 ? 'Favorited' : 'Discard'); }
		});
	});
	var prevBtn = app.querySelector('.senw-prev'), nextBtn = app.querySelector('.senw-next');
	if (prevBtn) { prevBtn.addEventListener('click', function () { show(index - 1); }); }
	if (nextBtn) { nextBtn.addEventListener('click', function () { show(index + 1); }); }
	track('LinkOpened', null);
	if (cards.length) { show(0); }
	window.senwShare = { queue: function () { return queue.slice(); } };
})();
