/* Properties search results: a "Share" checkbox on each row; the ticked
 * listings fill the "Share with a client" form printed below the table. */
(function () {
	'use strict';
	var form = document.querySelector('.senw-share-panel form');
	if (!form) {
		return;
	}
	var keysInput = form.querySelector('.senw-share-keys');
	var count = form.querySelector('.senw-share-count');
	var picked = [];
	document.querySelectorAll('#senw-crm-properties-form a.row-title').forEach(function (a) {
		var key = new URL(a.href, location.href).searchParams.get('listing');
		if (!key) {
			return;
		}
		var label = document.createElement('label');
		label.className = 'senw-share-pick';
		var box = document.createElement('input');
		box.type = 'checkbox';
		box.value = key;
		box.setAttribute('aria-label', 'Share ' + a.textContent);
		label.appendChild(box);
		label.appendChild(document.createTextNode(' Share'));
		a.parentNode.parentNode.insertBefore(label, a.parentNode.nextSibling);
		box.addEventListener('change', function () {
			picked = picked.filter(function (k) { return k !== key; });
			if (box.checked) {
				picked.push(key);
			}
			keysInput.value = picked.join(' ');
			count.textContent = picked.length ? picked.length + ' listing(s) ticked.' : 'No listings ticked yet.';
		});
	});
	var props = document.getElementById('senw-crm-properties-form');
	if (props && props.parentNode) {
		props.parentNode.appendChild(document.querySelector('.senw-share-panel'));
	}
})();
