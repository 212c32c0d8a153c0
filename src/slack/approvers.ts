import type { WebClient } from '@slack/web-api';
import type { ApproverDirectory } from '../domain/authorization.js';
import type { Logger } from '../logger.js';

/** Fixed user ids plus the members of a Slack user group. */
export interface PeopleList {
  readonly userIds: readonly string[];
  readonly usergroupId: string | undefined;
}

export interface ApproverDirectoryOptions extends PeopleList {
  /** ESCALATION_USER_IDS and ESCALATION_USERGROUP_ID. */
  readonly escalation?: PeopleList;
  readonly client: WebClient;
  readonly logger: Logger;
  /** How long a user group's member list is trusted before it is fetched again. */
  readonly ttlMs?: number;
}

/**
 * Approvers are APPROVER_USER_IDS plus the members of APPROVER_USERGROUP_ID; escalation contacts are
 * read the same way. A group's members are cached briefly; when Slack cannot be asked, the last known
 * list is used, and with none, nobody from the group counts (fail closed).
 */
export function createApproverDirectory(options: ApproverDirectoryOptions): ApproverDirectory {
  const ttlMs = options.ttlMs ?? 60_000;
  const cache = new Map<string, { users: Set<string>; fetchedAt: number }>();
  const inflight = new Map<string, Promise<Set<string>>>();

  function groupMembers(groupId: string): Promise<Set<string>> {
    const cached = cache.get(groupId);
    if (cached && Date.now() - cached.fetchedAt < ttlMs) return Promise.resolve(cached.users);
    const pending =
      inflight.get(groupId) ??
      options.client.usergroups.users
        .list({ usergroup: groupId })
        .then((res) => {
          const users = new Set(res.users ?? []);
          cache.set(groupId, { users, fetchedAt: Date.now() });
          return users;
        })
        .catch((error: unknown) => {
          options.logger.warn(
            { err: error, usergroup: groupId },
            'could not read a user group; using the last known members',
          );
          return cache.get(groupId)?.users ?? new Set<string>();
        })
        .finally(() => inflight.delete(groupId));
    inflight.set(groupId, pending);
    return pending;
  }

  const contains = async (list: PeopleList, userId: string) =>
    list.userIds.includes(userId) || (list.usergroupId ? (await groupMembers(list.usergroupId)).has(userId) : false);
  const everyone = async (list: PeopleList) => [
    ...new Set([...list.userIds, ...(list.usergroupId ? await groupMembers(list.usergroupId) : [])]),
  ];
  const escalation = options.escalation ?? { userIds: [], usergroupId: undefined };

  return {
    isApprover: (userId) => contains(options, userId),
    approvers: () => everyone(options),
    isEscalationContact: (userId) => contains(escalation, userId),
    escalationContacts: () => everyone(escalation),
  };
}
