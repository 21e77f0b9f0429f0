import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { N8n } from './n8n';
import { GiveUp, waitFor } from './wait';

export const WORKFLOWS_DIR = join(__dirname, '..', 'workflows');

export interface WorkflowFile {
	name: string;
	nodes: Array<{
		name: string;
		type: string;
		parameters: Record<string, unknown>;
		credentials?: Record<string, { id: string; name: string }>;
		webhookId?: string;
	}>;
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
}

export interface Execution {
	id: string;
	status: string;
	finished: boolean;
	mode: string;
	workflowId: string;
	data?: {
		resultData: {
			runData: Record<
				string,
				Array<{ data?: { main?: Array<Array<{ json: Record<string, any> }> | null> } }>
			>;
			lastNodeExecuted?: string;
			error?: { message: string };
		};
	};
}

function expectStatus(what: string, res: { status: number; text: string }, ok = [200]): void {
	if (!ok.includes(res.status))
		throw new Error(`${what} → HTTP ${res.status}: ${res.text.slice(0, 800)}`);
}

/** Creates a credential through n8n's public API and returns its id. */
export async function createCredential(
	n8n: N8n,
	name: string,
	type: string,
	data: Record<string, unknown>,
): Promise<string> {
	const res = await n8n.publicApi('POST', '/credentials', { name, type, data });
	expectStatus(`creating credential "${name}" (${type})`, res);
	return res.body.id;
}

/**
 * Reads a fixture from `test/e2e/workflows/` (plain n8n workflow JSON, usable as an example),
 * replaces placeholders such as `__PING_CHANNEL_ID__` (values that only exist in this run),
 * and points each node's credentials at the ids created for this run, by credential type.
 */
export function loadWorkflow(
	file: string,
	credentialIds: Record<string, string>,
	placeholders: Record<string, string> = {},
): WorkflowFile {
	let text = readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
	for (const [name, value] of Object.entries(placeholders))
		text = text.split(`__${name}__`).join(value);
	const leftover = /__[A-Z][A-Z0-9_]*__/.exec(text);
	if (leftover) throw new Error(`${file}: placeholder ${leftover[0]} has no value in this run`);
	const workflow = JSON.parse(text) as WorkflowFile;
	for (const node of workflow.nodes) {
		for (const [type, reference] of Object.entries(node.credentials ?? {})) {
			const id = credentialIds[type];
			if (!id)
				throw new Error(
					`${file}: node "${node.name}" needs a "${type}" credential the run did not create`,
				);
			node.credentials![type] = { ...reference, id };
		}
	}
	return workflow;
}

/** Creates the workflow through the public API; returns its id. */
export async function createWorkflow(n8n: N8n, workflow: WorkflowFile): Promise<string> {
	const res = await n8n.publicApi('POST', '/workflows', {
		name: workflow.name,
		nodes: workflow.nodes,
		connections: workflow.connections,
		settings: workflow.settings ?? { executionOrder: 'v1' },
	});
	expectStatus(`creating workflow "${workflow.name}"`, res);
	return res.body.id;
}

/**
 * n8n 2.x "publish" (1.x "activate"), then waits until the version is live. In 2.40 the
 * public API only records the publication; an outbox worker activates the triggers (and
 * registers their webhooks) moments later, and reports the outcome per trigger.
 */
export async function publishWorkflow(n8n: N8n, id: string): Promise<void> {
	const res = await n8n.publicApi('POST', `/workflows/${id}/publish`, {});
	expectStatus(`publishing workflow ${id}`, res);
	const versionId: string = res.body.activeVersionId ?? res.body.versionId;
	await waitForPublication(
		n8n,
		id,
		(status) => status.status !== 'in_progress' && status.liveVersionId === versionId,
		`workflow ${id} version ${versionId} to go live`,
	);
}

/** Unpublishes and waits until n8n has torn the triggers down (webhooks deregistered). */
export async function unpublishWorkflow(n8n: N8n, id: string): Promise<void> {
	const res = await n8n.publicApi('POST', `/workflows/${id}/unpublish`);
	expectStatus(`unpublishing workflow ${id}`, res);
	await waitForPublication(
		n8n,
		id,
		(status) => status.status === 'not_published',
		`workflow ${id} to be unpublished`,
	);
}

interface PublicationStatus {
	status: 'in_progress' | 'not_published' | 'published' | 'partial' | 'failed';
	liveVersionId: string | null;
	pendingVersionId: string | null;
	triggers: Array<{ nodeId: string; status: string; errorMessage: string | null }>;
}

async function waitForPublication(
	n8n: N8n,
	id: string,
	done: (status: PublicationStatus) => boolean,
	what: string,
): Promise<void> {
	let last: PublicationStatus | undefined;
	await waitFor(
		what,
		async () => {
			const res = await n8n.rest('GET', `/workflows/${id}/publication-status`);
			expectStatus(`reading the publication status of workflow ${id}`, res);
			last = res.body.data as PublicationStatus;
			if (last.status === 'failed' || last.status === 'partial') {
				throw new GiveUp(`publishing workflow ${id} failed: ${JSON.stringify(last.triggers)}`);
			}
			return done(last) ? true : undefined;
		},
		{ timeoutMs: 60_000, intervalMs: 250 },
		() => `publication status: ${JSON.stringify(last)}`,
	);
}

/** All executions of a workflow (newest first), with their data. */
export async function listExecutions(
	n8n: N8n,
	workflowId: string,
	status?: string,
): Promise<Execution[]> {
	const query = new URLSearchParams({ workflowId, includeData: 'true', limit: '100' });
	if (status) query.set('status', status);
	const res = await n8n.publicApi('GET', `/executions?${query}`);
	expectStatus(`listing executions of workflow ${workflowId}`, res);
	return res.body.data as Execution[];
}

export async function getExecution(n8n: N8n, id: string): Promise<Execution> {
	const res = await n8n.publicApi('GET', `/executions/${id}?includeData=true`);
	expectStatus(`reading execution ${id}`, res);
	return res.body as Execution;
}

/** Waits until the workflow has exactly `count` executions that are no longer running. */
export async function waitForExecutions(
	n8n: N8n,
	workflowId: string,
	count: number,
	what: string,
	timeoutMs = 60_000,
): Promise<Execution[]> {
	let last: Execution[] = [];
	return waitFor(
		what,
		async () => {
			last = await listExecutions(n8n, workflowId);
			const settled = last.filter((execution) => !['new', 'running'].includes(execution.status));
			if (last.length > count)
				throw new Error(`expected ${count} execution(s), found ${last.length}`);
			return settled.length === count ? settled : undefined;
		},
		{ timeoutMs, intervalMs: 500 },
		() => `executions: ${JSON.stringify(last.map((e) => ({ id: e.id, status: e.status })))}`,
	);
}

/** Output items (json) of a node in an execution's first run. */
export function nodeOutput(execution: Execution, nodeName: string): Array<Record<string, any>> {
	const runs = execution.data?.resultData.runData[nodeName];
	if (!runs?.length) {
		const ran = Object.keys(execution.data?.resultData.runData ?? {});
		throw new Error(
			`node "${nodeName}" did not run in execution ${execution.id} (ran: ${ran.join(', ') || 'none'}; status ${execution.status})`,
		);
	}
	const last = runs[runs.length - 1];
	return (last.data?.main?.[0] ?? []).map((item) => item.json);
}
