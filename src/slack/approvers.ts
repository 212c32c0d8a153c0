import type { WebClient } from '@slack/web-api';
import type { ApproverDirectory } from '../domain/authorization.js';
import type { Logger } from '../logger.js';

export interface ApproverDirectoryOptions {
  readonly userIds: readonly string[];
  readonly usergroupId: string | undefined;
  readonly client: WebClient;
  readonly logger: Logger;
  /** How long a user group's member list is trusted before it is fetched again. */
  readonly ttlMs?: number;
}

/**
 * Approvers are APPROVER_USER_IDS plus the members of APPROVER_USERGROUP_ID. The group's members are
 * cached briefly; when Slack cannot be asked, the last known list is used, and with none, nobody
 * from the group is an approver (fail closed).
 */
export function createApproverDirectory(options: ApproverDirectoryOptions): ApproverDirectory {
  const fixed = new Set(options.userIds);
  const ttlMs = options.ttlMs ?? 60_000;
  let members: { users: Set<string>; fetchedAt: number } | undefined;
  let inflight: Promise<Set<string>> | undefined;

  async function groupMembers(groupId: string): Promise<Set<string>> {
    if (members && Date.now() - members.fetchedAt < ttlMs) return members.users;
    inflight ??= options.client.usergroups.users
      .list({ usergroup: groupId })
      .then((res) => {
        members = { users: new Set(res.users ?? []), fetchedAt: Date.now() };
        return members.users;
      })
      .catch((error: unknown) => {
        options.logger.warn(
          { err: error, usergroup: groupId },
          'could not read approver user group; using the last known members',
        );
        return members?.users ?? new Set<string>();
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  }

  return {
    async isApprover(userId) {
      if (fixed.has(userId)) return true;
      return options.usergroupId ? (await groupMembers(options.usergroupId)).has(userId) : false;
    },
    async list() {
      const group = options.usergroupId ? await groupMembers(options.usergroupId) : [];
      return [...new Set([...fixed, ...group])];
    },
  };
}
