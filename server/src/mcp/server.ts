import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ApiError } from '../domain/errors';
import { AppContext } from '../http/context';
import { errorMessage } from '../observability/log';
import { StorageUnavailableError } from '../store/store';
import { PingTools } from './ping-tools';
import { TOOLS } from './tools';

const SERVER_INFO = { name: 'ping', version: '1.0.0' };

const INSTRUCTIONS =
	"Ping reaches a person's phone. Use ping_send to tell them something, and " +
	'ping_request_approval then ping_check_approval to ask them to decide before you act.';

/**
 * One MCP server for one `/mcp` request of one account (stateless: any instance can take any
 * request, so nothing is kept between requests). The tools answer with structured content and
 * the same JSON as text; a caller's mistake is a tool error naming the argument.
 */
export function createPingMcpServer(ctx: AppContext, accountId: string): McpServer {
	const server = new McpServer(SERVER_INFO, { instructions: INSTRUCTIONS });
	const tools = new PingTools(ctx, accountId);
	const run = async (work: () => Promise<object>): Promise<CallToolResult> => {
		try {
			const result = await work();
			return {
				content: [{ type: 'text', text: JSON.stringify(result) }],
				structuredContent: result as Record<string, unknown>,
			};
		} catch (error) {
			return { isError: true, content: [{ type: 'text', text: toolError(ctx, error) }] };
		}
	};
	server.registerTool('ping_list_channels', TOOLS.ping_list_channels, () =>
		run(() => tools.listChannels()),
	);
	server.registerTool('ping_send', TOOLS.ping_send, (args) => run(() => tools.send(args)));
	server.registerTool('ping_request_approval', TOOLS.ping_request_approval, (args) =>
		run(() => tools.requestApproval(args)),
	);
	server.registerTool('ping_check_approval', TOOLS.ping_check_approval, (args, extra) =>
		run(() => tools.checkApproval(args, extra.signal)),
	);
	server.registerTool('ping_cancel_approval', TOOLS.ping_cancel_approval, (args) =>
		run(() => tools.cancelApproval(args)),
	);
	return server;
}

/** The text of a tool error: the caller's mistake as the API words it, never internals. */
function toolError(ctx: AppContext, error: unknown): string {
	if (error instanceof ApiError) return error.message;
	if (error instanceof StorageUnavailableError) return `${error.message}; try again shortly`;
	ctx.log.error('mcp.tool_failed', { error: errorMessage(error) });
	return 'internal server error';
}
