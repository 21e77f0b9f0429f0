import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../../../server/src/store/sqlite/sqlite-store';
import { callbackStoreContract } from '../../../helpers/callback-store-contract';

const dirs = new Map<SqliteStore, string>();

callbackStoreContract(
	'SQLite',
	async () => {
		const dir = mkdtempSync(join(tmpdir(), 'ping-store-'));
		const store = new SqliteStore(join(dir, 'ping.db'));
		dirs.set(store, dir);
		return store;
	},
	async (store) => {
		await store.close();
		rmSync(dirs.get(store as SqliteStore) as string, { recursive: true, force: true });
	},
);
