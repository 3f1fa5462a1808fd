/**
 * The only answers and requests the contract check lets pass that Apify's OpenAPI does not
 * document: those of the local API's UNDOCUMENTED switches (dev/local-api/api-routes.ts), and
 * only while that switch is on. With the switches off (the default, "as Apify documents it"),
 * nothing is excused.
 */
import type { ContractExchange, ContractFinding, UndocumentedSettings } from './exchange';

export interface UndocumentedException {
	/** The switch that must be on. */
	setting: keyof UndocumentedSettings;
	behaviour: string;
	reason: string;
	covers(finding: ContractFinding, exchange: ContractExchange): boolean;
}

const RECORD_PATH = /\/records\/[^/]+$/;

export const UNDOCUMENTED_EXCEPTIONS: readonly UndocumentedException[] = [
	{
		setting: 'etags',
		behaviour:
			'records answered 304 Not Modified or 412 Precondition Failed (If-None-Match, If-Match)',
		reason:
			'No Apify source says whether record answers carry an ETag or honour conditional requests. ' +
			'The node uses them when the API does and must work when it does not, so the tests run it against both.',
		covers: (finding, exchange) =>
			finding.rule === 'status' &&
			(exchange.reply?.status === 304 || exchange.reply?.status === 412) &&
			RECORD_PATH.test(exchange.url.pathname),
	},
	{
		setting: 'undocumentedHead',
		behaviour: 'HEAD of a record on the run aliases, and with ?signature=',
		reason:
			'Apify documents HEAD only on /v2/key-value-stores/{storeId}/records/{recordKey}, without a signature. ' +
			'Whether the API answers it elsewhere is unknown; the node must work either way.',
		covers: (finding, exchange) =>
			exchange.method === 'HEAD' &&
			RECORD_PATH.test(exchange.url.pathname) &&
			(finding.rule === 'operation' ||
				(finding.rule === 'parameters' && finding.message.includes('"signature"'))),
	},
	// storeSignatureGrantsRecords needs no exception: `signature` is documented on record GET, and
	// on HEAD it is the exception above.
];

/** The exception that excuses a finding, if its switch was on when the API answered. */
export function allowedUndocumented(
	finding: ContractFinding,
	exchange: ContractExchange,
): UndocumentedException | undefined {
	return UNDOCUMENTED_EXCEPTIONS.find(
		(exception) =>
			exchange.settings?.[exception.setting] === true && exception.covers(finding, exchange),
	);
}
