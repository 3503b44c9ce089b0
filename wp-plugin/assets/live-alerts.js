/* Live alerts in any open wp-admin tab of a CRM user: rides WordPress
 * Heartbeat (sends the last alert id shown, gets newer ones back) and shows
 * each as a dismissible box. Heartbeat runs every 15 s by default; the tab
 * asks for 5 s while it is focused. */
(function ($) {
	'use strict';
	if (!window.wp || !wp.heartbeat || !window.senwLive) {
		return;
	}
	var since = parseInt(window.senwLive.since, 10) || 0;
	wp.heartbeat.interval(5);
	$(document).on('heartbeat-send', function (e, data) {
		data.senw_alerts_since = since;
	});
	$(document).on('heartbeat-tick', function (e, data) {
		(data.senw_alerts || []).forEach(function (a) {
			since = Math.max(since, a.id);
			var box = $('<div class="senw-live-alert" role="alert"></div>').attr('data-kind', a.kind);
			box.append($('<a></a>').attr('href', a.url).text(a.body));
			box.append($('<button type="button" class="button-link" aria-label="Dismiss">×</button>').on('click', function () { box.remove(); }));
			$('body').append(box);
		});
	});
	if (typeof wp.heartbeat.connectNow === 'function') {
		wp.heartbeat.connectNow();
	}
})(jQuery);
