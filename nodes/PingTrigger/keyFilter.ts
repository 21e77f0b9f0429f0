/** Keys listed in "Only These Buttons": comma or newline separated; empty means every answer. */
export function parseKeyFilter(raw: unknown): string[] {
	return String(raw ?? '')
		.split(/[,\n]/)
		.map((key) => key.trim())
		.filter((key) => key !== '');
}
