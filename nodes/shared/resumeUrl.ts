import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** The two methods n8n added in 1.106 for signed resume URLs; older hosts lack them. */
interface SignedResumeMethods {
	getSignedResumeUrl?: (parameters?: Record<string, string>) => string;
	setSignatureValidationRequired?: () => void;
}

/** Inserts `/<nodeId>` at the end of the URL's path, keeping any query (e.g. a resume token). */
export function appendPathSegment(url: string, segment: string): string {
	const parsed = new URL(url);
	parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/${encodeURIComponent(segment)}`;
	return parsed.toString();
}

/**
 * The URL that resumes this execution at this node: the message's `callback_url`.
 *
 * - n8n ≥ 1.106 (and every 2.x): `getSignedResumeUrl()` returns
 *   `<waiting base>/<executionId>/<nodeId>?signature=…`, the URL n8n's own send-and-wait nodes
 *   use; then `setSignatureValidationRequired()` (when present) makes n8n refuse any request to
 *   the waiting webhook whose URL signature does not match, before our own `X-Ping-Signature`
 *   check. Whatever token scheme a given n8n version validates, this URL is the one it issues.
 * - Hosts without it (or whose context cannot sign): `$execution.resumeUrl` plus `/<nodeId>`
 *   (the path of our webhook), keeping any query it carries; from n8n 2.15 that query holds the
 *   execution's resume token (`?signature=<token>`), which n8n checks on every waiting webhook.
 *
 * Methods are detected, never assumed: calling one an older n8n lacks would fail the node.
 */
export function callbackResumeUrl(ctx: IExecuteFunctions): string {
	const methods = ctx as unknown as SignedResumeMethods;
	const signed = signedResumeUrl(ctx, methods);
	if (signed !== undefined) {
		// Only once a signed URL exists: requiring validation without one would lock the wait.
		if (typeof methods.setSignatureValidationRequired === 'function')
			methods.setSignatureValidationRequired.call(ctx);
		return signed;
	}
	const resumeUrl = ctx.evaluateExpression('{{ $execution?.resumeUrl }}', 0);
	if (typeof resumeUrl !== 'string' || resumeUrl === '') {
		throw new NodeOperationError(
			ctx.getNode(),
			'n8n did not provide a resume URL for this execution',
		);
	}
	return appendPathSegment(resumeUrl, ctx.getNode().id);
}

/**
 * The signed URL, or undefined when this n8n has no such method or its context cannot sign
 * (some sandboxed contexts declare the method and throw "not supported").
 */
function signedResumeUrl(ctx: IExecuteFunctions, methods: SignedResumeMethods): string | undefined {
	if (typeof methods.getSignedResumeUrl !== 'function') return undefined;
	let url: unknown;
	try {
		url = methods.getSignedResumeUrl.call(ctx);
	} catch {
		url = undefined;
	}
	return typeof url === 'string' && url !== '' ? url : undefined;
}
