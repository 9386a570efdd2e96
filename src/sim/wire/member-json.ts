/** conversationMember subtypes on the wire: `@odata.type` first, then Graph's order. */
import type { ConversationMember } from "@microsoft/microsoft-graph-types";
import type { SimMember } from "../model.ts";

export type MemberWire = ConversationMember & { "@odata.type": string } & Record<string, unknown>;

export function memberJson(member: SimMember): MemberWire {
  const base = {
    "@odata.type": `#microsoft.graph.${member.type}`,
    id: member.id,
    roles: member.roles,
    displayName: member.displayName,
    visibleHistoryStartDateTime: member.visibleHistoryStartDateTime,
  };
  switch (member.type) {
    case "aadUserConversationMember":
      return { ...base, userId: member.userId, email: member.email, tenantId: member.tenantId };
    case "anonymousGuestConversationMember":
      return { ...base, anonymousGuestId: member.anonymousGuestId };
    case "microsoftAccountUserConversationMember":
      return { ...base, userId: member.userId };
    case "skypeForBusinessUserConversationMember":
      return { ...base, userId: member.userId, tenantId: member.tenantId };
    case "skypeUserConversationMember":
      return { ...base, skypeId: member.skypeId };
    case "phoneUserConversationMember":
      return { ...base, phoneNumber: member.phoneNumber };
    case "azureCommunicationServicesUserConversationMember":
      return { ...base, azureCommunicationServicesId: member.azureCommunicationServicesId };
  }
}
