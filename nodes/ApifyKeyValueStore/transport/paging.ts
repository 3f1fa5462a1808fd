import { NodeOperationError } from 'n8n-workflow';

import type { ApifyContext, ApifyRequest } from './index';
import { storeLabel } from './errors';

/**
 * A listing whose next page would not come after this one (a cursor that repeats or goes back, an
 * offset whose page brings nothing new): followed, it would loop for ever, so the listing stops.
 */
export function pagingStalled(
	ctx: ApifyContext,
	request: Pick<ApifyRequest, 'subject' | 'itemIndex'>,
	listing: 'key listing' | 'store list',
	why: string,
): NodeOperationError {
	const of = listing === 'key listing' ? ` of ${storeLabel(request.subject)}` : '';
	return new NodeOperationError(
		ctx.getNode(),
		`The Apify API's ${listing}${of} does not move forward: ${why}`,
		{
			description:
				'Listing stopped instead of asking for the same page again and again. Try again later; if it keeps happening, check the API Base URL of the credential (a proxy or cache in front of the API can answer every page alike).',
			itemIndex: request.itemIndex,
		},
	);
}
