/**
 * What the contract check judges and what it finds: an exchange (a request and, unless a fault
 * replaced it, its answer) and a finding about it. Apart from the check and its exceptions, which
 * both use them.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

import type { LocalApiSettings } from '../local-api/api-routes';

/** The local API's UNDOCUMENTED switches (dev/local-api/api-routes.ts). */
export type UndocumentedSettings = Pick<
	LocalApiSettings,
	'etags' | 'undocumentedHead' | 'storeSignatureGrantsRecords'
>;

/** What a finding is about, so that exceptions and reports can tell findings apart. */
export type ContractRule =
	| 'operation'
	| 'parameters'
	| 'request-body'
	| 'status'
	| 'content-type'
	| 'response-body'
	| 'response-headers';

export interface ContractFinding {
	/** `GET /v2/key-value-stores/…?limit=10 → 200`, signatures and tokens masked. */
	exchange: string;
	operationId?: string;
	rule: ContractRule;
	message: string;
}

export interface ExchangeReply {
	status: number;
	headers: OutgoingHttpHeaders | IncomingHttpHeaders;
	/** A Buffer is inspected; a stream never is (its bytes are the client's). */
	body?: Buffer | Readable;
}

export interface ContractExchange {
	method: string;
	url: URL;
	headers: IncomingHttpHeaders;
	/** The request body, when the server read it. */
	requestBody?: Buffer;
	/** Undefined when an injected fault replaced or cut the answer: only the request is judged. */
	reply?: ExchangeReply;
	/** The API's UNDOCUMENTED switches when it answered; undefined for the real API. */
	settings?: UndocumentedSettings;
}
