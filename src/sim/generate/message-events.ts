/** System event details of a chat's history that previews.ts has no builder for. */
import type { SimEventDetail, SimUserIdentity } from "../model.ts";
import { initiatorJson } from "./previews.ts";

export function callStartedDetail(
  callId: string,
  callEventType: string,
  initiator: SimUserIdentity,
): SimEventDetail {
  return {
    "@odata.type": "#microsoft.graph.callStartedEventMessageDetail",
    callId,
    callEventType,
    initiator: initiatorJson(initiator),
  };
}

export function callEndedDetail(
  callId: string,
  callEventType: string,
  durationMs: number,
  participants: readonly SimUserIdentity[],
  initiator: SimUserIdentity,
): SimEventDetail {
  return {
    "@odata.type": "#microsoft.graph.callEndedEventMessageDetail",
    callId,
    callDuration: isoDuration(durationMs),
    callEventType,
    callParticipants: participants.map((p) => ({ participant: initiatorJson(p) })),
    initiator: initiatorJson(initiator),
  };
}

export function appInstalledDetail(
  teamsAppId: string,
  teamsAppDisplayName: string,
  initiator: SimUserIdentity,
): SimEventDetail {
  return {
    "@odata.type": "#microsoft.graph.teamsAppInstalledEventMessageDetail",
    teamsAppId,
    teamsAppDisplayName,
    initiator: initiatorJson(initiator),
  };
}

export function messagePinnedDetail(
  eventDateTime: string,
  initiator: SimUserIdentity,
): SimEventDetail {
  return {
    "@odata.type": "#microsoft.graph.messagePinnedEventMessageDetail",
    eventDateTime,
    initiator: initiatorJson(initiator),
  };
}

/** `PT1H2M3S`, as call durations are sent. */
export function isoDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `PT${h}H${m}M${seconds % 60}S`;
}
