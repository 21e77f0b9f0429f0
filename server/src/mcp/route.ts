import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AppContext } from '../http/context';
import { ApiRequest, Reply, handOver } from '../http/route';
import { createPingMcpServer } from './server';

/**
 * `POST /mcp`: one JSON-RPC request (or batch) of the MCP streamable HTTP transport, in the
 * SDK's stateless mode: a fresh server and transport per request, so any instance can take any
 * request and nothing lives between them. The route table already read the JSON body (limits,
 * 415/413/400) and the API key; the transport gets the parsed body and writes the response
 * (an event stream while a tool waits). When the client goes away the transport
 * closes, which aborts a waiting `ping_check_approval`.
 */
export function mcpRoute(ctx: AppContext, req: ApiRequest<'key'>): Reply {
	const server = createPingMcpServer(ctx, req.accountId);
	// Answers as an event stream (the transport's default), which keeps a 50 s wait alive
	// through proxies with keep-alive comments. Plain JSON answers (`enableJsonResponse`)
	// measured faster to start in bench/mcp-wait.js, but a client that went away mid-wait then
	// left its other keep-alive connections busy at shutdown; not worth it for a few ms.
	const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
	return handOver(async (res) => {
		res.on('close', () => {
			void transport.close();
			void server.close();
		});
		await server.connect(transport);
		// `null` for an empty body: the transport answers it as a JSON-RPC error instead of
		// reading a request body that was already read.
		await transport.handleRequest(req.raw, res, req.body ?? null);
	});
}
