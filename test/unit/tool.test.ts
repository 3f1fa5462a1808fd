/** What the node outputs as an AI agent's tool: how it tells it runs as one, and the text bound. */
import {
	boundText,
	runsAsTool,
	TOOL_TEXT_LIMIT,
} from '../../nodes/ApifyKeyValueStore/helpers/tool';

describe('runsAsTool', () => {
	it('is true for the tool type n8n makes of the node, false for the node and its trigger', () => {
		expect(runsAsTool({ type: 'n8n-nodes-apify-key-value-store.apifyKeyValueStoreTool' })).toBe(
			true,
		);
		expect(runsAsTool({ type: 'n8n-nodes-apify-key-value-store.apifyKeyValueStore' })).toBe(false);
		expect(runsAsTool({ type: 'n8n-nodes-apify-key-value-store.apifyKeyValueStoreTrigger' })).toBe(
			false,
		);
	});
});

describe('boundText', () => {
	it('leaves a text of up to the limit as it is', () => {
		const text = 'x'.repeat(TOOL_TEXT_LIMIT);
		expect(boundText(text)).toEqual({ text });
	});

	it('cuts a longer text at the limit and marks the cut with the limit and the size', () => {
		const bounded = boundText('y'.repeat(TOOL_TEXT_LIMIT + 1), true, TOOL_TEXT_LIMIT, 20_001);
		expect(bounded.truncated).toBe(true);
		expect(bounded.text).toBe(
			`${'y'.repeat(TOOL_TEXT_LIMIT)}\n[… truncated at 20000 characters of 20001 bytes; the record's link (url) gives it whole]`,
		);
	});

	it('marks a text read only in part even when what was read fits the limit', () => {
		const bounded = boundText('z'.repeat(10), false, 10);
		expect(bounded).toEqual({
			text: `${'z'.repeat(10)}\n[… truncated at 10 characters; the record's link (url) gives it whole]`,
			truncated: true,
		});
	});
});
