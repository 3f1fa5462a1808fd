/**
 * Where a credential may be sent: the one rule the node and the credential's own authentication
 * share, so that neither sends a token or signature where the other would refuse to.
 */
export const DEFAULT_BASE_URL = 'https://api.apify.com';

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export type BaseUrlCheck = { url: URL } | { problem: string; description: string; url?: undefined };

/**
 * The credential's API Base URL, parsed, or why it may not carry a credential: it is not a URL,
 * or it is plain http:// to another host than this machine, where the secret could be read on the way.
 */
export function checkBaseUrl(value: unknown): BaseUrlCheck {
	const raw = String(value || DEFAULT_BASE_URL).trim();
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return {
			problem: `The credential's API Base URL "${raw.slice(0, 200)}" is not a URL`,
			description: `Use ${DEFAULT_BASE_URL}, or the address of an Apify-compatible API.`,
		};
	}
	const plainHttpAllowed = url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname);
	if (url.protocol !== 'https:' && !plainHttpAllowed) {
		return {
			problem:
				"The credential's API Base URL must use https:// (plain http:// is allowed only for localhost)",
			description: 'A token or signature sent over plain HTTP could be read on the way.',
		};
	}
	return { url };
}
