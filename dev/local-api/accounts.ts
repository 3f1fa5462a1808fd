/**
 * The local API's users and API tokens. Token values are long and distinctive so that tests
 * can search logs, errors and output items for leaks.
 */
export interface LocalUser {
	id: string;
	username: string;
}

export const LOCAL_USER: LocalUser = { id: 'LocalUser00000001', username: 'local-user' };
export const OTHER_USER: LocalUser = { id: 'OtherUser00000001', username: 'other-user' };
const USERS: readonly LocalUser[] = [LOCAL_USER, OTHER_USER];

export const FULL_ACCESS_TOKEN = 'apify_api_LOCALfullAccessToken_local_user_0000000001';
export const READ_ONLY_TOKEN = 'apify_api_LOCALreadOnlyToken_local_user_00000000002';
export const OTHER_USER_TOKEN = 'apify_api_LOCALotherUserToken_other_user_0000000003';

export type TokenAccess = 'full' | 'read';

export interface TokenGrant {
	user: LocalUser;
	access: TokenAccess;
}

const TOKEN_GRANTS: ReadonlyMap<string, TokenGrant> = new Map([
	[FULL_ACCESS_TOKEN, { user: LOCAL_USER, access: 'full' }],
	[READ_ONLY_TOKEN, { user: LOCAL_USER, access: 'read' }],
	[OTHER_USER_TOKEN, { user: OTHER_USER, access: 'full' }],
]);

export function findTokenGrant(token: string): TokenGrant | undefined {
	return TOKEN_GRANTS.get(token);
}

export function findUserByName(username: string): LocalUser | undefined {
	return USERS.find((user) => user.username === username);
}

export function findUserById(userId: string): LocalUser | undefined {
	return USERS.find((user) => user.id === userId);
}
