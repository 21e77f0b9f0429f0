import { Reply } from '../http/route';

/**
 * `GET` and `DELETE /mcp`: a stateless server has no event stream to open and no session to
 * end, so it says so the way the MCP specification asks (405).
 */
export function mcpMethodNotAllowed(): Reply {
	return {
		status: 405,
		headers: { allow: 'POST' },
		json: {
			jsonrpc: '2.0',
			error: { code: -32000, message: 'Method not allowed: POST /mcp only' },
			id: null,
		},
	};
}
