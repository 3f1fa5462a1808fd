/** The node's Resource and Operation options and the router's operation table describe the same operations. */
import type { INodeProperties } from 'n8n-workflow';

import { ApifyKeyValueStore } from '../../nodes/ApifyKeyValueStore/ApifyKeyValueStore.node';
import * as key from '../../nodes/ApifyKeyValueStore/actions/key/Key.resource';
import * as record from '../../nodes/ApifyKeyValueStore/actions/record/Record.resource';
import * as store from '../../nodes/ApifyKeyValueStore/actions/store/Store.resource';

// ES-module-only libraries of the executors, which this check of the descriptions never calls.
jest.mock('p-map', () => ({ default: jest.fn() }));
jest.mock('file-type/core', () => ({ fileTypeFromBuffer: jest.fn() }), { virtual: true });

const resources = { record, key, store };
const { properties } = new ApifyKeyValueStore().description;

const optionValues = (property: INodeProperties | undefined): string[] =>
	(property?.options ?? []).map((option) => String((option as { value: unknown }).value));

describe('operations', () => {
	it('offers a resource for each resource module, and only those', () => {
		const resourceField = properties.find((property) => property.name === 'resource');
		expect(optionValues(resourceField).sort()).toEqual(Object.keys(resources).sort());
	});

	it.each(Object.entries(resources))(
		'%s: every Operation option has an operation whose parameters show for it',
		(resourceName, resource) => {
			const operationField = properties.find(
				(property) =>
					property.name === 'operation' &&
					property.displayOptions?.show?.resource?.includes(resourceName),
			);
			const offered = optionValues(operationField);
			expect(offered.sort()).toEqual(Object.keys(resource.operations).sort());
			for (const [name, operation] of Object.entries(resource.operations)) {
				expect(operation.settings.defaultTimeoutSeconds).toBeGreaterThan(0);
				expect(operation.description.length).toBeGreaterThan(0);
				for (const parameter of operation.description) {
					expect(parameter.displayOptions?.show).toMatchObject({
						resource: [resourceName],
						operation: [name],
					});
				}
			}
		},
	);
});
