/**
 * Who a message is from, as `from.user`: the member's identity plus its home tenant.
 * Members of other tenants (external access) send as `federatedUser`.
 */
import type {
  SimFrom,
  SimMember,
  SimMessageFrom,
  SimMessageUser,
  SimUserIdentity,
} from "../model.ts";
import { memberIdentity } from "./previews.ts";

export function messageUser(member: SimMember, tenantId: string): SimMessageUser {
  const identity = memberIdentity(member);
  switch (member.type) {
    case "aadUserConversationMember":
      return member.tenantId === tenantId
        ? { ...identity, tenantId }
        : { ...identity, userIdentityType: "federatedUser", tenantId: member.tenantId };
    case "skypeForBusinessUserConversationMember":
      return { ...identity, tenantId: member.tenantId };
    default:
      return { ...identity, tenantId: null };
  }
}

export function userFrom(user: SimMessageUser): SimMessageFrom {
  return { application: null, device: null, user };
}

/** A preview's sender as a message sender: the preview's identity, with the member's tenant. */
export function fromOfPreview(
  from: SimFrom | null,
  members: readonly SimMember[],
  tenantId: string,
): SimMessageFrom | null {
  if (from === null) return null;
  if (from.user === null) return { application: from.application, device: from.device, user: null };
  const user: SimUserIdentity = from.user;
  const member = members.find((m) => memberIdentity(m).id === user.id);
  const home =
    member === undefined
      ? tenantId
      : member.type === "aadUserConversationMember" ||
          member.type === "skypeForBusinessUserConversationMember"
        ? member.tenantId
        : null;
  return { application: from.application, device: from.device, user: { ...user, tenantId: home } };
}
