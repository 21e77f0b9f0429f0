import { ADMIN_KEY, api } from '../helpers/server';
import { CredentialIds, createPingCredentials } from './harness/credentials';
import { e2eSuite } from './harness/suite';
import { createWorkflow, loadWorkflow, publishWorkflow } from './harness/workflows';

/**
 * The packed package inside a real n8n 2.40.7, driven the way a user's workflows run:
 * production webhook URLs, published workflows, real callbacks from the Ping server.
 */
const { stack, scenario } = e2eSuite();

const PACKAGE = 'n8n-nodes-ping';
let credentials: CredentialIds;

async function publish(file: string): Promise<string> {
	const { n8n } = stack();
	const id = await createWorkflow(n8n, loadWorkflow(file, credentials));
	await publishWorkflow(n8n, id);
	return id;
}

scenario('n8n loads the packed package: the Ping node and credential types are listed', async () => {
	const { n8n } = stack();
	const nodes = await n8n.get<Array<{ name: string }>>('/types/nodes.json');
	expect(nodes.status).toBe(200);
	const names = nodes.body.map((node) => node.name);
	expect(names).toEqual(expect.arrayContaining([`${PACKAGE}.pingSend`, `${PACKAGE}.pingWaitForResponse`, `${PACKAGE}.pingTrigger`]));

	const types = await n8n.get<Array<{ name: string }>>('/types/credentials.json');
	expect(types.status).toBe(200);
	expect(types.body.map((credential) => credential.name)).toEqual(expect.arrayContaining(['pingApi', 'pingAccountApi']));

	credentials = await createPingCredentials(n8n, stack());
});

scenario('a webhook-started workflow with Ping Send puts the message on the Ping server', async () => {
	const { n8n, ping, channel } = stack();
	await publish('send-from-webhook.json');

	const started = await fetch(n8n.webhookUrl('ping-e2e-send'), {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ title: 'Deploy v1.2 to production?', text: 'Requested by **e2e**' }),
	});
	const sent = (await started.json()) as Record<string, unknown>;
	expect(started.status).toBe(200);
	expect(sent).toMatchObject({ ok: true, muted: false, id: expect.stringMatching(/^msg_[A-Za-z0-9]{12}$/) });

	const stored = await api(ping.url, 'GET', `/v1/messages/${sent.id}`, { key: ADMIN_KEY });
	expect(stored.status).toBe(200);
	expect(stored.body.message).toMatchObject({
		channel_id: channel.id,
		title: 'Deploy v1.2 to production?',
		body: 'Requested by **e2e**',
		priority: 'high',
		state: 'pending',
		actions: [
			{ type: 'button', label: 'Approve', key: 'approve', style: 'primary' },
			{ type: 'button', label: 'Decline', key: 'decline', style: 'destructive' },
		],
	});
});
