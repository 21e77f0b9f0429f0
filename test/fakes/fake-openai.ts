import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A fake OpenAI-compatible chat model on 127.0.0.1, for driving a real n8n AI Agent in tests:
 * `POST /v1/chat/completions` answers a conversation without a tool result with a call of the
 * first tool offered (each string input of its schema filled with `toolInput`), and a
 * conversation that has a tool result with a final message quoting it. Every request is
 * recorded, so a test can read what the agent told the model (a refusal, a tool's output).
 * `GET /v1/models` lists one model. Streaming requests get the same answers as SSE chunks.
 */
export interface ChatRequest {
	model: string;
	messages: Array<{ role: string; content?: unknown; tool_call_id?: string }>;
	tools?: Array<{ type: string; function: { name: string; parameters?: JsonSchema } }>;
	stream?: boolean;
}

interface JsonSchema {
	type?: string;
	properties?: Record<string, JsonSchema>;
}

export class FakeOpenAi {
	readonly requests: ChatRequest[] = [];
	/** The value given to each string input of the called tool. */
	toolInput = 'production';
	private server: Server | undefined;
	private calls = 0;

	get url(): string {
		const { port } = this.server?.address() as AddressInfo;
		return `http://127.0.0.1:${port}/v1`;
	}

	/** The tool results the agent sent back to the model, in order. */
	get toolResults(): string[] {
		return this.requests.flatMap((r) =>
			r.messages.filter((m) => m.role === 'tool').map((m) => String(m.content)),
		);
	}

	async start(): Promise<this> {
		this.server = createServer((req, res) => void this.handle(req, res));
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		return this;
	}

	async stop(): Promise<void> {
		await new Promise<void>((resolve) => {
			if (!this.server) return resolve();
			this.server.closeAllConnections();
			this.server.close(() => resolve());
		});
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const path = (req.url ?? '').split('?')[0];
		if (req.method === 'GET' && path.endsWith('/models')) {
			return send(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model' }] });
		}
		if (req.method !== 'POST' || !path.endsWith('/chat/completions'))
			return send(res, 404, { error: { message: `no such endpoint ${req.method} ${path}` } });
		let request: ChatRequest;
		try {
			request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
		} catch {
			return send(res, 400, { error: { message: 'body is not JSON' } });
		}
		this.requests.push(request);
		const message = this.reply(request);
		const id = `chatcmpl-${++this.calls}`;
		const finish = message.tool_calls ? 'tool_calls' : 'stop';
		if (request.stream) return stream(res, id, request.model, message, finish);
		send(res, 200, {
			id,
			object: 'chat.completion',
			created: Math.floor(Date.now() / 1000),
			model: request.model,
			choices: [{ index: 0, message, finish_reason: finish }],
			usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
		});
	}

	private reply(request: ChatRequest): {
		role: 'assistant';
		content: string | null;
		tool_calls?: Array<{
			id: string;
			type: 'function';
			function: { name: string; arguments: string };
		}>;
	} {
		const results = request.messages.filter((m) => m.role === 'tool');
		const tool = request.tools?.[0]?.function;
		if (results.length > 0 || !tool)
			return {
				role: 'assistant',
				content: `Final answer. The tool said: ${results.map((m) => String(m.content)).join(' | ')}`,
			};
		return {
			role: 'assistant',
			content: null,
			tool_calls: [
				{
					id: `call_${this.calls + 1}`,
					type: 'function',
					function: { name: tool.name, arguments: JSON.stringify(this.fill(tool.parameters)) },
				},
			],
		};
	}

	/** An input for the schema: strings get `toolInput`, objects are filled recursively. */
	private fill(schema: JsonSchema | undefined): unknown {
		if (!schema) return {};
		if (schema.type === 'object' || schema.properties) {
			const out: Record<string, unknown> = {};
			for (const [key, sub] of Object.entries(schema.properties ?? {})) out[key] = this.fill(sub);
			return out;
		}
		if (schema.type === 'number' || schema.type === 'integer') return 1;
		if (schema.type === 'boolean') return true;
		return this.toolInput;
	}
}

function send(res: ServerResponse, status: number, body: unknown): void {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(body));
}

function stream(
	res: ServerResponse,
	id: string,
	model: string,
	message: { content: string | null; tool_calls?: unknown[] },
	finish: string,
): void {
	res.writeHead(200, { 'content-type': 'text/event-stream' });
	const chunk = (delta: unknown, reason: string | null) =>
		res.write(
			`data: ${JSON.stringify({
				id,
				object: 'chat.completion.chunk',
				created: Math.floor(Date.now() / 1000),
				model,
				choices: [{ index: 0, delta, finish_reason: reason }],
			})}\n\n`,
		);
	const calls = (message.tool_calls ?? []).map((call, index) => ({ index, ...(call as object) }));
	chunk(
		{ role: 'assistant', content: message.content, ...(calls.length ? { tool_calls: calls } : {}) },
		null,
	);
	chunk({}, finish);
	res.end('data: [DONE]\n\n');
}
