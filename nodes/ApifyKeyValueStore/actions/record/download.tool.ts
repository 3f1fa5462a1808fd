import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { getRecordFilter, getStore } from '../../parameters';
import { TOOL_ZIP_LINK_SECONDS } from '../../helpers/tool';
import { getSigningStore, signedStoreLink } from '../../transport/signing';
import type { OperationContext } from '../node.type';

/**
 * Record → Download All for an AI agent, which cannot receive files: instead of the ZIP file, a
 * signed link that downloads it without a token for TOOL_ZIP_LINK_SECONDS. Signing needs an API
 * token; a URL signature credential's own signature is a secret and is never handed out.
 */
export async function executeAsTool(
	this: IExecuteFunctions,
	itemIndex: number,
	{ connection, retry }: OperationContext,
): Promise<INodeExecutionData[]> {
	if (this.getNodeParameter('outputMode', itemIndex) !== 'zip') {
		throw new NodeOperationError(
			this.getNode(),
			'Download All as one item per record gives files, which an AI agent cannot receive',
			{
				description:
					'Set Output to One ZIP File: the tool then returns a link to the ZIP file. Or use Record → Get for each key: it returns JSON and text records as they are and links to files.',
				itemIndex,
			},
		);
	}
	if (connection.authType !== 'apiToken') {
		throw new NodeOperationError(
			this.getNode(),
			'A link to the ZIP file needs an API token, not a URL signature',
			{
				description:
					"The link is signed with the store's URL signing key, which only an API token with write access sees. Use Key → List and Record → Get instead: they work with a URL signature.",
				itemIndex,
			},
		);
	}
	const store = getStore(this, itemIndex);
	const filter = getRecordFilter(this, itemIndex);
	const expiresAt = Date.now() + TOOL_ZIP_LINK_SECONDS * 1000;
	const signing = await getSigningStore(this, connection, store, itemIndex, retry);
	return [
		{
			json: {
				...store.source,
				storeId: signing.id,
				...filter,
				url: signedStoreLink(connection, signing, 'records', expiresAt, filter),
				// Apify documents which signature its key listing takes, not which its ZIP download does.
				keysUrl: signedStoreLink(connection, signing, 'keys', expiresAt, filter),
				expiresAt: new Date(expiresAt).toISOString(),
				note: `A ZIP file of the records, not returned here: fetch "url" to download it. If that link is refused, "keysUrl" lists the same records, each with a signed link (recordPublicUrl). Neither link needs a token; both work until expiresAt.`,
			},
			pairedItem: { item: itemIndex },
		},
	];
}
