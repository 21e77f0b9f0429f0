/**
 * The Lua scripts of the Redis driver. Each runs atomically on one hash slot (all its KEYS share
 * a hash tag), which is what makes first-answer-wins and single-read hold across instances.
 */

/**
 * Compare-and-set of a JSON record, moving its lookup indexes in the same step.
 * KEYS[1] record; KEYS[2..1+ndel] index keys to delete; the remaining KEYS index keys to set.
 * ARGV: expected JSON, new JSON, ndel, value for the set indexes. Returns 1, or 0 when the record
 * changed (or vanished) since it was read: the caller reads again.
 */
export const CAS_RECORD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
local ndel = tonumber(ARGV[3])
for i = 2, 1 + ndel do redis.call('DEL', KEYS[i]) end
for i = 2 + ndel, #KEYS do redis.call('SET', KEYS[i], ARGV[4]) end
return 1
`;

/**
 * Deletes a JSON record if it is still what the caller read, with its indexes.
 * KEYS[1] record; KEYS[2..1+ndel] keys to delete; the remaining KEYS sets/sorted sets to remove
 * ARGV[3] from. ARGV: expected JSON, ndel, member. Returns 1, or 0 when it changed or vanished.
 */
export const DELETE_RECORD = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
local ndel = tonumber(ARGV[2])
for i = 2, 1 + ndel do redis.call('DEL', KEYS[i]) end
for i = 2 + ndel, #KEYS do
	if redis.call('TYPE', KEYS[i]).ok == 'zset' then redis.call('ZREM', KEYS[i], ARGV[3])
	else redis.call('SREM', KEYS[i], ARGV[3]) end
end
return 1
`;

/**
 * Inserts an API key unless its account already has the maximum.
 * KEYS: account's keys (zset), record, hash index, all keys (set). ARGV: max, JSON, id.
 */
export const INSERT_API_KEY = `
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 'limit' end
redis.call('ZADD', KEYS[1], 0, ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[3])
return 'inserted'
`;

/**
 * Inserts a record under an owner unless the owner already has the maximum.
 * KEYS: owner's index (zset), record. ARGV: max, JSON, id.
 */
export const INSERT_LIMITED = `
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 'limit' end
redis.call('ZADD', KEYS[1], 0, ARGV[3])
redis.call('SET', KEYS[2], ARGV[2])
return 'inserted'
`;

/** Gives every key after KEYS[1] the TTL KEYS[1] has now (none, or the same remaining time). */
const COPY_TTL = `
local function copy_ttl()
	local ttl = redis.call('PTTL', KEYS[1])
	for i = 2, #KEYS do
		if ttl > 0 then redis.call('PEXPIRE', KEYS[i], ttl) elseif ttl == -1 then redis.call('PERSIST', KEYS[i]) end
	end
end
`;

/**
 * `set_callback_state(state)`: KEYS[1] is the message, KEYS[2..] its companion keys. A failed
 * callback's answer must not expire unread (polls hand it out as \`failed\`), so the record
 * (and its attempt log) loses its expiry until that read. Returns 1, or 0 when the message is gone.
 */
const SET_STATE =
	COPY_TTL +
	`
local function set_callback_state(state)
	if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
	redis.call('HSET', KEYS[1], 'cb', state)
	redis.call('HINCRBY', KEYS[1], 'v', 1)
	if state == 'failed' and redis.call('HEXISTS', KEYS[1], 'read') == 0 then
		redis.call('PERSIST', KEYS[1])
		copy_ttl()
	end
	return 1
end
`;

/**
 * Appends one callback attempt to a message's log and, with ARGV[3], sets the message's
 * callback state in the same step (one round trip per attempt). KEYS: message, attempts, then
 * the message's other companion keys. ARGV: JSON, retention ms, [state]. The log expires with
 * the message (or after the retention if the message is gone).
 */
export const RECORD_ATTEMPT =
	SET_STATE +
	`
redis.call('RPUSH', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then redis.call('PEXPIRE', KEYS[2], ARGV[2])
elseif ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl)
else redis.call('PERSIST', KEYS[2]) end
if ARGV[3] then set_callback_state(ARGV[3]) end
return 1
`;

/**
 * Stores a new message and the jobs written with it. KEYS: message, outbox.
 * ARGV: message JSON, retention ms, then job id / job JSON pairs.
 */
export const INSERT_MESSAGE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'rec', ARGV[1], 'cb', 'none', 'v', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if #ARGV > 2 then
	redis.call('HSET', KEYS[2], unpack(ARGV, 3))
	redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
`;

/**
 * First answer wins, and only before the message's expiry (a cancel moves it to now).
 * KEYS: message, outbox. ARGV: answer JSON, callback state, submitted at (ms), then job id /
 * job JSON pairs (stored only when this answer is the one saved).
 */
export const SAVE_ANSWER = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HEXISTS', KEYS[1], 'answer') == 1 then return 'conflict' end
if redis.call('HEXISTS', KEYS[1], 'expired') == 1 then return 'expired' end
local expires = cjson.decode(redis.call('HGET', KEYS[1], 'rec'))['expiresAt']
if type(expires) == 'number' and expires <= tonumber(ARGV[3]) then return 'expired' end
if redis.call('HSETNX', KEYS[1], 'answer', ARGV[1]) == 0 then return 'conflict' end
redis.call('HSET', KEYS[1], 'cb', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'v', 1)
if #ARGV > 3 then
	redis.call('HSET', KEYS[2], unpack(ARGV, 4))
	local ttl = redis.call('PTTL', KEYS[1])
	if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
return 'saved'
`;

/**
 * Closes an unanswered message (at its expiry, or cancelled), the twin of SAVE_ANSWER's
 * first-writer-wins: of an answer and the close exactly one wins. The record's expiry moves to
 * now at the latest (the caller built it from version ARGV[1]; `changed` when that moved
 * meanwhile: read again). KEYS: message. ARGV: version, record JSON, now.
 */
export const EXPIRE_MESSAGE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HEXISTS', KEYS[1], 'answer') == 1 then return 'answered' end
if redis.call('HEXISTS', KEYS[1], 'expired') == 1 then return 'already_expired' end
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 'changed' end
redis.call('HSET', KEYS[1], 'rec', ARGV[2], 'expired', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'v', 1)
return 'expired'
`;

/**
 * Single read: marks the answer read only if the record is still the version the caller decided
 * on and nobody read it since. A record kept without expiry (failed callback, unread) gets its
 * retention back once read. KEYS: message, then its companion keys. ARGV: version, now,
 * retention ms. Returns 1 or 0.
 */
export const CONSUME_ANSWER =
	COPY_TTL +
	`
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[1], 'read') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'read', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'v', 1)
if redis.call('PTTL', KEYS[1]) == -1 then
	redis.call('PEXPIRE', KEYS[1], ARGV[3])
	copy_ttl()
end
return 1
`;

/** KEYS: message, then its companion keys. ARGV: state. See SET_STATE. */
export const SET_CALLBACK_STATE = SET_STATE + `return set_callback_state(ARGV[1])`;

/**
 * Rewrites a message's record if it is still the version the caller decided on (an answer
 * bumps the version, so an expiry never lands after an answer). KEYS: message.
 * ARGV: version, record JSON. Returns 1, or 0 when it changed: the caller reads again.
 */
export const REPLACE_MESSAGE = `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'rec', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'v', 1)
return 1
`;

/**
 * Index → record in one round trip (send and poll look a channel up by token on every call).
 * KEYS[1]: the index; ARGV[1]: the record key without the id. Both are directory keys under the
 * same {dir} hash tag, so the record key, though built here, is in the same slot (Cluster-safe).
 */
export const LOOKUP = `
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('GET', ARGV[1] .. id)
`;

/**
 * Uses up a pairing and stores the device it became, if the pairing is still what the caller read.
 * KEYS: pairing, device record, device-key index, account's devices (zset), every browser (zset).
 * ARGV: expected pairing JSON, device JSON, device id. Returns 1, or 0 when another browser
 * claimed it first (or it expired).
 */
export const CLAIM_PAIRING = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[4], 0, ARGV[3])
redis.call('ZADD', KEYS[5], 0, ARGV[3])
return 1
`;

/**
 * Adds jobs to an existing message's outbox (a callback retried from the console); nothing when
 * the message is gone. KEYS: message, outbox. ARGV: job id / job JSON pairs. The outbox lives
 * as long as the message. Returns 1, or 0 when the message does not exist.
 */
export const QUEUE_MESSAGE_JOBS =
	COPY_TTL +
	`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV))
copy_ttl()
return 1
`;
