import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { actionsFromFields, actionsFromJson } from '../shared/actionsBuilder';
import type { MessageParameters } from '../shared/message';

/** The actions of item `i`, from the fields editor or the JSON editor (validated when sent). */
function actionsOfItem(ctx: IExecuteFunctions, i: number): unknown {
	const mode = ctx.getNodeParameter('actionsMode', i, 'none') as string;
	if (mode === 'fields') {
		const ui = ctx.getNodeParameter('actionsUi', i, {}) as { action?: IDataObject[] };
		return actionsFromFields(ui.action ?? []);
	}
	if (mode === 'json') return actionsFromJson(ctx.getNodeParameter('actionsJson', i, '[]'));
	return [];
}

/** The message item `i` asks to send, as its parameters give it. */
export function messageOfItem(ctx: IExecuteFunctions, i: number): MessageParameters {
	const options = ctx.getNodeParameter('options', i, {}) as IDataObject;
	return {
		title: ctx.getNodeParameter('title', i),
		body: ctx.getNodeParameter('body', i, ''),
		priority: ctx.getNodeParameter('priority', i, 'normal'),
		actions: actionsOfItem(ctx, i),
		callbackUrl: options.callbackUrl,
		expiresIn: options.expiresIn,
	};
}
