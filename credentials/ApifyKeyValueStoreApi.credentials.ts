import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { checkBaseUrl } from '../nodes/ApifyKeyValueStore/transport/origin';

export class ApifyKeyValueStoreApi implements ICredentialType {
	name = 'apifyKeyValueStoreApi';

	displayName = 'Apify Key-Value Store API';

	icon = 'file:apify.svg' as const;

	documentationUrl = 'https://docs.apify.com/platform/integrations/api#api-token';

	properties: INodeProperties[] = [
		{
			displayName: 'Authentication',
			name: 'authType',
			type: 'options',
			options: [
				{
					name: 'API Token',
					value: 'apiToken',
					description:
						'Full access with a personal API token from Apify Console → Settings → Integrations',
				},
				{
					name: 'URL Signature',
					value: 'urlSignature',
					description:
						'Read-only access without a token, with the signature from a link a store owner shared',
				},
			],
			default: 'apiToken',
		},
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			displayOptions: { show: { authType: ['apiToken'] } },
		},
		{
			displayName: 'Signature',
			name: 'signature',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			placeholder: 'MC4wLjNUd2ZFRTY1OXVmU05zbVM0N2xS',
			description:
				'The value of the <code>signature</code> query parameter of a shared store link (…/keys?signature=…)',
			displayOptions: { show: { authType: ['urlSignature'] } },
		},
		{
			displayName: 'Store ID',
			name: 'signatureStoreId',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'WkzbQMuFYuamGv3YF',
			description:
				'The store the signature was made for. The credential test lists one of its keys.',
			displayOptions: { show: { authType: ['urlSignature'] } },
		},
		{
			displayName: 'API Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.apify.com',
			description: 'Change only to use an Apify-compatible API on another address',
		},
	];

	// A function rather than a generic authenticator: a token travels as a header, a signature as a
	// query parameter, and neither may be sent empty, nor to another origin than the API Base URL's,
	// nor over plain HTTP to another host: the credential test included, before anything is sent.
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const checked = checkBaseUrl(credentials.baseUrl);
		if (!checked.url) throw new Error(`${checked.problem}. ${checked.description}`);
		if (targetOrigin(requestOptions) !== checked.url.origin) {
			throw new Error(
				`The Apify Key-Value Store API credential is only sent to its API Base URL (${checked.url.origin})`,
			);
		}
		if (credentials.authType === 'urlSignature') {
			return { ...requestOptions, qs: { ...requestOptions.qs, signature: credentials.signature } };
		}
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				Authorization: `Bearer ${credentials.apiToken as string}`,
			},
		};
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '={{$credentials.authType === "urlSignature" ? "/v2/key-value-stores/" + encodeURIComponent($credentials.signatureStoreId) + "/keys?limit=1" : "/v2/users/me"}}',
		},
	};
}

/** The origin a request goes to: its URL, resolved against its base URL when relative; '' if neither parses. */
function targetOrigin({ url, baseURL }: IHttpRequestOptions): string {
	try {
		return new URL(url, baseURL || undefined).origin;
	} catch {
		return '';
	}
}
