import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	IWebhookFunctions,
} from 'n8n-workflow';

/**
 * Stand-ins for the contexts n8n hands to a node. Only what the Ping nodes call is present,
 * so a node reaching for anything else fails the test loudly.
 */

export type Credentials = Record<string, IDataObject>;
/** Parameters of the node, or per-item parameters as a function of the item index. */
export type Parameters = IDataObject | ((itemIndex: number) => IDataObject);

export interface FullResponse {
	statusCode: number;
	body: unknown;
	headers?: Record<string, string>;
}

export type HttpHandler = (
	credentialType: string,
	options: IHttpRequestOptions,
) => Promise<FullResponse>;

export const testNode: INode = {
	id: 'node-1234',
	name: 'Ping',
	type: 'n8n-nodes-ping.ping',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

function lookup(params: IDataObject, path: string): unknown {
	let current: unknown = params;
	for (const part of path.split('.')) {
		if (typeof current !== 'object' || current === null) return undefined;
		current = (current as IDataObject)[part];
	}
	return current;
}

function parameterGetter(parameters: Parameters) {
	return (name: string, itemIndex = 0, fallback?: unknown) => {
		const params = typeof parameters === 'function' ? parameters(itemIndex) : parameters;
		const value = lookup(params, name);
		if (value === undefined) {
			if (fallback === undefined) throw new Error(`test context: parameter "${name}" is not set`);
			return fallback;
		}
		return value;
	};
}

export interface RecordedRequest {
	credentialType: string;
	options: IHttpRequestOptions;
}

function requestHelpers(http: HttpHandler, requests: RecordedRequest[]) {
	return {
		async httpRequestWithAuthentication(
			this: unknown,
			credentialType: string,
			options: IHttpRequestOptions,
		) {
			requests.push({ credentialType, options });
			const response = await http(credentialType, options);
			if (options.returnFullResponse) return response;
			return response.body;
		},
		returnJsonArray(data: IDataObject | IDataObject[]): INodeExecutionData[] {
			return (Array.isArray(data) ? data : [data]).map((json) => ({ json }));
		},
	};
}

export interface ExecuteContextOptions {
	parameters: Parameters;
	credentials: Credentials;
	http: HttpHandler;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	node?: Partial<INode>;
	/** Present only when the simulated n8n has them (1.106+). */
	getSignedResumeUrl?: (parameters?: Record<string, string>) => string;
	setSignatureValidationRequired?: () => void;
	/** What `{{ $execution?.resumeUrl }}` evaluates to. */
	resumeUrl?: string;
	cancelSignal?: AbortSignal;
	/**
	 * n8n's execution custom data (`this.customData`, n8n 2.x). A fresh map by default; `null`
	 * leaves the property out, as n8n 1.x does (then only `$execution.customData` in expressions).
	 */
	customData?: Map<string, string> | null;
	/** n8n 1.x: custom data reachable only as `$execution.customData` in expressions. */
	expressionCustomData?: Map<string, string>;
}

/** Evaluates `{{ $execution.customData.get("k") }}` / `.set("k", "v")` over a map, as n8n 1.x would. */
function customDataExpression(
	expression: string,
	map: Map<string, string> | undefined,
): { handled: boolean; value?: unknown } {
	const call = /\$execution\.customData\.(get|set)\((.*)\)\s*}}/.exec(expression);
	if (!call || !map) return { handled: false };
	const args = JSON.parse(`[${call[2]}]`) as string[];
	if (call[1] === 'get') return { handled: true, value: map.get(args[0]) };
	customDataOver(map).set(args[0], args[1]);
	return { handled: true, value: undefined };
}

export interface ExecuteContext {
	context: IExecuteFunctions;
	requests: RecordedRequest[];
	waits: Date[];
	/** What the execution keeps across its wait (hand it to the webhook context). */
	customData: Map<string, string>;
}

/** `this.customData` over a map, with n8n's 10-key limit (a key above it is dropped silently). */
export function customDataOver(map: Map<string, string>) {
	return {
		set(key: string, value: string) {
			if (!map.has(key) && map.size >= 10) return;
			map.set(key, String(value));
		},
		setAll(values: Record<string, string>) {
			for (const [key, value] of Object.entries(values)) this.set(key, value);
		},
		get: (key: string) => map.get(key),
		getAll: () => Object.fromEntries(map),
	};
}

export function executeContext(options: ExecuteContextOptions): ExecuteContext {
	const requests: RecordedRequest[] = [];
	const waits: Date[] = [];
	const node = { ...testNode, ...options.node };
	const customData = options.customData ?? new Map<string, string>();
	const context: Record<string, unknown> = {
		getInputData: () => options.items ?? [{ json: {} }],
		getNodeParameter: parameterGetter(options.parameters),
		getNode: () => node,
		getCredentials: async (type: string) => {
			const credentials = options.credentials[type];
			if (!credentials) throw new Error(`test context: no credentials of type ${type}`);
			return credentials;
		},
		continueOnFail: () => options.continueOnFail ?? false,
		evaluateExpression: (expression: string) => {
			if (expression.includes('$execution') && expression.includes('resumeUrl'))
				return options.resumeUrl;
			const custom = customDataExpression(expression, options.expressionCustomData);
			if (custom.handled) return custom.value;
			throw new Error(`test context: cannot evaluate ${expression}`);
		},
		putExecutionToWait: async (waitTill: Date) => {
			waits.push(waitTill);
		},
		getExecutionId: () => 'exec-42',
		getExecutionCancelSignal: () => options.cancelSignal,
		getMode: () => 'trigger',
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		helpers: requestHelpers(options.http, requests),
	};
	if (options.getSignedResumeUrl) context.getSignedResumeUrl = options.getSignedResumeUrl;
	if (options.setSignatureValidationRequired)
		context.setSignatureValidationRequired = options.setSignatureValidationRequired;
	if (options.customData !== null) context.customData = customDataOver(customData);
	return { context: context as unknown as IExecuteFunctions, requests, waits, customData };
}

export interface WebhookContextOptions {
	parameters: Parameters;
	credentials: Credentials;
	/** The exact bytes received; `rawBody` on the request. */
	rawBody: string | Buffer;
	headers: Record<string, string>;
	/** Leave the request without `rawBody` (only the parsed body), as a fallback check. */
	withoutRawBody?: boolean;
	webhookUrl?: string;
	/** The waiting execution's custom data, as n8n hands it back to the resume webhook; `null`: n8n 1.x (no `this.customData`). */
	customData?: Map<string, string> | null;
	/** n8n 1.x: custom data reachable only as `$execution.customData` in expressions. */
	expressionCustomData?: Map<string, string>;
	/** The node's workflow static data (kept by the caller across requests). */
	staticData?: IDataObject;
	node?: Partial<INode>;
	workflowId?: string;
}

export interface WebhookContext {
	context: IWebhookFunctions;
	response: { statusCode?: number; body?: unknown };
}

let workflowCount = 0;

export function webhookContext(options: WebhookContextOptions): WebhookContext {
	// Each context is its own workflow unless a test says otherwise, so the trigger's memory of
	// accepted deliveries does not carry over between unrelated tests.
	const workflowId = options.workflowId ?? `wf-${++workflowCount}`;
	const response: { statusCode?: number; body?: unknown } = {};
	const raw = Buffer.isBuffer(options.rawBody)
		? options.rawBody
		: Buffer.from(options.rawBody, 'utf8');
	let parsed: IDataObject = {};
	try {
		parsed = JSON.parse(raw.toString('utf8')) as IDataObject;
	} catch {
		parsed = {};
	}
	const headers = Object.fromEntries(
		Object.entries(options.headers).map(([k, v]) => [k.toLowerCase(), v]),
	);
	const request: Record<string, unknown> = { method: 'POST', headers, body: parsed, query: {} };
	if (!options.withoutRawBody) request.rawBody = raw;
	const res = {
		status(code: number) {
			response.statusCode = code;
			return res;
		},
		json(body: unknown) {
			response.body = body;
			return res;
		},
		send(body: unknown) {
			response.body = body;
			return res;
		},
		end() {
			return res;
		},
	};
	const get = parameterGetter(options.parameters);
	const context: Record<string, unknown> = {
		// IWebhookFunctions.getNodeParameter(name, fallback): no item index.
		getNodeParameter: (name: string, fallback?: unknown) => get(name, 0, fallback),
		getNode: () => ({ ...testNode, ...options.node }),
		getWorkflow: () => ({ id: workflowId, name: 'test', active: true }),
		getWorkflowStaticData: () => options.staticData ?? {},
		evaluateExpression: (expression: string) => {
			const custom = customDataExpression(expression, options.expressionCustomData);
			if (custom.handled) return custom.value;
			throw new Error(`test context: cannot evaluate ${expression}`);
		},
		getCredentials: async (type: string) => {
			const credentials = options.credentials[type];
			if (!credentials) throw new Error(`test context: no credentials of type ${type}`);
			return credentials;
		},
		getRequestObject: () => request,
		getResponseObject: () => res,
		getHeaderData: () => headers,
		getBodyData: () => parsed,
		getNodeWebhookUrl: () => options.webhookUrl ?? 'http://n8n.test/webhook/abc/ping',
		getMode: () => 'webhook',
		helpers: requestHelpers(async () => {
			throw new Error('test context: no HTTP from webhook()');
		}, []),
	};
	if (options.customData !== null)
		context.customData = customDataOver(options.customData ?? new Map());
	return { context: context as unknown as IWebhookFunctions, response };
}

export interface HookContextOptions {
	parameters: Parameters;
	credentials: Credentials;
	http: HttpHandler;
	webhookUrl: string;
	staticData?: IDataObject;
}

export function hookContext(options: HookContextOptions) {
	const requests: RecordedRequest[] = [];
	const staticData = options.staticData ?? {};
	const get = parameterGetter(options.parameters);
	const context: Record<string, unknown> = {
		// IHookFunctions/ILoadOptionsFunctions.getNodeParameter(name, fallback): no item index.
		getNodeParameter: (name: string, fallback?: unknown) => get(name, 0, fallback),
		getNode: () => testNode,
		getCredentials: async (type: string) => {
			const credentials = options.credentials[type];
			if (!credentials) throw new Error(`test context: no credentials of type ${type}`);
			return credentials;
		},
		getNodeWebhookUrl: () => options.webhookUrl,
		getWorkflowStaticData: () => staticData,
		getMode: () => 'trigger',
		getActivationMode: () => 'activate',
		helpers: requestHelpers(options.http, requests),
	};
	return {
		context: context as unknown as IHookFunctions & ILoadOptionsFunctions,
		requests,
		staticData,
	};
}

/** A scripted server: answers in order, failing the test if the node asks for more. */
export function scriptedHttp(...responses: FullResponse[]): HttpHandler {
	return async () => {
		const next = responses.shift();
		if (!next) throw new Error('test context: unexpected extra HTTP request');
		return next;
	};
}
