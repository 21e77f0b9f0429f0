/*
 * The inbox's only script (/app/inbox.js), a progressive enhancement: the page lists and
 * answers without it. It adds
 * - the service worker (/app/sw.js): offline copy of the last list, notifications;
 * - live updates while the page is open: a conditional GET of the page every POLL_MS while it
 *   is visible (a 304 when nothing changed), at once when it becomes visible again or when the
 *   service worker says a push came in; cards whose state did not change are kept as they are,
 *   so a half-filled form is not lost;
 * - "Turn on notifications": after that tap, asks for permission, subscribes to pushes with
 *   the server's VAPID key and stores the subscription (PUT /v1/device/subscription);
 * - closing this browser's notifications of messages the list shows answered or expired: the
 *   server sends no `answered` push to the browser that answered, so an answer given here in
 *   the list (not from the notification) would leave its notification, buttons and all.
 * The device key stays in its HttpOnly cookie: this script never sees it.
 */
'use strict';

(function () {
	var POLL_MS = 10000;
	var inbox = document.getElementById('inbox');
	if (!inbox) return;
	var live = document.getElementById('live');
	var listVersion = document.body.getAttribute('data-list-version') || '';
	// Only the first page updates live; an older page (?before=) stays as it was loaded.
	var isFirstPage = !/[?&]before=/.test(location.search);

	function say(text) {
		if (live) live.textContent = text;
	}

	/** Puts the fresh list in place, keeping each card whose message did not change. */
	function merge(fresh) {
		var oldList = inbox.querySelector('ol');
		var newList = fresh.querySelector('ol');
		if (!oldList || !newList) {
			inbox.replaceChildren.apply(inbox, Array.from(fresh.childNodes));
			return;
		}
		var kept = {};
		Array.from(oldList.children).forEach(function (item) {
			kept[item.getAttribute('data-id') + ':' + item.getAttribute('data-state')] = item;
		});
		var items = Array.from(newList.children).map(function (item) {
			return kept[item.getAttribute('data-id') + ':' + item.getAttribute('data-state')] || item;
		});
		oldList.replaceChildren.apply(oldList, items);
	}

	var refreshing = false;
	function refresh() {
		if (!isFirstPage || refreshing) return Promise.resolve();
		refreshing = true;
		return fetch('/app/', {
			credentials: 'same-origin',
			cache: 'no-store',
			headers: listVersion ? { 'if-none-match': '"' + listVersion + '"' } : {},
		})
			.then(function (res) {
				if (res.status === 304) return null;
				if (res.status === 401) {
					location.reload();
					return null;
				}
				if (!res.ok) throw new Error('status ' + res.status);
				return res.text();
			})
			.then(function (html) {
				document.getElementById('offline-note').hidden = true;
				if (html === null) return;
				var doc = new DOMParser().parseFromString(html, 'text/html');
				var fresh = doc.getElementById('inbox');
				if (!fresh) return;
				var before = inbox.querySelectorAll('li').length;
				merge(fresh);
				closeSettledNotifications();
				listVersion = doc.body.getAttribute('data-list-version') || '';
				var after = inbox.querySelectorAll('li').length;
				say(after > before ? 'New messages arrived.' : 'The list was updated.');
			})
			.catch(function () {
				say('No connection: the list will update when the connection is back.');
			})
			.then(function () {
				refreshing = false;
			});
	}

	/** Closes the notifications of messages this list shows as no longer waiting for an answer. */
	function closeSettledNotifications() {
		if (!('serviceWorker' in navigator)) return;
		var settled = {};
		inbox.querySelectorAll('li[data-id]').forEach(function (item) {
			if (item.getAttribute('data-state') !== 'pending')
				settled[item.getAttribute('data-id')] = true;
		});
		navigator.serviceWorker.ready
			.then(function (registration) {
				return registration.getNotifications ? registration.getNotifications() : [];
			})
			.then(function (shown) {
				shown.forEach(function (notification) {
					var data = notification.data || {};
					// A confirmation ("Approve: sent") has the same tag and stays.
					if (data.type === 'message' && settled[notification.tag] === true) notification.close();
				});
			})
			.catch(function () {
				// Nothing to close, or no notifications here: the list itself is what counts.
			});
	}

	setInterval(function () {
		if (document.visibilityState === 'visible') refresh();
	}, POLL_MS);
	document.addEventListener('visibilitychange', function () {
		if (document.visibilityState === 'visible') refresh();
	});
	window.addEventListener('online', refresh);

	// ---- the service worker ----
	if (!('serviceWorker' in navigator)) return;
	navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(function () {
		say('This browser could not set up offline use and notifications.');
	});
	closeSettledNotifications();
	navigator.serviceWorker.addEventListener('message', function (event) {
		var data = event.data || {};
		if (data.type === 'refresh') refresh();
		if (data.type === 'open' && typeof data.url === 'string') location.href = data.url;
	});

	// ---- notifications ----
	var button = document.getElementById('notify');
	var key = document.body.getAttribute('data-webpush-key');
	var iosHint = document.getElementById('ios-hint');
	if (!('PushManager' in window) || !('Notification' in window)) {
		// iOS offers pushes only to the web app added to the home screen.
		if (iosHint && key && navigator.standalone === false) iosHint.hidden = false;
		return;
	}
	if (!button || !key) return;

	function keyBytes(base64url) {
		var text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
		var bytes = new Uint8Array(text.length);
		for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
		return bytes;
	}

	function sameKey(subscription) {
		var current = subscription.options && subscription.options.applicationServerKey;
		if (!current) return true;
		var a = new Uint8Array(current);
		var b = keyBytes(key);
		return (
			a.length === b.length &&
			a.every(function (v, i) {
				return v === b[i];
			})
		);
	}

	function saveSubscription(subscription) {
		return fetch('/v1/device/subscription', {
			method: 'PUT',
			credentials: 'same-origin',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(subscription.toJSON()),
		}).then(function (res) {
			if (!res.ok)
				return res.json().then(function (body) {
					throw new Error(body.error || 'status ' + res.status);
				});
		});
	}

	function showState(subscribed) {
		button.hidden = subscribed;
		if (subscribed) say('Notifications are on for this browser.');
	}

	navigator.serviceWorker.ready
		.then(function (registration) {
			return registration.pushManager.getSubscription();
		})
		.then(function (subscription) {
			showState(Boolean(subscription) && Notification.permission === 'granted');
		});

	button.addEventListener('click', function () {
		button.disabled = true;
		Notification.requestPermission()
			.then(function (permission) {
				if (permission !== 'granted')
					throw new Error(
						'notifications are blocked for this site; allow them in the browser settings',
					);
				return navigator.serviceWorker.ready;
			})
			.then(function (registration) {
				return registration.pushManager.getSubscription().then(function (existing) {
					if (existing && sameKey(existing)) return existing;
					var gone = existing ? existing.unsubscribe() : Promise.resolve();
					return gone.then(function () {
						return registration.pushManager.subscribe({
							userVisibleOnly: true,
							applicationServerKey: keyBytes(key),
						});
					});
				});
			})
			.then(saveSubscription)
			.then(function () {
				showState(true);
			})
			.catch(function (error) {
				say('Notifications could not be turned on: ' + error.message);
			})
			.then(function () {
				button.disabled = false;
			});
	});
})();
