/**
 * An error the API turns into `{"ok": false, "error": message}` with `status`.
 * Domain code throws it for anything the caller did wrong; everything else is a 500.
 */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
		this.name = 'ApiError';
	}
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
