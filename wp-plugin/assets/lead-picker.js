/* Fills the "Client (lead)" pickers of the property pages from
 * GET /senw-crm/v1/leads (the leads the user may see), so the page itself
 * names no lead it is not linked to. */
(function () {
	'use strict';
	var cfg = window.senwLeadPicker;
	var selects = document.querySelectorAll('select[data-senw-leads]');
	if (!cfg || !selects.length) { return; }
	var loaded = null;
	function load() {
		if (!loaded) {
			loaded = fetch(cfg.root + 'leads?per_page=100', { credentials: 'same-origin', headers: { 'X-WP-Nonce': cfg.nonce } })
				.then(function (r) { return r.ok ? r.json() : []; });
		}
		return loaded;
	}
	selects.forEach(function (sel) {
		load().then(function (leads) {
			leads.forEach(function (l) {
				var o = document.createElement('option');
				o.value = String(l.id);
				o.textContent = l.display_name || ('#' + l.id);
				sel.appendChild(o);
			});
			sel.setAttribute('data-loaded', '1');
		});
	});
})();
