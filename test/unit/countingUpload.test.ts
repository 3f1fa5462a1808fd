import { PassThrough, Readable } from 'node:stream';

import { countingUpload } from '../../nodes/ApifyKeyValueStore/helpers/streams';

describe('countingUpload', () => {
	it('passes every byte on and reports each chunk', async () => {
		const parts = [Buffer.from('abc'), Buffer.alloc(70_000, 7), Buffer.from('z')];
		let counted = 0;
		const upload = countingUpload(Readable.from(parts), (bytes) => (counted += bytes));
		const received: Buffer[] = [];
		for await (const chunk of upload) received.push(chunk as Buffer);
		expect(Buffer.concat(received).equals(Buffer.concat(parts))).toBe(true);
		expect(counted).toBe(70_004);
	});

	it('closes its source when it is given up before being read', async () => {
		const source = new PassThrough();
		const upload = countingUpload(source, () => {});
		upload.destroy();
		await new Promise((resolve) => setImmediate(resolve));
		expect(source.destroyed).toBe(true);
	});
});
