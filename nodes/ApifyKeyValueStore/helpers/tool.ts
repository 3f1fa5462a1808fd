/**
 * The node as a tool of an AI agent (n8n's "Apify Key-Value Store Tool", and through it n8n's MCP
 * Server Trigger). A model sees only the JSON of the tool's output items: n8n drops binary data on
 * the way, so what the node outputs as a tool has to be useful as JSON alone, and of bounded size.
 */
import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';

/**
 * The most characters of a record's text (or of its JSON, written out) a tool call returns; a longer
 * record is cut there and marked. About 5,000 tokens: room for a model to read a record whole, and
 * little enough that one call cannot fill its context.
 */
export const TOOL_TEXT_LIMIT = 20_000;

/**
 * The most keys or stores a tool call returns, whatever its Limit or Return All: about 10,000 tokens
 * of keys. One more is asked of the API, to know whether there are more.
 */
export const TOOL_LIST_LIMIT = 500;

/** How long a ZIP download link a tool call makes works. */
export const TOOL_ZIP_LINK_SECONDS = 60 * 60;

/**
 * Whether the node runs as a tool. n8n runs a node that is `usableAsTool` as a tool under the type
 * `<package>.<name>Tool`, and tells its tools from other nodes by that suffix (n8n-workflow 2.x's
 * `isToolType`, which n8n 1.x lacks).
 */
export function runsAsTool(node: Pick<INode, 'type'>): boolean {
	const name = node.type.split('.').pop() ?? '';
	return name.endsWith('Tool');
}

export interface BoundedText {
	text: string;
	/** Set when the text was cut. */
	truncated?: true;
}

/**
 * The text, cut at `limit` characters when longer (or when `complete` is false: only its start was
 * read), with a marker at the cut that says so and how to get the rest.
 */
export function boundText(
	text: string,
	complete = true,
	limit = TOOL_TEXT_LIMIT,
	size?: number,
): BoundedText {
	if (complete && text.length <= limit) return { text };
	const of = size === undefined ? '' : ` of ${size} bytes`;
	return {
		text: `${text.slice(0, limit)}\n[… truncated at ${limit} characters${of}; the record's link (url) gives it whole]`,
		truncated: true,
	};
}

/**
 * A list cut at TOOL_LIST_LIMIT items when longer, with a last item that says so and how to get
 * the rest (`more`), so that a model neither reads thousands of items nor takes a part for the whole.
 */
export function boundList(items: INodeExecutionData[], more: string): INodeExecutionData[] {
	if (items.length <= TOOL_LIST_LIMIT) return items;
	const marker: IDataObject = {
		truncated: true,
		note: `More than ${TOOL_LIST_LIMIT} results; these are the first ${TOOL_LIST_LIMIT}. ${more}`,
	};
	return [...items.slice(0, TOOL_LIST_LIMIT), { json: marker, pairedItem: items[0].pairedItem }];
}
