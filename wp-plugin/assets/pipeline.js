/* CRM > Pipeline: move a deal by dragging its card to a column, or with the
 * card's "Move to" menu (keyboard, touch). Each move is a PATCH to
 * /senw-crm/v1/deals/<id>; the card moves once the server accepted it. */
(function () {
	'use strict';
	var cfg = window.senwPipeline;
	var board = document.querySelector('.senw-board');
	if (!cfg || !board || board.getAttribute('data-can-edit') !== '1') {
		return;
	}
	var status = document.querySelector('.senw-board-status');

	function say(text) {
		status.textContent = text;
	}

	function recount() {
		board.querySelectorAll('.senw-column').forEach(function (col) {
			col.querySelector('.senw-count').textContent = String(col.querySelectorAll('.senw-card').length);
		});
	}

	function move(card, stage) {
		var from = card.closest('.senw-column');
		if (from && from.getAttribute('data-stage') === stage) {
			return;
		}
		card.classList.add('senw-saving');
		fetch(cfg.root + 'deals/' + card.getAttribute('data-deal-id'), {
			method: 'PATCH',
			credentials: 'same-origin',
			headers: { 'Content-Type': 'application/json', 'X-WP-Nonce': cfg.nonce },
			body: JSON.stringify({ stage: stage, reason: 'Moved on the pipeline board' })
		}).then(function (res) {
			return res.json().then(function (body) { return { ok: res.ok, body: body }; });
		}).then(function (r) {
			card.classList.remove('senw-saving');
			if (!r.ok) {
				say(cfg.failed.replace('%s', (r.body && r.body.message) || 'error'));
				return;
			}
			var col = board.querySelector('.senw-column[data-stage="' + stage + '"] .senw-cards');
			col.insertBefore(card, col.firstChild);
			card.querySelector('.senw-move-to').value = stage;
			recount();
			say(cfg.moved.replace('%s', col.closest('.senw-column').getAttribute('aria-label')));
			card.focus();
		}).catch(function (e) {
			card.classList.remove('senw-saving');
			say(cfg.failed.replace('%s', String(e)));
		});
	}

	board.addEventListener('dragstart', function (e) {
		var card = e.target.closest && e.target.closest('.senw-card');
		if (card) {
			e.dataTransfer.setData('text/plain', card.getAttribute('data-deal-id'));
			e.dataTransfer.effectAllowed = 'move';
			card.classList.add('senw-dragging');
		}
	});
	board.addEventListener('dragend', function (e) {
		var card = e.target.closest && e.target.closest('.senw-card');
		if (card) {
			card.classList.remove('senw-dragging');
		}
	});
	board.querySelectorAll('.senw-column').forEach(function (col) {
		col.addEventListener('dragover', function (e) {
			e.preventDefault();
			col.classList.add('senw-drop');
		});
		col.addEventListener('dragleave', function () {
			col.classList.remove('senw-drop');
		});
		col.addEventListener('drop', function (e) {
			e.preventDefault();
			col.classList.remove('senw-drop');
			var id = e.dataTransfer.getData('text/plain');
			var card = board.querySelector('.senw-card[data-deal-id="' + id + '"]');
			if (card) {
				move(card, col.getAttribute('data-stage'));
			}
		});
	});
	board.addEventListener('change', function (e) {
		if (e.target.classList.contains('senw-move-to')) {
			move(e.target.closest('.senw-card'), e.target.value);
		}
	});
	// Keyboard: on a focused card, Alt+ArrowRight / Alt+ArrowLeft moves it one stage.
	board.addEventListener('keydown', function (e) {
		var card = e.target.classList && e.target.classList.contains('senw-card') ? e.target : null;
		if (!card || !e.altKey || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) {
			return;
		}
		var cols = Array.prototype.slice.call(board.querySelectorAll('.senw-column'));
		var i = cols.indexOf(card.closest('.senw-column')) + (e.key === 'ArrowRight' ? 1 : -1);
		if (i >= 0 && i < cols.length) {
			e.preventDefault();
			move(card, cols[i].getAttribute('data-stage'));
		}
	});
})();
