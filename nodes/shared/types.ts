/**
 * The wire shapes of the Ping API (`docs/api.md`) as the nodes send and receive them. Names
 * follow the server's `domain/types.ts`; fields the server fills with defaults are optional
 * here, because the node sends only what was given.
 */

export type Priority = 'low' | 'normal' | 'high';
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high'];

export type ButtonStyle = 'primary' | 'secondary' | 'destructive';
export const BUTTON_STYLES: readonly ButtonStyle[] = ['primary', 'secondary', 'destructive'];

export interface UrlAction {
	type: 'url';
	label: string;
	value: string;
}
export interface ButtonAction {
	type: 'button';
	label: string;
	key?: string;
	style?: ButtonStyle;
}
export interface SelectOption {
	label: string;
	value: string;
}
export interface SelectAction {
	type: 'select';
	label: string;
	key: string;
	options: SelectOption[];
	value?: string;
}
export interface TextAction {
	type: 'text';
	label: string;
	key: string;
	placeholder?: string;
	value?: string;
	multiline?: boolean;
	max_length?: number;
}
export interface NumberAction {
	type: 'number';
	label: string;
	key: string;
	min?: number;
	max?: number;
	step?: number;
	value?: number;
}
export interface ToggleAction {
	type: 'toggle';
	label: string;
	key: string;
	value?: boolean;
}
export type FormAction = SelectAction | TextAction | NumberAction | ToggleAction;
export type Action = UrlAction | ButtonAction | FormAction;

/** The body of `POST /v1/send/{token}`. */
export interface SendRequest {
	title: string;
	body?: string;
	priority: Priority;
	actions?: Action[];
	callback_url?: string;
	expires_in?: number;
	expiry_callback?: boolean;
}

export type ResponseValue = string | number | boolean;

/** The signed callback body (`docs/api.md#callbacks`), also the `result` of a poll. */
export interface CallbackBody {
	message_id: string;
	channel_id: string;
	timestamp: string;
	triggered_by: string;
	responses: Record<string, ResponseValue>;
	submitted_at?: string;
	/** Extension: how the answer came in (`{"via": "link"}` from the answer page, `{"via": "api", "name"?}`). */
	responder?: { via: string; device_id?: string; name?: string };
}

/**
 * The signed event Ping sends to a message's callback URL when it expired unanswered (only when
 * the message asked with `expiry_callback`; `docs/api.md#expiry-events`). No `triggered_by`: it
 * is never an answer.
 */
export interface ExpiryEvent {
	event: 'expired';
	message_id: string;
	channel_id?: string;
	expired_at?: string;
}
