/*
 * The inbox's service worker (/app/sw.js, scope /app/).
 *
 * - Offline: the inbox page (/app/) goes to the network first; each list it gets is kept, and
 *   without a network the last one is shown, with its "offline" note made visible. The shell's
 *   files (script, manifest, icons) are kept the same way. A 401 (the browser was unpaired)
 *   deletes the kept list.
 * - Pushes (docs/api.md#paired-browsers has the payloads): `message` shows a notification
 *   (tag = message id) with up to two answer buttons; `answered` closes that notification
 *   wherever it is still shown and refreshes open inboxes; `expiring` asks to open the inbox.
 * - A notification's button answers in the background (POST …/respond, same origin, the inbox's
 *   cookie) and confirms in a short notification; a plain tap opens the message in the inbox.
 * - `pushsubscriptionchange`: subscribes again and stores the new subscription.
 *
 * The event listeners only hand over to the functions below (`handlePush`,
 * `handleNotificationClick`, …), which tests also call in the worker.
 */
'use strict';

var CACHE = 'ping-inbox-v1';
var INBOX = '/app/';
var SHELL = [
	'/app/inbox.js',
	'/app/manifest.webmanifest',
	'/app/icons/icon-192.png',
	'/app/icons/icon-512.png',
];
var OFFLINE_MARK = 'data-offline-note hidden';

self.addEventListener('install', function (event) {
	event.waitUntil(
		caches
			.open(CACHE)
			.then(function (cache) {
				return cache.addAll(SHELL);
			})
			.catch(function () {
				// The shell is kept again on its next fetch; installing must not fail for it.
			})
			.then(function () {
				return self.skipWaiting();
			}),
	);
});

self.addEventListener('activate', function (event) {
	event.waitUntil(
		caches
			.keys()
			.then(function (names) {
				return Promise.all(
					names
						.filter(function (name) {
							return name !== CACHE;
						})
						.map(function (name) {
							return caches.delete(name);
						}),
				);
			})
			.then(function () {
				return self.clients.claim();
			}),
	);
});

// ---- offline ----

function isInboxList(url) {
	return url.origin === self.location.origin && url.pathname === INBOX && url.search === '';
}

function offlinePage() {
	return new Response(
		'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline · Ping</title></head>' +
			'<body><main><h1>You are offline</h1><p>This browser has not kept a copy of the inbox yet. Open it again when you have a connection.</p></main></body></html>',
		{ status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } },
	);
}

/** The kept list, its offline note shown. */
function keptList() {
	return caches
		.open(CACHE)
		.then(function (cache) {
			return cache.match(INBOX);
		})
		.then(function (kept) {
			if (!kept) return offlinePage();
			return kept.text().then(function (html) {
				var headers = new Headers(kept.headers);
				headers.delete('etag');
				return new Response(html.replace(OFFLINE_MARK, 'data-offline-note'), {
					status: 200,
					headers: headers,
				});
			});
		});
}

function fromNetworkKeeping(request, isList) {
	return fetch(request).then(function (response) {
		if (response.status === 200) {
			var copy = response.clone();
			caches.open(CACHE).then(function (cache) {
				return cache.put(isList ? INBOX : request, copy);
			});
		} else if (isList && response.status === 401) {
			caches.open(CACHE).then(function (cache) {
				return cache.delete(INBOX);
			});
		}
		return response;
	});
}

self.addEventListener('fetch', function (event) {
	var request = event.request;
	if (request.method !== 'GET') return;
	var url = new URL(request.url);
	if (isInboxList(url)) {
		event.respondWith(
			fromNetworkKeeping(request, true).catch(function () {
				// The page itself falls back to the kept list; the live update just fails.
				return request.mode === 'navigate' ? keptList() : Response.error();
			}),
		);
		return;
	}
	if (url.origin === self.location.origin && SHELL.indexOf(url.pathname) !== -1) {
		event.respondWith(
			fromNetworkKeeping(request, false).catch(function () {
				return caches.match(request).then(function (kept) {
					return kept || Response.error();
				});
			}),
		);
	}
});

// ---- pushes ----

function tellInboxes(message) {
	return self.clients.matchAll({ type: 'window' }).then(function (clients) {
		clients.forEach(function (client) {
			client.postMessage(message);
		});
	});
}

function handlePush(data) {
	if (!data || typeof data !== 'object') return Promise.resolve();
	if (data.type === 'message') {
		var actions = Array.isArray(data.actions) ? data.actions : [];
		return self.registration
			.showNotification(String(data.title || 'Ping'), {
				body: typeof data.body === 'string' ? data.body : '',
				tag: data.message_id,
				requireInteraction: data.require_interaction === true,
				icon: '/app/icons/icon-192.png',
				actions: actions.map(function (action) {
					return { action: action.action, title: action.title };
				}),
				data: data,
			})
			.then(function () {
				return tellInboxes({ type: 'refresh' });
			});
	}
	if (data.type === 'answered') {
		return self.registration.getNotifications({ tag: data.message_id }).then(function (shown) {
			shown.forEach(function (notification) {
				notification.close();
			});
			return tellInboxes({ type: 'refresh' });
		});
	}
	if (data.type === 'expiring') {
		var days = Number(data.days_left);
		return self.registration.showNotification('Open your Ping inbox', {
			body:
				'Notifications to this browser stop ' +
				(days > 0 ? 'in ' + days + (days === 1 ? ' day' : ' days') : 'soon') +
				' unless you open the inbox.',
			tag: 'ping-expiring',
			icon: '/app/icons/icon-192.png',
			data: { inbox_url: data.inbox_url || INBOX },
		});
	}
	return Promise.resolve();
}

function pushData(event) {
	if (!event.data) return null;
	try {
		return event.data.json();
	} catch {
		return null;
	}
}

self.addEventListener('push', function (event) {
	event.waitUntil(handlePush(pushData(event)));
});

// ---- taps on notifications ----

function openInbox(url) {
	var target = new URL(url || INBOX, self.location.origin).href;
	return self.clients
		.matchAll({ type: 'window', includeUncontrolled: true })
		.then(function (clients) {
			var open = clients.find(function (client) {
				return new URL(client.url).pathname.indexOf(INBOX) === 0;
			});
			if (!open) return self.clients.openWindow(target);
			return open.focus().then(function (client) {
				(client || open).postMessage({ type: 'open', url: target });
			});
		});
}

/** Answers with the button's stored response, then says how it went in a short notification. */
function answerInBackground(data, chosen) {
	var path = '/v1/device/messages/' + encodeURIComponent(data.message_id) + '/respond';
	return fetch(path, {
		method: 'POST',
		credentials: 'same-origin',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(chosen.response || {}),
	})
		.then(function (res) {
			return res
				.json()
				.catch(function () {
					return {};
				})
				.then(function (body) {
					if (res.ok)
						return {
							title: chosen.title + ': sent',
							body: 'Your answer to “' + data.title + '” was sent.',
						};
					return {
						title: 'Not answered',
						body: body.error || 'The server said ' + res.status + '.',
					};
				});
		})
		.catch(function () {
			return { title: 'Not answered', body: 'No connection. Open the inbox to answer.' };
		})
		.then(function (outcome) {
			return self.registration
				.showNotification(outcome.title, {
					body: outcome.body,
					tag: data.message_id,
					icon: '/app/icons/icon-192.png',
					data: { type: 'confirmation', message_id: data.message_id, inbox_url: data.inbox_url },
				})
				.then(function () {
					return tellInboxes({ type: 'refresh' });
				});
		});
}

function handleNotificationClick(notification, action) {
	var data = notification.data || {};
	notification.close();
	if (action && data.type === 'message') {
		var chosen = (data.actions || []).find(function (a) {
			return a.action === action;
		});
		if (chosen) return answerInBackground(data, chosen);
	}
	return openInbox(data.inbox_url);
}

self.addEventListener('notificationclick', function (event) {
	event.waitUntil(handleNotificationClick(event.notification, event.action));
});

// ---- a subscription the push service replaced ----

function keyBytes(base64url) {
	var text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
	var bytes = new Uint8Array(text.length);
	for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
	return bytes;
}

function resubscribe(newSubscription) {
	var made = newSubscription
		? Promise.resolve(newSubscription)
		: fetch('/v1/device', { credentials: 'same-origin' })
				.then(function (res) {
					return res.json();
				})
				.then(function (body) {
					if (!body.web_push_public_key) return null;
					return self.registration.pushManager.subscribe({
						userVisibleOnly: true,
						applicationServerKey: keyBytes(body.web_push_public_key),
					});
				});
	return made.then(function (subscription) {
		if (!subscription) return;
		return fetch('/v1/device/subscription', {
			method: 'PUT',
			credentials: 'same-origin',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(subscription.toJSON()),
		});
	});
}

self.addEventListener('pushsubscriptionchange', function (event) {
	event.waitUntil(resubscribe(event.newSubscription));
});
