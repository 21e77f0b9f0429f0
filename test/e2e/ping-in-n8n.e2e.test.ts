import { e2eSuite } from './harness/suite';

const { stack, scenario } = e2eSuite();

const PACKAGE = 'n8n-nodes-ping';

scenario('n8n loads the packed package: the Ping node and credential types are listed', async () => {
	const { n8n } = stack();
	const nodes = await n8n.get<Array<{ name: string }>>('/types/nodes.json');
	expect(nodes.status).toBe(200);
	const names = nodes.body.map((node) => node.name);
	expect(names).toEqual(expect.arrayContaining([`${PACKAGE}.pingSend`, `${PACKAGE}.pingWaitForResponse`, `${PACKAGE}.pingTrigger`]));

	const credentials = await n8n.get<Array<{ name: string }>>('/types/credentials.json');
	expect(credentials.status).toBe(200);
	expect(credentials.body.map((credential) => credential.name)).toEqual(expect.arrayContaining(['pingApi', 'pingAccountApi']));
});
