/** Byte-for-byte assertion; Jest's toEqual walks Buffers element by element and takes ~0.1 s per 6 KB. */
export function expectSameBytes(actual: Buffer | undefined, expected: Buffer): void {
	expect(actual?.toString('hex')).toBe(expected.toString('hex'));
}
