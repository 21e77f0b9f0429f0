import { withRedisBudget, withinBudget } from '../../../../server/src/store/redis/request-budget';
import { StorageUnavailableError } from '../../../../server/src/store/store';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One request's Redis calls share one time budget (the frozen-Redis suite shows it end to end). */
describe('a request budget for Redis calls', () => {
	test('calls one after another share the budget: the one that outlasts it fails as storage unavailable', async () => {
		const calls: string[] = [];
		const outcome = withRedisBudget(300, async () => {
			await withinBudget(async () => void (await sleep(200), calls.push('first')));
			await withinBudget(async () => void (await sleep(500), calls.push('second')));
		});
		const started = Date.now();
		await expect(outcome).rejects.toBeInstanceOf(StorageUnavailableError);
		expect(Date.now() - started).toBeLessThan(650); // 300 ms of budget, not the 700 ms of both calls
		expect(calls).toEqual(['first']);
	});

	test('a spent budget refuses the next call without making it', async () => {
		let made = 0;
		await expect(
			withRedisBudget(100, async () => {
				await withinBudget(() => sleep(300)).catch(() => undefined);
				await withinBudget(async () => void made++);
			}),
		).rejects.toBeInstanceOf(StorageUnavailableError);
		expect(made).toBe(0);
	});

	test('time not spent on Redis (a long-poll wait, a slow body) and calls side by side are not counted twice', async () => {
		// Counted once: 400 + 300 = 700 ms of 1000. Counted twice (side by side): 1100; with the
		// wait: 1400. The slack (300 ms) absorbs late timers on a loaded machine.
		await withRedisBudget(1000, async () => {
			await Promise.all([withinBudget(() => sleep(400)), withinBudget(() => sleep(400))]);
			await sleep(700);
			await withinBudget(() => sleep(300));
		});
	});

	test('calls a store method makes inside are not budgeted again, so a method given up on runs to its end', async () => {
		const steps: string[] = [];
		const method = async () => {
			await withinBudget(() => sleep(150));
			steps.push('step 1');
			await withinBudget(() => sleep(10));
			steps.push('step 2');
		};
		await expect(withRedisBudget(100, () => withinBudget(method))).rejects.toBeInstanceOf(
			StorageUnavailableError,
		);
		await sleep(250);
		expect(steps).toEqual(['step 1', 'step 2']);
	});

	test('outside a request (jobs, start-up) there is no budget', async () => {
		await expect(withinBudget(async () => 'done')).resolves.toBe('done');
	});
});
